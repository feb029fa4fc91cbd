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

import base64
import binascii
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from regview.registry.errors import CredentialsError, InvalidReference
from regview.registry.reference import DOCKER_HUB, normalize_registry

__all__ = [
    "DOCKER_HUB_SERVER_URL",
    "HELPER_TIMEOUT",
    "Credential",
    "CredentialStore",
    "HelperRunner",
    "helper_server_url",
    "registry_from_key",
    "run_credential_helper",
]

HelperRunner = Callable[[str, str], str]
"""``(helper_name, server_url) -> stdout`` of ``docker-credential-NAME get``.

Returns ``""`` when the helper has no credential for the server ("credentials not
found"); raises :class:`CredentialsError` on any other failure.
"""

DOCKER_HUB_SERVER_URL = "https://index.docker.io/v1/"
TOKEN_USERNAME = "<token>"
HELPER_TIMEOUT = 10.0
MAX_AUTH_FILE_BYTES = 4 * 1024 * 1024

_HELPER_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_NOT_FOUND_RE = re.compile(r"credentials not found", re.IGNORECASE)


@dataclass(frozen=True, repr=False)
class Credential:
    """A username/password or an identity token, and where it came from.

    ``source`` describes the origin for people (``~/.docker/config.json``, ``credential
    helper docker-credential-pass``, ``--password-stdin``); it never holds a secret.
    ``repr()`` and ``str()`` never show the password or token.
    """

    username: str | None = None
    password: str | None = None
    identity_token: str | None = None
    """An OAuth2 refresh token (docker's ``identitytoken``)."""
    source: str = field(default="")

    @property
    def is_anonymous(self) -> bool:
        """True when there is nothing to authenticate with (no password, no token)."""
        return not self.password and not self.identity_token

    def __repr__(self) -> str:
        return (
            f"Credential(username={self.username!r}, "
            f"password={'<hidden>' if self.password else None}, "
            f"identity_token={'<hidden>' if self.identity_token else None}, "
            f"source={self.source!r})"
        )

    def __str__(self) -> str:
        if self.is_anonymous:
            who = "anonymous"
        elif self.identity_token:
            who = f"identity token for {self.username}" if self.username else "identity token"
        else:
            who = self.username or "password"
        return f"{who} (from {self.source})" if self.source else who


def registry_from_key(key: str) -> str | None:
    """The canonical registry of an ``auths``/``credHelpers`` key, or None if it has none.

    Strips a scheme and any path: ``https://index.docker.io/v1/`` -> ``docker.io``,
    ``http://localhost:5000/v2/`` -> ``localhost:5000``.
    """
    text = key.strip()
    lower = text.lower()
    for scheme in ("https://", "http://"):
        if lower.startswith(scheme):
            text = text[len(scheme) :]
            break
    text = text.split("/", 1)[0]
    try:
        return normalize_registry(text)
    except InvalidReference:
        return None


def helper_server_url(registry: str) -> str:
    """The server URL a credential helper is asked about (docker's convention)."""
    return DOCKER_HUB_SERVER_URL if registry == DOCKER_HUB else registry


