"""Auth files: docker's ``config.json`` and containers' ``auth.json``, read defensively.

One file holds ``auths`` (``{"HOST": {"auth": base64("user:password")}}``, or
``username``/``password``/``identitytoken``), ``credHelpers`` (a helper per registry)
and ``credsStore`` (a helper for every registry). Keys may be URLs
(``https://index.docker.io/v1/``): :func:`registry_from_key` maps them to registries.
Errors name the file and say what to fix; they never quote its contents.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from regview.registry.credential import TOKEN_USERNAME, Credential
from regview.registry.credential_helpers import HELPER_NAME_RE
from regview.registry.errors import CredentialsError, InvalidReference
from regview.registry.hosts import normalize_registry

__all__ = ["MAX_AUTH_FILE_BYTES", "AuthFile", "read_auth_file", "registry_from_key"]

MAX_AUTH_FILE_BYTES = 4 * 1024 * 1024


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


@dataclass(frozen=True, slots=True)
class AuthFile:
    """One parsed auth file."""

    path: Path
    display: str
    auths: Mapping[str, Credential]  # canonical registry -> first usable credential
    named: frozenset[str]  # every registry the file names (auths and credHelpers keys)
    cred_helpers: Mapping[str, str]  # canonical registry -> helper name
    creds_store: str | None


def read_auth_file(path: Path, display: str, *, required: bool) -> AuthFile | None:
    """Read and parse the auth file at ``path`` (``display`` names it in messages).

    A missing file is None, or a :class:`CredentialsError` when ``required``; so is
    anything unreadable or malformed, with a message that says what to do.
    """
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_AUTH_FILE_BYTES + 1)
    except (FileNotFoundError, NotADirectoryError):
        if required:
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


def _key_text(key: str) -> str:
    return repr(key if len(key) <= 80 else key[:80] + "…")


def _parse_auth_file(path: Path, display: str, data: Any) -> AuthFile:
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
        if not HELPER_NAME_RE.fullmatch(helper):
            raise bad(f'"credHelpers" entry {_key_text(key)} is not a helper name')
        registry = registry_from_key(key)
        if registry is None:
            continue
        named.add(registry)
        cred_helpers.setdefault(registry, helper)

    store = data.get("credsStore")
    if store is not None and not isinstance(store, str):
        raise bad('"credsStore" must be a string')
    if store and not HELPER_NAME_RE.fullmatch(store):
        raise bad('"credsStore" is not a helper name')

    return AuthFile(
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
