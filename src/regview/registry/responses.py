"""A registry's answer, and what it means: the error for a status, a network failure
or a header.

:func:`error_for` turns a non-2xx answer into the matching
:class:`~regview.registry.errors.RegistryError`, with the server's own explanation
(from an OCI error body) made printable; :func:`network_error` does the same for a
connection that failed. The header readers here never raise on what a server sends.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import httpx

from regview.registry.errors import (
    AuthError,
    CertificateError,
    Denied,
    NetworkError,
    NotFound,
    ProtocolError,
    ProxyError,
    RateLimited,
    RegistryError,
    ServerError,
    describe_oci_errors,
)
from regview.registry.parsers import load_json
from regview.registry.proxies import hide_userinfo
from regview.registry.proxy_failure import ProxyFailure

__all__ = [
    "Response",
    "asks_for_https",
    "content_length",
    "content_type",
    "error_for",
    "network_error",
    "network_message",
    "rate_number",
    "retry_after",
]


@dataclass(frozen=True, slots=True)
class Response:
    """A complete answer: status, headers, the (capped) body, final URL and time taken."""

    status: int
    headers: httpx.Headers
    body: bytes
    url: httpx.URL
    elapsed_ms: float


def network_error(registry: str, exc: httpx.TransportError, what: str) -> NetworkError:
    """The error for a connection that failed (a TLS verification failure says so; a
    proxy's failure is worded by :mod:`regview.registry.proxy_transport`)."""
    if isinstance(exc, ProxyFailure):
        return ProxyError(str(exc))  # worded by us, without credentials
    if isinstance(exc, httpx.ProxyError):
        return ProxyError(hide_userinfo(str(exc)))
    if isinstance(exc, httpx.ConnectError):
        text = str(exc).upper()
        if "CERTIFICATE" in text or "SSL" in text:
            return CertificateError(
                f"TLS verification failed for {registry}: use --insecure to skip it, "
                "or install the registry's CA certificate"
            )
    return NetworkError(network_message(registry, exc, what))


def network_message(registry: str, exc: httpx.TransportError, what: str) -> str:
    """A one-line account of a connection failure, naming what was being read."""
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect to {registry}: is the address right and the registry up?"
    if isinstance(exc, httpx.ConnectTimeout):
        return f"{registry} did not accept a connection in time ({what})"
    if isinstance(exc, httpx.TimeoutException):
        return f"{registry} stopped answering ({what})"
    return f"connection to {registry} failed while reading {what} ({type(exc).__name__})"


def rate_number(value: str | None) -> tuple[int | None, int | None]:
    """Parse a ``RateLimit-Limit``/``-Remaining`` value: ``100;w=21600`` -> (100, 21600)."""
    if not value:
        return None, None
    head, *params = value.split(";")
    number: int | None = None
    window: int | None = None
    with contextlib.suppress(ValueError):
        number = int(head.strip())
    for p in params:
        key, _, val = p.strip().partition("=")
        if key == "w":
            with contextlib.suppress(ValueError):
                window = int(val)
    return number, window


def retry_after(value: str | None) -> float | None:
    """Seconds a ``Retry-After`` value (a number or an HTTP date) asks to wait, or None."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = when.timestamp() - time.time()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


def error_for(response: Response, what: str, *, not_found: str | None = None) -> RegistryError:
    """Turn a non-2xx response into the matching error, with the server's explanation."""
    detail = ""
    codes: list[str] = []
    if response.body:
        with contextlib.suppress(RegistryError):
            detail, codes = describe_oci_errors(load_json(response.body, "error body"))
    suffix = f": {_printable(detail)}" if detail else ""
    status = response.status
    if status == 400 and asks_for_https(response.body):
        return ProtocolError(
            f"the registry speaks https on this port, not plain http ({what}); drop --plain-http"
        )
    if status == 404:
        return NotFound((not_found or f"{what} not found") + suffix, codes=codes)
    if status == 401:
        return AuthError(f"unauthorised ({what}){suffix}", codes=codes)
    if status == 403:
        return Denied(f"access denied ({what}){suffix}", codes=codes)
    if status == 429:
        seconds = retry_after(response.headers.get("retry-after"))
        wait = f"; retry after {seconds:.0f} s" if seconds is not None else ""
        budget = _used_up_budget(response.headers)
        if budget is not None:
            # Docker Hub: the pull budget is spent (its 429 body is plain text).
            when = f"try again in {_duration(seconds)}" if seconds is not None else "wait"
            return RateLimited(
                f"the pull limit ({budget}) is used up ({what}): {when}, or log in "
                "for a larger limit",
                retry_after=seconds,
                codes=codes,
            )
        return RateLimited(
            f"rate limited by the registry ({what}){wait}{suffix}",
            retry_after=seconds,
            codes=codes,
        )
    return ServerError(f"HTTP {status} ({what}){suffix}", status=status, codes=codes)


def _used_up_budget(headers: httpx.Headers) -> str | None:
    """``100 per 6 h`` when ``RateLimit-Remaining`` says 0 of a known limit, else None."""
    limit, window = rate_number(headers.get("ratelimit-limit"))
    remaining, _ = rate_number(headers.get("ratelimit-remaining"))
    if limit is None or remaining != 0:
        return None
    return f"{limit:,} per {_duration(window)}" if window else f"{limit:,}"


def _duration(seconds: float | None) -> str:
    """``6 h``, ``15 min``, ``40 s``."""
    if seconds is None:
        return "a while"
    if seconds >= 3600:
        return f"{seconds / 3600:.0f} h"
    if seconds >= 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"


def asks_for_https(body: bytes) -> bool:
    """Is this 400 a TLS server's answer to plain http? (Go: "Client sent an HTTP request
    to an HTTPS server."; nginx: "The plain HTTP request was sent to HTTPS port".)"""
    text = body[:1024].lower()
    if text.lstrip().startswith(b"{"):
        return False  # a registry's own JSON error, whatever URLs it mentions
    return b"https" in text and b"http" in text.replace(b"https", b"", 1)


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text)[:300]


def content_type(headers: httpx.Headers) -> str | None:
    """The media type of ``Content-Type`` (parameters dropped, lower case), or None."""
    value = headers.get("content-type")
    if not value:
        return None
    return value.split(";", 1)[0].strip().lower() or None


def content_length(headers: httpx.Headers) -> int | None:
    """``Content-Length`` as a non-negative number, or None when absent or not one."""
    value = headers.get("content-length")
    if value is None:
        return None
    try:
        n = int(value)
    except ValueError:
        return None
    return n if n >= 0 else None