def run_credential_helper(
    helper: str,
    server_url: str,
    *,
    environ: Mapping[str, str] | None = None,
    timeout: float = HELPER_TIMEOUT,
) -> str:
    """Run ``docker-credential-HELPER get`` with ``server_url`` on stdin; return stdout.

    Returns ``""`` for "credentials not found". Raises :class:`CredentialsError` when the
    helper is missing, times out or fails; the message never repeats its output.
    """
    program = f"docker-credential-{helper}"
    if not _HELPER_NAME_RE.fullmatch(helper):
        raise CredentialsError(f"invalid credential helper name {helper[:64]!r}")
    env = dict(os.environ if environ is None else environ)
    executable = shutil.which(program, path=env.get("PATH", os.defpath))
    if executable is None:
        raise CredentialsError(
            f"credential helper {program} is not installed (not found on PATH): "
            "install it, or remove it from your auth configuration"
        )
    try:
        result = subprocess.run(
            [executable, "get"],
            input=server_url,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise CredentialsError(
            f"credential helper {program} did not answer within {timeout:g} s for "
            f"{server_url}: it may be waiting for a passphrase or an unlock prompt; "
            "unlock it, or log in again"
        ) from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise CredentialsError(
            f"could not run credential helper {program}: {reason}; check that it is "
            "installed and executable"
        ) from None
    if result.returncode != 0:
        if _NOT_FOUND_RE.search(result.stdout) or _NOT_FOUND_RE.search(result.stderr):
            return ""
        raise CredentialsError(
            f"credential helper {program} failed (exit status {result.returncode}) for "
            f"{server_url}: run '{program} get' yourself to see why, or log in again"
        )
    return result.stdout


@dataclass(frozen=True, slots=True)
class _AuthFile:
    """One parsed auth file."""

    path: Path
    display: str
    auths: Mapping[str, Credential]  # canonical registry -> first usable credential
    named: frozenset[str]  # every registry the file names (auths and credHelpers keys)
    cred_helpers: Mapping[str, str]  # canonical registry -> helper name
    creds_store: str | None


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
        self._parsed: dict[Path, _AuthFile | None] = {}
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

    def _lookup_in(self, parsed: _AuthFile, registry: str) -> Credential | None:
        helper = parsed.cred_helpers.get(registry)
        setting = f'"credHelpers" in {parsed.display}'
        if helper is None and parsed.creds_store is not None:
            helper = parsed.creds_store
            setting = f'"credsStore" in {parsed.display}'
        if helper is not None:
            return self._ask_helper(helper, registry, setting)
        return parsed.auths.get(registry)

    def _ask_helper(self, helper: str, registry: str, setting: str) -> Credential | None:
        program = f"docker-credential-{helper}"
        server_url = helper_server_url(registry)
        try:
            output = self._run_helper(helper, server_url)
        except CredentialsError as exc:
            raise CredentialsError(f"{exc.message} (the helper is set by {setting})") from None
        except Exception as exc:
            raise CredentialsError(
                f"credential helper {program} failed for {server_url} "
                f"({type(exc).__name__}; the helper is set by {setting})"
            ) from None
        if not output.strip():
            return None
        try:
            data: Any = json.loads(output)
        except (ValueError, RecursionError):
            if _NOT_FOUND_RE.search(output):
                return None
            raise CredentialsError(
                f"credential helper {program} did not answer with JSON for {server_url}; "
                f"check that it works, or remove it from {setting}"
            ) from None
        if not isinstance(data, dict):
            raise CredentialsError(
                f"credential helper {program} answered with a JSON {type(data).__name__} "
                f"for {server_url}, not an object; check that it works"
            )
        username, secret = data.get("Username"), data.get("Secret")
        for name, value in (("Username", username), ("Secret", secret)):
            if value is not None and not isinstance(value, str):
                raise CredentialsError(
                    f'credential helper {program} answered with a non-string "{name}" '
                    f"for {server_url}; check that it works"
                )
        source = f"credential helper {program}"
        if not secret:
            return None
        if username == TOKEN_USERNAME:
            return Credential(None, None, secret, source)
        return Credential(username or None, secret, None, source)

    def _load(self, path: Path) -> _AuthFile | None:
        if path in self._parsed:
            return self._parsed[path]
        parsed = self._read(path)
        self._parsed[path] = parsed
        return parsed

    def _read(self, path: Path) -> _AuthFile | None:
        display = self._display(path)
        try:
            with path.open("rb") as handle:
                raw = handle.read(MAX_AUTH_FILE_BYTES + 1)
        except (FileNotFoundError, NotADirectoryError):
            if self._explicit:
                raise CredentialsError(f"auth file {display} does not exist") from None
            return None
        except IsADirectoryError:
            raise CredentialsError(f"auth file {display} is a directory, not a file") from None
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise CredentialsError(
                f"cannot read auth file {display}: {reason}; check its permissions"
            ) from None
        if len(raw) > MAX_AUTH_FILE_BYTES:
            raise CredentialsError(
                f"auth file {display} is larger than {MAX_AUTH_FILE_BYTES // (1024 * 1024)} "
                "MiB; that is not an auth file"
            )
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise CredentialsError(f"auth file {display} is not UTF-8 text") from None
        if not text.strip():
            data: Any = {}
        else:
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                raise CredentialsError(
                    f"auth file {display} is not valid JSON (line {exc.lineno}, column "
                    f"{exc.colno}): fix or remove it"
                ) from None
            except (ValueError, RecursionError):
                raise CredentialsError(
                    f"auth file {display} is not valid JSON: fix or remove it"
                ) from None
        return _parse_auth_file(path, display, data)


def _default_home(environ: Mapping[str, str]) -> Path | None:
    home = environ.get("HOME")
    if home:
        return Path(home)
    try:
        return Path.home()
    except (RuntimeError, KeyError):
        return None


def _key_text(key: str) -> str:
    return repr(key if len(key) <= 80 else key[:80] + "…")


def _parse_auth_file(path: Path, display: str, data: Any) -> _AuthFile:
    def bad(what: str) -> CredentialsError:
        return CredentialsError(f"auth file {display}: {what}; fix or remove it")

    if not isinstance(data, dict):
        raise bad(f"the top level is a JSON {type(data).__name__}, not an object")

    named: set[str] = set()

    auths_raw = data.get("auths")
    if auths_raw is None:
        auths_raw = {}
    if not isinstance(auths_raw, dict):
        raise bad('"auths" must be an object')
    auths: dict[str, Credential] = {}
    for key, entry in auths_raw.items():
        credential = _decode_entry(key, entry, display, bad)
        registry = registry_from_key(key)
        if registry is None:
            continue
        named.add(registry)
        if registry not in auths and not credential.is_anonymous:
            auths[registry] = credential

    helpers_raw = data.get("credHelpers")
    if helpers_raw is None:
        helpers_raw = {}
    if not isinstance(helpers_raw, dict):
        raise bad('"credHelpers" must be an object')
    cred_helpers: dict[str, str] = {}
    for key, helper in helpers_raw.items():
        if not isinstance(helper, str):
            raise bad(f'"credHelpers" entry {_key_text(key)} must be a string')
        if not helper:
            continue
        if not _HELPER_NAME_RE.fullmatch(helper):
            raise bad(f'"credHelpers" entry {_key_text(key)} is not a helper name')
        registry = registry_from_key(key)
        if registry is None:
            continue
        named.add(registry)
        cred_helpers.setdefault(registry, helper)

    store = data.get("credsStore")
    if store is not None and not isinstance(store, str):
        raise bad('"credsStore" must be a string')
    if store and not _HELPER_NAME_RE.fullmatch(store):
        raise bad('"credsStore" is not a helper name')

    return _AuthFile(
        path=path,
        display=display,
        auths=auths,
        named=frozenset(named),
        cred_helpers=cred_helpers,
        creds_store=store or None,
    )


def _decode_entry(
    key: str, entry: Any, display: str, bad: Callable[[str], CredentialsError]
) -> Credential:
    where = f'"auths" entry {_key_text(key)}'
    if entry is None:
        entry = {}
    if not isinstance(entry, dict):
        raise bad(f"{where} must be an object")
    for name in ("auth", "username", "password", "identitytoken"):
        value = entry.get(name)
        if value is not None and not isinstance(value, str):
            raise bad(f'"{name}" of {where} must be a string')
    username: str | None = entry.get("username") or None
    password: str | None = entry.get("password") or None
    auth: str | None = entry.get("auth") or None
    if auth is not None:
        username, password = _decode_auth(auth, where, bad)
    token: str | None = entry.get("identitytoken") or None
    if username == TOKEN_USERNAME:
        username = None
    return Credential(username, password, token, display)


def _decode_auth(
    auth: str, where: str, bad: Callable[[str], CredentialsError]
) -> tuple[str | None, str | None]:
    text = auth.strip()
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise bad(f'"auth" of {where} is not valid base64') from None
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise bad(f'"auth" of {where} does not decode to UTF-8 text') from None
    username, colon, password = decoded.partition(":")
    if not colon:
        raise bad(f'"auth" of {where} is not base64 of "username:password"')
    return username or None, password or None
