"""Keep credentials out of cell outputs, which people save and share.

regview never puts a credential in a message or a result itself, but a registry may echo
one back: an error body that quotes the ``Authorization`` header it got, a token in a
message, an annotation holding a password. The client knows every secret the process
holds (:data:`regview.registry.redactor`: credentials as they are looked up, tokens as
they are issued), so whatever a notebook *shows* passes through it first:

* :func:`hide` replaces every known secret and every ``Authorization`` value with
  ``<hidden>``; it is applied to every string the HTML, the text and the JSON document of
  a result show;
* :func:`hide_message` also hides what looks like a credential in a message (a JWT,
  ``token=…``, ``password: …``), for error lines. Registry content is not searched for
  those shapes: a signature annotation is full of JWT-like base64 that is no secret.

The data itself (``.rows``, ``to_pandas()``) stays as the registry sent it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from regview.registry import Credential, Redactor, RegistryError, redactor

if TYPE_CHECKING:
    from regview.notebook.session import Session

__all__ = ["HIDDEN", "hide", "hide_json", "hide_message", "remember", "remember_session"]

HIDDEN = Redactor.HIDDEN


def remember(credential: Credential | None) -> None:
    """Hide ``credential``'s secrets from now on."""
    redactor.register_credential(credential)


def remember_session(session: Session) -> None:
    """Remember the credentials the session's clients authenticated with (answers the
    credential store has already: nothing is read or run here for other registries).

    The client registers them itself as it looks them up; this covers a credential
    found by the store but not yet used by a client."""
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
    """``text`` with every known secret and ``Authorization`` value hidden."""
    return redactor.redact(text)


def hide_message(text: str) -> str:
    """:func:`hide`, and anything shaped like a credential in a message."""
    return redactor.redact_message(text)


def hide_json(value: Any) -> Any:
    """A JSON-ready value with :func:`hide` applied to every string (keys too)."""
    return redactor.redact_json(value)
