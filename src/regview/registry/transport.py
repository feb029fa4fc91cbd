"""HTTP for one registry host: limits, deadlines, size caps, retries and authentication.

Every request here has

* an overall deadline (``asyncio.timeout``), because httpx's timeouts are per network
  operation and a server that drips a byte a second would never trip them;
* a body cap, checked against ``Content-Length`` first and then while streaming; we ask
  for ``Accept-Encoding: identity`` and inflate a compressed answer ourselves with the
  same cap, so a gzip bomb stops at the limit;
* a place in a per-host semaphore, so a UI that asks for 500 things at once sends at
  most ``concurrency`` requests;
* bounded retries for idempotent requests: 429 honouring ``Retry-After`` up to a cap,
  500/502/503/504 and connection failures with exponential backoff (a timeout is not
  retried: the deadline is the user's bound on the whole request);
* one re-authentication on 401.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import ssl
import time
import zlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import httpx

from regview.registry.auth import Authenticator, CredentialProvider
from regview.registry.errors import (
    AuthError,
    CertificateError,
    Denied,
    NetworkError,
    NotFound,
    ProtocolError,
    RateLimited,
    RegistryError,
    ServerError,
    Timeout,
    TooLarge,
    describe_oci_errors,
)
from regview.registry.http11 import DeferredTransport, Http11Transport, ProtocolRouter
from regview.registry.models import load_json
from regview.registry.settings import RequestRecord, Settings
from regview.registry.source import RateLimit, Stats

__all__ = ["Response", "Transport", "error_for"]

_ERROR_BODY_LIMIT = 64 * 1024
# 500 is retried too: registries answer it for passing storage-backend hiccups, and a GET
# that fails again costs only ``max_tries`` bounded attempts.
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: httpx.Headers
    body: bytes
    url: httpx.URL
    elapsed_ms: float


def _ssl_context(insecure: bool) -> ssl.SSLContext | bool:
    if insecure:
        return False
    import truststore

    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def _tls_context(insecure: bool) -> ssl.SSLContext:
    """A context of our own for the HTTP/1.1 pool (httpcore sets ALPN on the one it gets)."""
    context = _ssl_context(insecure)
    if isinstance(context, ssl.SSLContext):
        return context
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def make_http_client(
    settings: Settings, http_transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """The shared httpx client for one registry and its token realms.

    Plain http goes through our HTTP/1.1 pool (``http11``); https through httpx's own
    transport with HTTP/2 when offered, built on first use, unless the origin answered in
    HTTP/1.1: then our pool takes it over.
    """
    timeout = httpx.Timeout(
        connect=settings.connect_timeout,
        read=settings.read_timeout,
        write=settings.read_timeout,
        pool=settings.request_deadline,
    )
    limits = httpx.Limits(
        max_connections=settings.concurrency,
        max_keepalive_connections=settings.concurrency,
        keepalive_expiry=30.0,
    )
    transport = http_transport or ProtocolRouter(
        Http11Transport(
            tls=lambda: _tls_context(settings.insecure),
            max_idle_per_origin=max(1, settings.concurrency),
        ),
        DeferredTransport(
            lambda: httpx.AsyncHTTPTransport(
                verify=_ssl_context(settings.insecure), http2=_has_h2(), limits=limits
            )
        ),
    )
    return httpx.AsyncClient(
        timeout=timeout,
        limits=limits,
        follow_redirects=True,
        max_redirects=5,
        headers={"User-Agent": settings.user_agent, "Accept-Encoding": "identity"},
        trust_env=False,
        transport=transport,
    )


def _has_h2() -> bool:
    try:
        import h2  # noqa: F401
    except ImportError:
        return False
    return True


class Transport:
    """Sends requests to one registry and returns capped, complete responses."""

    def __init__(
        self,
        registry: str,
        base_url: str,
        *,
        settings: Settings,
        stats: Stats,
        credentials: CredentialProvider,
        http_transport: httpx.AsyncBaseTransport | None = None,
        may_switch_to_https: bool = False,
    ) -> None:
        self.registry = registry
        self.base_url = httpx.URL(base_url)
        # A loopback registry is tried over plain http first; one that answers "you sent
        # HTTP to an HTTPS port" is switched to https (see ``_https_instead``).
        self._may_switch = may_switch_to_https and self.base_url.scheme == "http"
        self._plain_http_forced = not may_switch_to_https
        self.settings = settings
        self.stats = stats
        self.http = make_http_client(settings, http_transport)
        self.auth = Authenticator(
            registry, credentials, self.http, deadline=settings.request_deadline, stats=stats
        )
        self._semaphore = asyncio.Semaphore(max(1, settings.concurrency))

    def url(self, path: str, params: Mapping[str, str | int] | None = None) -> httpx.URL:
        url = self.base_url.join(path)
        if params:
            url = url.copy_merge_params(dict(params))
        return url

    def same_origin(self, url: httpx.URL) -> bool:
        return (url.scheme, url.host, url.port) == (
            self.base_url.scheme,
            self.base_url.host,
            self.base_url.port,
        )

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _https_instead(
        self, method: str, url: httpx.URL, status: int, body: bytes
    ) -> httpx.URL | None:
        """``url`` over https when the registry said it speaks TLS on this port.

        Raises :class:`ProtocolError` when it did but ``--plain-http`` forbids https.
        """
        if url.scheme != "http" or (url.host, url.port) != (
            self.base_url.host,
            self.base_url.port,
        ):
            return None
        if status != 400:
            if status < 500:
                self._may_switch = False  # it answered in plain http: a plain-http registry
            return None
        if not self._may_switch and not self._plain_http_forced:
            return None  # a plain-http registry's own 400
        if method == "HEAD":
            # An answer to HEAD has no body to read the reason from: ask once with GET.
            probe = await self._send_once(
                "GET", url.copy_with(raw_path=b"/v2/"), None, None, _ERROR_BODY_LIMIT, "API check"
            )
            status, body = probe.status, probe.body
        if status != 400 or not asks_for_https(body):
            return None
        if self._plain_http_forced:
            raise ProtocolError(
                f"{self.registry} speaks https on this port, not plain http: drop --plain-http"
            )
        if self.base_url.scheme == "http":
            self.base_url = self.base_url.copy_with(scheme="https", port=url.port or 80)
        return url.copy_with(scheme="https", port=url.port or 80)

    async def request(
        self,
        method: str,
        url: httpx.URL,
        *,
        scope: str | None,
        headers: Mapping[str, str] | None = None,
        max_bytes: int | None = None,
        what: str = "response",
    ) -> Response:
        """Send with retries and auth; return the final response (any status but 401/429).

        Raises :class:`AuthError` when still unauthorised after authenticating,
        :class:`RateLimited`/:class:`ServerError` when retries run out,
        :class:`NetworkError`/:class:`Timeout`, :class:`TooLarge`.
        """
        limit = self.settings.max_body_bytes if max_bytes is None else max_bytes
        tries = 0
        reauthenticated = False
        auth_header: str | None = await self.auth.header(scope)
        while True:
            tries += 1
            try:
                response = await self._send_once(method, url, headers, auth_header, limit, what)
            except (NetworkError, ProtocolError) as exc:
                retryable = isinstance(exc, NetworkError) and not isinstance(
                    exc, Timeout | CertificateError
                )
                if retryable and method in _IDEMPOTENT and tries < self.settings.max_tries:
                    await asyncio.sleep(self._backoff(tries))
                    continue
                raise
            https = await self._https_instead(method, url, response.status, response.body)
            if https is not None:
                url = https
                tries -= 1
                continue
            if response.status == 401:
                if reauthenticated:
                    raise await self.auth.rejected(scope)
                reauthenticated = True
                tries -= 1
                auth_header = await self.auth.handle_challenge(
                    response.headers.get_list("www-authenticate"), scope
                )
                continue
            if response.status in _RETRY_STATUSES and method in _IDEMPOTENT:
                retry_after = _retry_after(response.headers.get("retry-after"))
                if retry_after is not None and retry_after > self.settings.retry_after_cap:
                    raise error_for(response, what)
                if tries < self.settings.max_tries:
                    delay = retry_after if retry_after is not None else self._backoff(tries)
                    await asyncio.sleep(delay)
                    continue
                raise error_for(response, what)
            return response

    @contextlib.asynccontextmanager
    async def open_stream(
        self,
        url: httpx.URL,
        *,
        scope: str | None,
        headers: Mapping[str, str] | None = None,
        what: str = "blob",
        not_found: str | None = None,
    ) -> AsyncIterator[httpx.Response]:
        """GET ``url`` and yield the response with its body still unread (for large blobs).

        Authenticates like :meth:`request` (one retry after a 401) and holds a place in
        the host's semaphore while the caller reads. Only 200 and 206 are yielded; any
        other status raises the matching error. Reading has no overall deadline (a layer
        can be large) but each read still has the read timeout, and the caller may
        cancel at any time.
        """
        auth_header = await self.auth.header(scope)
        reauthenticated = switched = False
        while True:
            request = self.http.build_request("GET", url, headers=dict(headers or {}))
            if auth_header is not None and self.same_origin(url):
                request.headers["Authorization"] = auth_header
            started = time.perf_counter()
            status: int | None = None
            challenge: list[str] = []
            async with self._semaphore:
                self.stats.in_flight += 1
                self.stats.requests += 1
                try:
                    try:
                        async with asyncio.timeout(self.settings.request_deadline):
                            response = await self.http.send(request, stream=True)
                    except (TimeoutError, httpx.TimeoutException):
                        raise Timeout(f"{self.registry} did not answer in time ({what})") from None
                    except httpx.TooManyRedirects:
                        raise ProtocolError(f"{self.registry} redirected too many times") from None
                    except httpx.TransportError as exc:
                        raise _network_error(self.registry, exc, what) from None
                    status = response.status_code
                    self._log("GET", url, status, started, "stream")
                    try:
                        self._note_rate_limit(response.headers)
                        if status in (200, 206):
                            yield response
                            return
                        # An error body has the same deadline as any small answer: a
                        # server that drips it must not hold us for read_timeout per byte.
                        try:
                            async with asyncio.timeout(self.settings.request_deadline):
                                body = await self._read_body(response, _ERROR_BODY_LIMIT, what)
                        except (TimeoutError, httpx.TimeoutException):
                            raise Timeout(
                                f"{self.registry} did not answer in time ({what})"
                            ) from None
                        except httpx.TransportError as exc:
                            raise _network_error(self.registry, exc, what) from None
                    finally:
                        await response.aclose()
                finally:
                    self.stats.in_flight -= 1
            final = Response(status, response.headers, body, response.url, 0.0)
            https = None if switched else await self._https_instead("GET", url, status, body)
            if https is not None:
                url, switched = https, True
                continue
            if status == 401 and not reauthenticated:
                reauthenticated = True
                challenge = response.headers.get_list("www-authenticate")
                auth_header = await self.auth.handle_challenge(challenge, scope)
                continue
            if status == 401:
                raise await self.auth.rejected(scope)
            raise error_for(final, what, not_found=not_found)

    def _backoff(self, tries: int) -> float:
        base = self.settings.backoff_base * (2 ** (tries - 1))
        return float(min(base + random.uniform(0, base / 2), self.settings.retry_after_cap))

    async def _send_once(
        self,
        method: str,
        url: httpx.URL,
        headers: Mapping[str, str] | None,
        auth_header: str | None,
        limit: int,
        what: str,
    ) -> Response:
        request = self.http.build_request(method, url, headers=dict(headers or {}))
        if auth_header is not None and self.same_origin(url):
            request.headers["Authorization"] = auth_header
        status: int | None = None
        started = time.perf_counter()
        note = ""
        async with self._semaphore:
            self.stats.in_flight += 1
            self.stats.requests += 1
            try:
                async with asyncio.timeout(self.settings.request_deadline):
                    response = await self.http.send(request, stream=True)
                    try:
                        status = response.status_code
                        self._note_rate_limit(response.headers)
                        body_limit = limit if 200 <= status < 300 else _ERROR_BODY_LIMIT
                        if method == "HEAD":
                            body = b""
                        else:
                            body = await self._read_body(response, body_limit, what)
                    finally:
                        await response.aclose()
            except TimeoutError:
                note = "timeout"
                raise Timeout(
                    f"{self.registry} did not answer within {self.settings.request_deadline:g} s "
                    f"({what})"
                ) from None
            except httpx.TimeoutException as exc:
                # A connect or read timeout is a Timeout like the deadline, and is not
                # retried either: a stalled server costs one wait, not max_tries of them.
                note = "timeout"
                raise Timeout(_network_message(self.registry, exc, what)) from None
            except httpx.TooManyRedirects:
                note = "redirect loop"
                raise ProtocolError(f"{self.registry} redirected too many times ({what})") from None
            except httpx.UnsupportedProtocol:
                note = "bad redirect"
                raise ProtocolError(
                    f"{self.registry} redirected to an unsupported URL ({what})"
                ) from None
            except httpx.TransportError as exc:
                note = type(exc).__name__
                raise _network_error(self.registry, exc, what) from None
            except TooLarge:
                note = "too large"
                raise
            finally:
                self.stats.in_flight -= 1
                self._log(method, url, status, started, note)
        return Response(
            status=status,
            headers=response.headers,
            body=body,
            url=response.url,
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )

    async def _read_body(self, response: httpx.Response, limit: int, what: str) -> bytes:
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        length = response.headers.get("content-length")
        if encoding in ("", "identity") and length is not None:
            with contextlib.suppress(ValueError):
                if int(length) > limit:
                    raise TooLarge(
                        f"{what} from {self.registry} is {int(length):,} bytes, over the "
                        f"{limit:,} byte limit (raise it with --max-body)",
                        limit=limit,
                    )
        decoder: zlib._Decompress | None = None
        if encoding in ("gzip", "x-gzip", "deflate"):
            decoder = zlib.decompressobj(47)  # gzip or zlib header, auto-detected
        elif encoding not in ("", "identity"):
            raise ProtocolError(
                f"{self.registry} sent {what} with unsupported encoding {encoding[:40]!r}"
            )
        out = bytearray()
        try:
            async for chunk in response.aiter_raw():
                self.stats.bytes_received += len(chunk)
                if decoder is None:
                    out += chunk
                else:
                    pending = chunk
                    while pending:
                        out += decoder.decompress(pending, limit + 1 - len(out))
                        if len(out) > limit:
                            break
                        pending = decoder.unconsumed_tail
                if len(out) > limit:
                    raise TooLarge(
                        f"{what} from {self.registry} is over the {limit:,} byte limit",
                        limit=limit,
                    )
        except zlib.error:
            raise ProtocolError(f"{self.registry} sent a corrupt compressed {what}") from None
        return bytes(out)

    def _note_rate_limit(self, headers: httpx.Headers) -> None:
        limit = _rate_number(headers.get("ratelimit-limit"))
        remaining = _rate_number(headers.get("ratelimit-remaining"))
        if limit[0] is not None or remaining[0] is not None:
            self.stats.rate_limit = RateLimit(limit[0], remaining[0], limit[1] or remaining[1])

    def _log(
        self, method: str, url: httpx.URL, status: int | None, started: float, note: str
    ) -> None:
        logger = self.settings.logger
        if logger is None:
            return
        safe_url = str(url.copy_with(username=None, password=None))
        logger(
            RequestRecord(
                method=method,
                url=safe_url,
                status=status,
                elapsed_ms=(time.perf_counter() - started) * 1000,
                note=note,
            )
        )


def _network_error(registry: str, exc: httpx.TransportError, what: str) -> NetworkError:
    if isinstance(exc, httpx.ConnectError):
        text = str(exc).upper()
        if "CERTIFICATE" in text or "SSL" in text:
            return CertificateError(
                f"TLS verification failed for {registry}: use --insecure to skip it, "
                "or install the registry's CA certificate"
            )
    return NetworkError(_network_message(registry, exc, what))


def _network_message(registry: str, exc: httpx.TransportError, what: str) -> str:
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect to {registry}: is the address right and the registry up?"
    if isinstance(exc, httpx.ConnectTimeout):
        return f"{registry} did not accept a connection in time ({what})"
    if isinstance(exc, httpx.TimeoutException):
        return f"{registry} stopped answering ({what})"
    return f"connection to {registry} failed while reading {what} ({type(exc).__name__})"


def _rate_number(value: str | None) -> tuple[int | None, int | None]:
    """Parse ``100;w=21600`` into (100, 21600)."""
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


def _retry_after(value: str | None) -> float | None:
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
        retry_after = _retry_after(response.headers.get("retry-after"))
        wait = f"; retry after {retry_after:.0f} s" if retry_after is not None else ""
        return RateLimited(
            f"rate limited by the registry ({what}){wait}{suffix}",
            retry_after=retry_after,
            codes=codes,
        )
    return ServerError(f"HTTP {status} ({what}){suffix}", status=status, codes=codes)


def asks_for_https(body: bytes) -> bool:
    """Is this 400 a TLS server's answer to plain http? (Go: "Client sent an HTTP request
    to an HTTPS server."; nginx: "The plain HTTP request was sent to HTTPS port".)"""
    text = body[:1024].lower()
    if text.lstrip().startswith(b"{"):
        return False  # a registry's own JSON error, whatever URLs it mentions
    return b"https" in text and b"http" in text.replace(b"https", b"", 1)


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text)[:300]
