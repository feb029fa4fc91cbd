"""Keep credentials out of cell outputs, which people save and share.

regview never puts a credential in a message or a result itself, but a registry may echo
one back: an error body that quotes the ``Authorization`` header it got, a token in a
message, an annotation holding a password. So whatever a notebook *shows* passes through
here first:

* :func:`hide` replaces every credential this kernel's sessions have used (passwords,
  identity tokens, and ``user:password`` in base64, as Basic auth sends it) and every
  ``Authorization`` value (``Bearer …``, ``Basic …``: a bearer token is never known
  outside the client) with ``<hidden>``; it is applied to every string the HTML, the text
  and the JSON document of a result show;
* :func:`hide_message` also hides what looks like a credential in a message (a JWT,
  ``token=…``, ``password: …``), for error lines, which are regview's own text. Registry
  content is not searched for those shapes: a signature annotation is full of JWT-like
  base64 that is no secret.

The data itself (``.rows``, ``to_pandas()``) stays as the registry sent it.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from regview.registry import Credential, RegistryError

if TYPE_CHECKING:
    from regview.notebook.session import Session

__all__ = ["HIDDEN", "hide", "hide_json", "hide_message", "remember", "remember_session"]

HIDDEN = "<hidden>"
MIN_LENGTH = 6
"""Shorter strings are not hidden: they would blank out ordinary words."""

_known: set[str] = set()
_ordered: list[str] = []

_PATTERNS = (
    # An Authorization header value (a token or base64 has a digit somewhere: "Basic
    # authentication" is left alone).
    re.compile(r"(?i)\b(bearer|basic)\s+(?=[A-Za-z0-9._~+/=-]*[0-9])[A-Za-z0-9._~+/=-]{12,}"),
    # A JWT, or the start of one (a server's message may be cut in the middle of it).
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*){0,2}"),
    # A token after "token", "password"... and a separator.
    re.compile(r"(?i)\b(access_token|refresh_token|token|password|secret)([\"']?\s*[:=]\s*[\"']?)"
               r"[^\s\"'&,;]{6,}"),
)


def _variants(credential: Credential) -> Iterable[str]:
    if credential.password:
        yield credential.password
        if credential.username:
            pair = f"{credential.username}:{credential.password}".encode()
            yield base64.b64encode(pair).decode()
            yield base64.urlsafe_b64encode(pair).decode()
    if credential.identity_token:
        yield credential.identity_token


def remember(credential: Credential | None) -> None:
    """Hide ``credential``'s secrets from now on."""
    if credential is None:
        return
    added = False
    for secret in _variants(credential):
        if len(secret) >= MIN_LENGTH and secret not in _known:
            _known.add(secret)
            added = True
    if added:
        _ordered[:] = sorted(_known, key=len, reverse=True)  # longest first


def remember_session(session: Session) -> None:
    """Remember the credentials the session's clients authenticated with (answers the
    credential store has already: nothing is read or run here for other registries)."""
    store = session.pool.credentials
    if store is None:
        return
    for client in session.pool.clients:
        # A client that looked up a credential and got one calls itself by its user name.
        if client.identity == "anonymous" and client.stats.credential_origin is None:
            continue
        try:
            remember(store.lookup(client.registry))
        except RegistryError:
            continue


def hide(text: str) -> str:
    """``text`` with every remembered secret and ``Authorization`` value hidden."""
    for secret in _ordered:
        if secret in text:
            text = text.replace(secret, HIDDEN)
    if "earer" in text or "asic" in text:
        text = _PATTERNS[0].sub(lambda m: f"{m.group(1)} {HIDDEN}", text)
    return text


def hide_message(text: str) -> str:
    """:func:`hide`, and anything shaped like a credential in a message."""
    text = hide(text)
    text = _PATTERNS[1].sub(HIDDEN, text)
    return _PATTERNS[2].sub(lambda m: f"{m.group(1)}{m.group(2)}{HIDDEN}", text)


def hide_json(value: Any) -> Any:
    """A JSON-ready value with :func:`hide` applied to every string (keys too)."""
    if isinstance(value, str):
        return hide(value)
    if isinstance(value, list):
        return [hide_json(v) for v in value]
    if isinstance(value, dict):
        return {hide(str(k)): hide_json(v) for k, v in value.items()}
    return value
