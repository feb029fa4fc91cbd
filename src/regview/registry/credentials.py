"""Where registry credentials come from: docker config.json, containers auth.json, helpers.

Search order (first file that has a credential for the registry wins):

1. static credentials given on the command line (``-u`` / ``--password-stdin``);
2. with ``--auth-file``: only those files, in the order given; otherwise
   ``$DOCKER_CONFIG/config.json`` (or ``~/.docker/config.json``), then
   ``$REGISTRY_AUTH_FILE``, ``$XDG_RUNTIME_DIR/containers/auth.json`` and
   ``~/.config/containers/auth.json``.

Within one file, as docker does: ``credHelpers[registry]`` wins over ``credsStore``, which
wins over ``auths``. A helper that answers "credentials not found" means "nothing in this
file"; the search goes on with the next file.

No message, ``repr`` or ``str`` produced here ever contains a password or token: errors
name the file or helper and say what to do, never what the file or helper said.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from regview.registry.auth_files import AuthFile, read_auth_file, registry_from_key
from regview.registry.credential import Credential
from regview.registry.credential_helpers import (
    HELPER_TIMEOUT,
    HelperRunner,
    ask_helper,
    run_credential_helper,
)
from regview.registry.errors import InvalidReference
from regview.registry.hosts import normalize_registry
from regview.registry.redaction import redactor

__all__ = ["HELPER_TIMEOUT", "Credential", "CredentialStore", "HelperRunner"]


class CredentialStore:
    """Finds the credential for a registry in the usual places; see the module docstring.

    ``lookup`` may run a credential helper (a subprocess, up to ``helper_timeout``
    seconds): call it from a worker thread in async code. Answers are remembered until
    :meth:`refresh`.
    """

    def __init__(
        self,
        *,
        auth_files: Sequence[Path] | None = None,
        environ: Mapping[str, str] | None = None,
        home: Path | None = None,
        run_helper: HelperRunner | None = None,
        static: Mapping[str, Credential] | None = None,
        helper_timeout: float = HELPER_TIMEOUT,
    ) -> None:
        self._environ: dict[str, str] = dict(os.environ if environ is None else environ)
        self._home = home if home is not None else _default_home(self._environ)
        self._explicit = auth_files is not None
        self._auth_files_arg = None if auth_files is None else tuple(auth_files)
        self._files: tuple[Path, ...] = (
            tuple(Path(p) for p in auth_files) if auth_files is not None else self._discover()
        )
        self._run_helper_arg = run_helper
        self._run_helper: HelperRunner = run_helper or self._default_run_helper
        self._helper_timeout = helper_timeout
        self._static: dict[str, Credential] = {}
        for registry, credential in (static or {}).items():
            self._static[self._canonical(registry)] = credential
        self._parsed: dict[Path, AuthFile | None] = {}
        self._answers: dict[str, Credential | None] = {}

    # ------------------------------------------------------------------ public

    @property
    def auth_files(self) -> tuple[Path, ...]:
        """The files consulted, in order (those that do not exist are skipped)."""
        return self._files

    def with_static(self, registry: str, credential: Credential) -> CredentialStore:
        """A copy of this store where ``credential`` is used for ``registry``."""
        static = dict(self._static)
        static[self._canonical(registry)] = credential
        return CredentialStore(
            auth_files=self._auth_files_arg,
            environ=self._environ,
            home=self._home,
            run_helper=self._run_helper_arg,
            static=static,
            helper_timeout=self._helper_timeout,
        )

    def lookup(self, registry: str) -> Credential | None:
        """The credential for ``registry`` (canonical host, e.g. ``docker.io``), or None.

        Raises :class:`CredentialsError` for an unreadable or malformed auth file, or a
        credential helper that cannot be run.
        """
        key = self._canonical(registry)
        if key in self._static:
            redactor.register_credential(self._static[key])
            return self._static[key]
        if key in self._answers:
            return self._answers[key]
        answer: Credential | None = None
        for path in self._files:
            parsed = self._load(path)
            if parsed is None:
                continue
            found = self._lookup_in(parsed, key)
            if found is not None and not found.is_anonymous:
                answer = found
                break
        redactor.register_credential(answer)  # learned: hidden from now on
        self._answers[key] = answer
        return answer

    def registries(self) -> list[str]:
        """Every registry named in the auth files (and static credentials), sorted."""
        names: set[str] = set(self._static)
        for path in self._files:
            parsed = self._load(path)
            if parsed is not None:
                names.update(parsed.named)
        return sorted(names)

    def refresh(self) -> None:
        """Forget remembered answers and parsed files (e.g. after ``docker login``)."""
        self._parsed.clear()
        self._answers.clear()

    # ------------------------------------------------------------------ internals

    @staticmethod
    def _canonical(registry: str) -> str:
        if not isinstance(registry, str):
            raise InvalidReference(f"registry must be a string, got {type(registry).__name__}")
        canonical = registry_from_key(registry)
        if canonical is None:
            return normalize_registry(registry)  # raises with a precise message
        return canonical

    def _discover(self) -> tuple[Path, ...]:
        env, home = self._environ, self._home
        found: list[Path] = []
        docker_config = env.get("DOCKER_CONFIG")
        if docker_config:
            found.append(Path(docker_config) / "config.json")
        elif home is not None:
            found.append(home / ".docker" / "config.json")
        registry_auth_file = env.get("REGISTRY_AUTH_FILE")
        if registry_auth_file:
            found.append(Path(registry_auth_file))
        runtime_dir = env.get("XDG_RUNTIME_DIR")
        if runtime_dir:
            found.append(Path(runtime_dir) / "containers" / "auth.json")
        if home is not None:
            found.append(home / ".config" / "containers" / "auth.json")
        return tuple(dict.fromkeys(found))

    def _display(self, path: Path) -> str:
        if self._home is not None:
            try:
                relative = path.relative_to(self._home)
            except ValueError:
                pass
            else:
                return f"~/{relative.as_posix()}"
        return str(path)

    def _default_run_helper(self, helper: str, server_url: str) -> str:
        return run_credential_helper(
            helper, server_url, environ=self._environ, timeout=self._helper_timeout
        )

    def _lookup_in(self, parsed: AuthFile, registry: str) -> Credential | None:
        helper = parsed.cred_helpers.get(registry)
        setting = f'"credHelpers" in {parsed.display}'
        if helper is None and parsed.creds_store is not None:
            helper = parsed.creds_store
            setting = f'"credsStore" in {parsed.display}'
        if helper is not None:
            return ask_helper(self._run_helper, helper, registry, setting)
        return parsed.auths.get(registry)

    def _load(self, path: Path) -> AuthFile | None:
        if path in self._parsed:
            return self._parsed[path]
        parsed = read_auth_file(path, self._display(path), required=self._explicit)
        self._parsed[path] = parsed
        return parsed


def _default_home(environ: Mapping[str, str]) -> Path | None:
    home = environ.get("HOME")
    if home:
        return Path(home)
    try:
        return Path.home()
    except (RuntimeError, KeyError):
        return None
