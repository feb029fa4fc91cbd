"""Docker credential helpers: ``docker-credential-NAME get``, asked about one server.

A helper reads the server URL on stdin and answers ``{"Username": ..., "Secret": ...}``
(``Username`` ``<token>`` for an identity token). "credentials not found" means it has
nothing for that server. No message here ever repeats what a helper printed: it may be
a secret.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping
from typing import Any

from regview.registry.credential import TOKEN_USERNAME, Credential
from regview.registry.errors import CredentialsError
from regview.registry.hosts import DOCKER_HUB

__all__ = [
    "DOCKER_HUB_SERVER_URL",
    "HELPER_NAME_RE",
    "HELPER_TIMEOUT",
    "HelperRunner",
    "ask_helper",
    "helper_server_url",
    "run_credential_helper",
]

HelperRunner = Callable[[str, str], str]
"""``(helper_name, server_url) -> stdout`` of ``docker-credential-NAME get``.

Returns ``""`` when the helper has no credential for the server ("credentials not
found"); raises :class:`CredentialsError` on any other failure.
"""

DOCKER_HUB_SERVER_URL = "https://index.docker.io/v1/"
HELPER_TIMEOUT = 10.0
HELPER_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
"""What a helper name (the ``NAME`` of ``docker-credential-NAME``) may look like."""

_NOT_FOUND_RE = re.compile(r"credentials not found", re.IGNORECASE)


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
    if not HELPER_NAME_RE.fullmatch(helper):
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


def ask_helper(
    run_helper: HelperRunner, helper: str, registry: str, setting: str
) -> Credential | None:
    """The credential ``docker-credential-HELPER`` holds for ``registry``, or None.

    ``setting`` names where the helper is configured (for messages). Raises
    :class:`CredentialsError` when the helper fails or answers something unreadable;
    the message never repeats what it answered.
    """
    program = f"docker-credential-{helper}"
    server_url = helper_server_url(registry)
    try:
        output = run_helper(helper, server_url)
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
