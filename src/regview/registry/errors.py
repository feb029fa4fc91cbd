"""Every error the registry layer raises, in one hierarchy.

Callers catch :class:`RegistryError` to handle everything; its ``str()`` is a one-line
message meant for a person, saying what went wrong and, where we can tell, what to do.
No message ever contains a credential or a token, not even one a server echoed: every
message is redacted by :mod:`regview.registry.redaction`.

    RegistryError
    ├── InvalidReference        a name, tag, digest or reference that does not parse
    ├── CredentialsError        an auth file or credential helper that cannot be used
    ├── AuthError               401/403: missing or wrong credentials, token refused
    │   ├── LoginFailed         the credentials we sent were refused (wrong password)
    │   └── Denied              authenticated, but the server says no (e.g. no _catalog)
    ├── NotFound                404: repository, tag, manifest or blob unknown
    ├── RateLimited             429 after the retries ran out; has ``retry_after``
    ├── ServerError             5xx after the retries ran out
    ├── Unsupported             405: the registry does not offer this operation (delete)
    ├── DigestMismatch          bytes that do not hash to the digest they were asked by
    ├── TooLarge                a body larger than the configured cap
    ├── ProtocolError           a response that breaks the protocol or the image spec
    │   ├── MalformedContent    invalid JSON, wrong JSON types, missing fields
    │   ├── CycleError          an index that contains itself, or nests too deep
    │   └── LayerFormatError    a layer that is not a readable (compressed) tar
    └── NetworkError            connection refused/reset, TLS failure
        ├── CertificateError    the server's TLS certificate cannot be verified
        ├── ProxyError          the proxy is unreachable, refuses, or wants credentials
        └── Timeout             no complete answer within the deadline
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from regview.registry.redaction import redactor

__all__ = [
    "AuthError",
    "CertificateError",
    "CredentialsError",
    "CycleError",
    "Denied",
    "DigestMismatch",
    "InvalidReference",
    "LayerFormatError",
    "LoginFailed",
    "MalformedContent",
    "NetworkError",
    "NotFound",
    "ProtocolError",
    "ProxyError",
    "RangeNotServed",
    "RateLimited",
    "RegistryError",
    "ServerError",
    "Timeout",
    "TooLarge",
    "Unsupported",
    "describe_oci_errors",
    "quote_input",
]

_QUOTE_MAX = 80


class RegistryError(Exception):
    """Base of every error raised by :mod:`regview.registry`.

    Its message quotes what a server said, so it is redacted as it is built and again
    when shown (:data:`~regview.registry.redaction.redactor`): no secret regview holds
    is ever in its ``str()``, ``repr()``, ``args`` or ``codes``, whatever the server echoed.
    """

    def __init__(self, message: str, *, codes: Sequence[str] = ()) -> None:
        message = redactor.redact_message(message)
        super().__init__(message)
        self.message = message
        #: OCI error codes from the response body (``errors[].code``), if any.
        self.codes: tuple[str, ...] = tuple(redactor.redact_message(c) for c in codes)

    def __str__(self) -> str:
        # Again: a secret may have been learned after the error was built.
        return redactor.redact_message(self.message)


class InvalidReference(RegistryError, ValueError):
    """A reference, repository name, tag or digest that does not parse."""


class CredentialsError(RegistryError):
    """An auth file or a credential helper could not be read or run."""


class AuthError(RegistryError):
    """The registry wants credentials we do not have, or refused the ones we sent."""


class LoginFailed(AuthError):
    """The user name and password (or token) we sent were refused."""


class Denied(AuthError):
    """The request is understood and authenticated, but not allowed."""


class NotFound(RegistryError):
    """The repository, tag, manifest or blob does not exist (HTTP 404)."""


class RateLimited(RegistryError):
    """HTTP 429 that did not clear within the retry budget."""

    def __init__(
        self, message: str, *, retry_after: float | None = None, codes: Sequence[str] = ()
    ) -> None:
        super().__init__(message, codes=codes)
        #: Seconds the server asked us to wait, when it said so.
        self.retry_after = retry_after


class ServerError(RegistryError):
    """HTTP 5xx (or another unexpected status) that did not clear with retries."""

    def __init__(self, message: str, *, status: int, codes: Sequence[str] = ()) -> None:
        super().__init__(message, codes=codes)
        self.status = status


class Unsupported(RegistryError):
    """The registry does not offer the operation (HTTP 405, ``UNSUPPORTED``): for example
    a distribution registry whose operator left delete disabled."""


class DigestMismatch(RegistryError):
    """Content whose sha256 is not the digest it was requested or announced by."""

    def __init__(self, message: str, *, expected: str, actual: str) -> None:
        super().__init__(message)
        self.expected = expected
        self.actual = actual


class TooLarge(RegistryError):
    """A body (or a declared size) larger than the configured limit."""

    def __init__(self, message: str, *, limit: int) -> None:
        super().__init__(message)
        self.limit = limit


class ProtocolError(RegistryError):
    """The server's answer does not follow the distribution or image spec."""


class RangeNotServed(ProtocolError):
    """The registry answered a Range GET with the whole blob (or anything but 206)."""


class MalformedContent(ProtocolError):
    """JSON that does not parse, or has the wrong types or missing fields."""


class CycleError(ProtocolError):
    """An index that (indirectly) contains itself, or that nests deeper than allowed."""


class LayerFormatError(ProtocolError):
    """A layer blob that does not decompress, or is not a well-formed tar archive."""


class NetworkError(RegistryError):
    """The connection failed: refused, reset, TLS or DNS failure."""


class CertificateError(NetworkError):
    """The server's TLS certificate could not be verified. Not retried: it will not change."""


class ProxyError(NetworkError):
    """The proxy could not be reached, would not connect, or wants credentials (407).
    Not retried: the user has to fix the proxy URL or ``NO_PROXY``."""


class Timeout(NetworkError):
    """No complete answer within the deadline."""


def describe_oci_errors(body: object) -> tuple[str, list[str]]:
    """Summarise an OCI error body (``{"errors": [{"code", "message", "detail"}]}``).

    Returns ``(text, codes)``; ``text`` is empty when the body holds no usable errors.
    Never raises, whatever ``body`` is.
    """
    if not isinstance(body, Mapping):
        return "", []
    errors: Any = body.get("errors")
    if not isinstance(errors, list):
        return "", []
    parts: list[str] = []
    codes: list[str] = []
    for entry in errors[:5]:
        if not isinstance(entry, Mapping):
            continue
        code = entry.get("code")
        message = entry.get("message")
        if isinstance(code, str) and code:
            codes.append(redactor.redact_message(code)[:64])
        # Redacted before it is clipped: a clipped secret would no longer be recognised.
        text = " ".join(
            redactor.redact_message(x)[:200] for x in (code, message) if isinstance(x, str) and x
        )
        if text:
            parts.append(text)
    return "; ".join(parts), codes


def quote_input(text: str) -> str:
    """``repr`` of ``text`` clipped to 80 characters: safe to quote in a one-line message
    (control characters come out escaped)."""
    if len(text) > _QUOTE_MAX:
        text = text[:_QUOTE_MAX] + "…"
    return repr(text)
