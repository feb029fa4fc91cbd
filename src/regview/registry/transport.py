"""HTTP for one registry host: limits, deadlines, size caps, retries and authentication.

Every request here has

* an overall deadline (``asyncio.timeout``), because httpx's timeouts are per network
  operation and a server that drips a byte a second would never trip them;
* a body cap, checked against ``Content-Length`` first and then while streaming; we ask
  for ``Accept-Encoding: identity`` and inflate a compressed answer ourselves with the
  same cap, so a gzip bomb stops at the limit;
* a place in a per-host limit, so a UI that asks for 500 things at once sends at most
  ``concurrency`` requests over HTTP/1.1, or ``http2_streams`` streams once the registry
  is seen to speak HTTP/2 (:mod:`~regview.registry.request_limit`);
* on a loopback registry, whose scheme is not known before it answers, one request at a
  time finds out (the probe) while the others wait for its answer: a burst of 100 first
  requests then costs one plain-http try, not 100 that a TLS server turns away;
* bounded retries for idempotent requests: 429 honouring ``Retry-After`` up to a cap,
  500/502/503/504 and connection failures with exponential backoff (a timeout is not
  retried: the deadline is the user's bound on the whole request);
* one re-authentication on 401.

:meth:`Transport.request` (a complete, capped answer) and :meth:`Transport.open_stream`
(a blob's body left for the caller to read) are one pipeline of three layers, as httpx's
client is (``_send_handling_auth`` -> ``_send_handling_redirects`` ->
``_send_single_request``):

1. :meth:`Transport._send_handling_auth` sends with what we know of the registry's auth;
   after a 401 it learns the challenge and sends once more; a second 401 is final;
2. :meth:`Transport._send_handling_retries` holds a request while another one probes the
   scheme, switches a loopback registry to https when it says it speaks TLS, and retries
   what may be retried;
3. :meth:`Transport._send_single` sends one request under the limit and the
   deadline and reads its body; for a stream it leaves a 200/206 body unread, keeping
   the connection and the semaphore place until the caller is done.

A stream is not retried (its caller may already be reading): any status but 200/206
raises the matching error.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import zlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

import httpx

from regview.registry.auth import Authenticator, CredentialProvider
from regview.registry.errors import (
    CertificateError,
    NetworkError,
    ProtocolError,
    ProxyError,
    Timeout,
    TooLarge,
)
from regview.registry.http_client import make_http_client
from regview.registry.request_limit import RequestLimit
from regview.registry.responses import (
    Response,
    asks_for_https,
    error_for,
    network_error,
    network_message,
    rate_number,
    retry_after,
)
from regview.registry.settings import RequestRecord, Settings
from regview.registry.source import RateLimit, Stats

__all__ = ["Response", "Transport", "error_for"]

_ERROR_BODY_LIMIT = 64 * 1024
# 500 is retried too: registries answer it for passing storage-backend hiccups, and a GET
# that fails again costs only ``max_tries`` bounded attempts.
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})
_STREAMED = frozenset({200, 206})
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(slots=True)
class _Sending:
    """One request on its way through the pipeline."""

    method: str
    url: httpx.URL
    scope: str | None
    headers: Mapping[str, str] | None
    limit: int
    what: str
    #: May a failure be sent again? (Idempotent, and not a stream.)
    retries: bool
    #: For a stream: where the unread answer is kept open until the caller is done.
    keep_open: contextlib.AsyncExitStack | None = None
    #: Sends so far that count against ``max_tries`` (not https switches, not 401s).
    tries: int = 0
    #: For a stream: the answer whose body the caller reads.
    opened: httpx.Response | None = None


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
        # HTTP to an HTTPS port" is switched to https (see ``_https_instead``). While
        # ``_may_switch`` holds, the scheme is unknown: one request probes it at a time.
        self._may_switch = may_switch_to_https and self.base_url.scheme == "http"
        self._probe: asyncio.Future[None] | None = None
        self._plain_http_forced = not may_switch_to_https
        self.settings = settings
        self.stats = stats
        self.http = make_http_client(settings, http_transport)
        self.auth = Authenticator(
            registry,
            credentials,
            self.http,
            deadline=settings.request_deadline,
            stats=stats,
            endpoints=settings.endpoints,
        )
        # Until the first answer tells the protocol, https is taken to be HTTP/2 (as Go's
        # client assumes 100 streams before the server's SETTINGS): the first burst then
        # goes out at once. Over HTTP/1.1 the connection pool holds it to
        # ``concurrency`` connections meanwhile, and the first answer sizes the limit.
        self._semaphore = RequestLimit(self._limit_for(self.base_url.scheme, None))

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

    async def request(
        self,
        method: str,
        url: httpx.URL,
        *,
        scope: str | None,
        headers: Mapping[str, str] | None = None,
        max_bytes: int | None = None,
        what: str = "response",
        basic_only: bool = False,
    ) -> Response:
        """Send with retries and auth; return the final response (any status but 401/429).

        Raises :class:`AuthError` when still unauthorised after authenticating,
        :class:`RateLimited`/:class:`ServerError` when retries run out,
        :class:`NetworkError`/:class:`Timeout`, :class:`TooLarge`.

        ``basic_only`` is for a vendor's own REST API on the registry's origin (Harbor's
        ``/api/v2.0``): our Basic credentials, if any, go with the request, and a 401 is
        returned as the answer instead of starting the registry's token flow.
        """
        limit = self.settings.max_body_bytes if max_bytes is None else max_bytes
        sending = _Sending(method, url, scope, headers, limit, what, method in _IDEMPOTENT)
        if basic_only:
            return await self._send_handling_retries(sending, await self.auth.basic_header())
        return await self._send_handling_auth(sending)

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
        async with contextlib.AsyncExitStack() as keep_open:
            sending = _Sending(
                "GET", url, scope, headers, _ERROR_BODY_LIMIT, what, False, keep_open
            )
            response = await self._send_handling_auth(sending)
            if sending.opened is None:
                raise error_for(response, what, not_found=not_found)
            yield sending.opened

    # --- the pipeline ------------------------------------------------------------------

    async def _send_handling_auth(self, sending: _Sending) -> Response:
        """Send; after a 401, answer the challenge and send once more."""
        auth_header = await self.auth.header(sending.scope)
        reauthenticated = False
        while True:
            response = await self._send_handling_retries(sending, auth_header)
            if response.status != 401:
                if auth_header is not None and self.same_origin(sending.url):
                    self.auth.note_accepted()
                return response
            if reauthenticated:
                raise await self.auth.rejected(sending.scope)
            reauthenticated = True
            sending.tries -= 1
            auth_header = await self.auth.handle_challenge(
                response.headers.get_list("www-authenticate"), sending.scope
            )

    async def _send_handling_retries(self, sending: _Sending, auth_header: str | None) -> Response:
        """Send; switch to https when the registry asks for it; retry what may be retried."""
        while True:
            sending.tries += 1
            probe = await self._await_scheme(sending)
            try:
                response = await self._send_single(sending, auth_header)
                https = await self._https_instead(
                    sending.method, sending.url, response.status, response.body
                )
            except (NetworkError, ProtocolError) as exc:
                retryable = isinstance(exc, NetworkError) and not isinstance(
                    exc, Timeout | CertificateError | ProxyError
                )
                if retryable and sending.retries and sending.tries < self.settings.max_tries:
                    self._end_probe(probe)  # unanswered: the next request in line probes
                    await asyncio.sleep(self._backoff(sending.tries))
                    continue
                raise
            finally:
                self._end_probe(probe)
            if https is not None:
                sending.url = https
                sending.tries -= 1
                continue
            if response.status in _RETRY_STATUSES and sending.retries:
                wait = retry_after(response.headers.get("retry-after"))
                if wait is not None and wait > self.settings.retry_after_cap:
                    raise error_for(response, sending.what)
                if sending.tries < self.settings.max_tries:
                    await asyncio.sleep(wait if wait is not None else self._backoff(sending.tries))
                    continue
                raise error_for(response, sending.what)
            return response

    async def _await_scheme(self, sending: _Sending) -> asyncio.Future[None] | None:
        """Before a request to a registry whose scheme is unknown: wait for the probe.

        Returns the probe's future when this request is the probe (the first one, or the
        next one after a probe that got no answer); the caller ends it with
        :meth:`_end_probe`. A request that waited is sent with the scheme the probe found.
        """
        while self._may_switch and self._is_base_origin(sending.url):
            if self._probe is None:
                self._probe = asyncio.get_running_loop().create_future()
                return self._probe
            await asyncio.shield(self._probe)
        if (
            sending.url.scheme == "http"
            and self.base_url.scheme == "https"
            and self._is_base_origin(sending.url)
        ):
            sending.url = sending.url.copy_with(scheme="https", port=sending.url.port or 80)
        return None

    def _end_probe(self, probe: asyncio.Future[None] | None) -> None:
        """Let the requests waiting for ``probe`` go (once; a later probe is not touched)."""
        if probe is None:
            return
        if self._probe is probe:
            self._probe = None
        if not probe.done():
            probe.set_result(None)

    def _is_base_origin(self, url: httpx.URL) -> bool:
        """Same host and port as the registry (whichever scheme)."""
        return (url.host, _port(url)) == (self.base_url.host, _port(self.base_url))

    def _note_protocol(self, url: httpx.URL, http_version: object) -> None:
        """Size the request limit for the protocol the registry answered in."""
        if self._is_base_origin(url):
            self._semaphore.resize(self._limit_for(url.scheme, http_version))

    def _limit_for(self, scheme: str, http_version: object) -> int:
        """Requests at once: streams over HTTP/2 (or https not yet answered), else connections."""
        if http_version == b"HTTP/2" or (http_version is None and scheme == "https"):
            return self.settings.http2_streams
        return self.settings.concurrency

    async def _send_single(self, sending: _Sending, auth_header: str | None) -> Response:
        """One request: the semaphore, the deadline, the body cap (or, streamed, no body)."""
        method, url, what = sending.method, sending.url, sending.what
        request = self.http.build_request(method, url, headers=dict(sending.headers or {}))
        if auth_header is not None and self.same_origin(url):
            request.headers["Authorization"] = auth_header
        status: int | None = None
        started = time.perf_counter()
        note = "" if sending.keep_open is None else "stream"
        kept = False
        await self._semaphore.acquire()
        self.stats.in_flight += 1
        self.stats.requests += 1
        try:
            async with asyncio.timeout(self.settings.request_deadline):
                response = await self.http.send(request, stream=True)
                try:
                    status = response.status_code
                    self._note_rate_limit(response.headers)
                    self._note_protocol(response.url, response.extensions.get("http_version"))
                    if sending.keep_open is not None and status in _STREAMED:
                        self._keep_open(sending, response)
                        kept = True
                        body = b""
                    elif method == "HEAD":
                        body = b""
                    else:
                        limit = sending.limit if 200 <= status < 300 else _ERROR_BODY_LIMIT
                        body = await self._read_body(response, limit, what)
                finally:
                    if not kept:
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
            raise Timeout(network_message(self.registry, exc, what)) from None
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
            raise network_error(self.registry, exc, what) from None
        except TooLarge:
            note = "too large"
            raise
        finally:
            if not kept:
                self.stats.in_flight -= 1
                self._semaphore.release()
            self._log(method, url, status, started, note)
        return Response(
            status=status,
            headers=response.headers,
            body=body,
            url=response.url,
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )

    def _keep_open(self, sending: _Sending, response: httpx.Response) -> None:
        """Leave ``response`` open for a stream's caller; close it when they are done."""
        assert sending.keep_open is not None
        sending.opened = response

        async def release() -> None:
            try:
                await response.aclose()
            finally:
                self.stats.in_flight -= 1
                self._semaphore.release()

        sending.keep_open.push_async_callback(release)

    async def _https_instead(
        self, method: str, url: httpx.URL, status: int, body: bytes
    ) -> httpx.URL | None:
        """``url`` over https when the registry said it speaks TLS on this port.

        Raises :class:`ProtocolError` when it did but ``--plain-http`` forbids https.
        """
        if url.scheme != "http" or not self._is_base_origin(url):
            return None
        if status != 400:
            self._may_switch = False  # it answered in plain http: a plain-http registry
            return None
        if not self._may_switch and not self._plain_http_forced:
            return None  # a plain-http registry's own 400
        if method == "HEAD":
            # An answer to HEAD has no body to read the reason from: ask once with GET.
            probe = _Sending(
                "GET",
                url.copy_with(raw_path=b"/v2/"),
                None,
                None,
                _ERROR_BODY_LIMIT,
                "API check",
                False,
            )
            answer = await self._send_single(probe, None)
            status, body = answer.status, answer.body
        if status != 400 or not asks_for_https(body):
            self._may_switch = False  # its own 400: a plain-http registry
            return None
        if self._plain_http_forced:
            raise ProtocolError(
                f"{self.registry} speaks https on this port, not plain http: drop --plain-http"
            )
        if self.base_url.scheme == "http":
            self.base_url = self.base_url.copy_with(scheme="https", port=url.port or 80)
            self._semaphore.resize(self._limit_for("https", None))
        self._may_switch = False
        return url.copy_with(scheme="https", port=url.port or 80)

    def _backoff(self, tries: int) -> float:
        base = self.settings.backoff_base * (2 ** (tries - 1))
        return float(min(base + random.uniform(0, base / 2), self.settings.retry_after_cap))

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
        limit = rate_number(headers.get("ratelimit-limit"))
        remaining = rate_number(headers.get("ratelimit-remaining"))
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


def _port(url: httpx.URL) -> int | None:
    # A loopback registry switched from http's default port is https on port 80 (written
    # out), so http://localhost and https://localhost:80 are the same registry.
    return url.port or _DEFAULT_PORTS.get(url.scheme)
