"""One request probes a loopback registry's scheme; the others wait for its answer.

And the request limit follows the protocol: HTTP/1.1 gets ``concurrency`` requests at
once, HTTP/2 ``http2_streams`` (streams on one connection).
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from regview.registry.client import RegistryClient
from regview.registry.errors import NetworkError
from regview.registry.settings import Settings
from tests.support.fake_registry import FakeRegistry

GO_ANSWER = b"Client sent an HTTP request to an HTTPS server.\n"
BURST = 40


def tls_only() -> FakeRegistry:
    fake = FakeRegistry(host="127.0.0.1")

    def refuse_plain_http(request: httpx.Request) -> httpx.Response | None:
        if request.url.scheme == "http":
            return httpx.Response(400, content=GO_ANSWER)
        return None

    fake.hooks.append(refuse_plain_http)
    return fake


class SlowTransport(httpx.AsyncBaseTransport):
    """The fake registry behind a transport that answers after a pause, like a network.

    It counts the requests in flight at once; ``release_at`` in flight lets them all
    answer at once (a watchdog lets them go after 2 s if that many never arrive, so a
    limit that is too low fails the test instead of hanging it).
    """

    def __init__(self, fake: FakeRegistry, http_version: bytes, release_at: int) -> None:
        self.fake = fake
        self.http_version = http_version
        self.release_at = release_at
        self.in_flight = 0
        self.peak = 0
        self._go = asyncio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme == "http":  # a plain-http probe is answered at once
            answer = self.fake.handle(request)
            return httpx.Response(answer.status_code, stream=answer.stream, request=request)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        if self.in_flight >= self.release_at:
            self._go.set()
        try:
            async with asyncio.timeout(2.0):
                await self._go.wait()
        except TimeoutError:
            self._go.set()
        finally:
            self.in_flight -= 1
        answer = self.fake.handle(request)
        return httpx.Response(
            answer.status_code,
            headers=answer.headers,
            stream=answer.stream,
            request=request,
            extensions={"http_version": self.http_version},
        )


class DelayedTransport(httpx.AsyncBaseTransport):
    """The fake registry answering each request after a short pause, as over a network
    (so a burst is all sent before the first answer comes back)."""

    def __init__(self, fake: FakeRegistry) -> None:
        self.inner = fake.transport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.02)
        return await self.inner.handle_async_request(request)


def client(
    fake: FakeRegistry, transport: httpx.AsyncBaseTransport | None = None, **options: object
) -> RegistryClient:
    return RegistryClient(
        fake.host,
        settings=Settings(use_cache=False, **options),  # type: ignore[arg-type]
        http_transport=transport or fake.transport(),
    )


def schemes(fake: FakeRegistry) -> list[tuple[str, str, str]]:
    return [(r.method, httpx.URL(r.url).scheme, httpx.URL(r.url).path) for r in fake.requests]


async def test_a_burst_of_first_requests_makes_one_plain_http_try() -> None:
    fake = tls_only()
    for i in range(BURST):
        fake.push_image("team/app", f"v{i}", label=str(i))
    async with client(fake, DelayedTransport(fake)) as c:
        found = await asyncio.gather(*(c.manifest("team/app", f"v{i}") for i in range(BURST)))
    assert len({f.digest for f in found}) == BURST
    tried = schemes(fake)
    plain = [t for t in tried if t[1] == "http"]
    assert len(plain) == 1, plain  # the probe; everything else waited for its answer
    assert len(tried) == BURST + 1  # and each manifest was asked for once over https
    assert sorted(p for _, s, p in tried if s == "https") == sorted(
        f"/v2/team/app/manifests/v{i}" for i in range(BURST)
    )


async def test_a_burst_to_a_plain_http_registry_costs_nothing_extra() -> None:
    fake = FakeRegistry(host="127.0.0.1")
    for i in range(BURST):
        fake.push_image("team/app", f"v{i}", label=str(i))
    async with client(fake, DelayedTransport(fake)) as c:
        await asyncio.gather(*(c.manifest("team/app", f"v{i}") for i in range(BURST)))
    tried = schemes(fake)
    assert {s for _, s, _ in tried} == {"http"}
    assert len(tried) == BURST  # no /v2/ check, no second try


async def test_a_probe_that_gets_no_answer_hands_over_to_the_next_request() -> None:
    fake = tls_only()
    for i in range(5):
        fake.push_image("team/app", f"v{i}", label=str(i))
    refused: list[str] = []

    def first_connection_refused(request: httpx.Request) -> httpx.Response | None:
        if not refused:
            refused.append(str(request.url))
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        return None

    fake.hooks.insert(0, first_connection_refused)
    async with client(fake, DelayedTransport(fake), backoff_base=0.01) as c:
        found = await asyncio.gather(*(c.manifest("team/app", f"v{i}") for i in range(5)))
    assert len(found) == 5
    # The refused probe was not answered; the next one found out, alone.
    assert [s for _, s, _ in schemes(fake)].count("http") == 2


async def test_a_probe_that_fails_for_good_does_not_strand_the_others() -> None:
    fake = tls_only()

    def nothing_listens(request: httpx.Request) -> httpx.Response | None:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    fake.hooks.insert(0, nothing_listens)
    async with client(fake, max_tries=1) as c:
        results = await asyncio.gather(
            *(c.manifest("team/app", f"v{i}") for i in range(5)), return_exceptions=True
        )
    assert all(isinstance(r, NetworkError) for r in results), results


async def test_a_cancelled_probe_lets_the_next_request_probe() -> None:
    fake = tls_only()
    fake.push_image("team/app", "1.0")
    fake.push_image("team/app", "2.0", label="2")
    stall = asyncio.Event()

    class StallFirst(httpx.AsyncBaseTransport):
        def __init__(self) -> None:
            self.inner = fake.transport()
            self.calls = 0

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            self.calls += 1
            if self.calls == 1:
                stall.set()
                await asyncio.Event().wait()  # never answers: cancelled below
            return await self.inner.handle_async_request(request)

    async with client(fake, StallFirst()) as c:
        first = asyncio.create_task(c.manifest("team/app", "1.0"))
        await stall.wait()
        second = asyncio.create_task(c.manifest("team/app", "2.0"))
        await asyncio.sleep(0)
        first.cancel()
        async with asyncio.timeout(5):
            fetched = await second
    assert fetched.digest.startswith("sha256:")
    assert first.cancelled()


@pytest.mark.parametrize(
    ("http_version", "expected_peak"),
    [(b"HTTP/2", 100), (b"HTTP/1.1", 32)],
    ids=["http2-streams", "http11-connections"],
)
async def test_the_request_limit_follows_the_protocol(
    http_version: bytes, expected_peak: int
) -> None:
    fake = FakeRegistry()  # registry.example: https from the start, no probe
    n = 150
    for i in range(n):
        fake.push_image("team/app", f"v{i}", label=str(i))
    transport = SlowTransport(fake, http_version, release_at=1)
    async with client(fake, transport) as c:
        await c.manifest("team/app", "v0")  # the first answer tells the protocol
        transport.release_at = expected_peak
        transport._go.clear()
        await asyncio.gather(*(c.manifest("team/app", f"v{i}") for i in range(1, n)))
    assert transport.peak == expected_peak


async def test_http2_streams_is_a_setting() -> None:
    fake = FakeRegistry()
    for i in range(30):
        fake.push_image("team/app", f"v{i}", label=str(i))
    transport = SlowTransport(fake, b"HTTP/2", release_at=1)
    async with client(fake, transport, http2_streams=10) as c:
        await c.manifest("team/app", "v0")
        transport.release_at = 10
        transport._go.clear()
        await asyncio.gather(*(c.manifest("team/app", f"v{i}") for i in range(1, 30)))
    assert transport.peak == 10
    with pytest.raises(ValueError, match="http2_streams must be a positive integer"):
        Settings(http2_streams=0)


@pytest.mark.parametrize("registry", ["registry.example", "tls-on-loopback"])
async def test_the_first_burst_over_https_is_not_held_to_the_http11_limit(registry: str) -> None:
    # Before any answer, https is taken to be HTTP/2: the first burst goes out whole,
    # also right after the probe found that a loopback registry speaks TLS.
    fake = FakeRegistry() if registry == "registry.example" else tls_only()
    n = 100
    for i in range(n):
        fake.push_image("team/app", f"v{i}", label=str(i))
    transport = SlowTransport(fake, b"HTTP/2", release_at=n)
    async with client(fake, transport) as c:
        await asyncio.gather(*(c.manifest("team/app", f"v{i}") for i in range(n)))
    assert transport.peak == n
