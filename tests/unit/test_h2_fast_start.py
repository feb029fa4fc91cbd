"""HTTP/2 connections that send a first burst at once (``regview.registry.h2_connection``).

The server here is a real TLS socket server (ALPN h2) written with the ``h2`` library,
as strict as Go's: it advertises ``MAX_CONCURRENT_STREAMS = 2`` and refuses any stream
beyond two open ones with ``RST_STREAM REFUSED_STREAM`` (Go does so while its
``SETTINGS`` are not acknowledged; after that h2 itself treats a third stream as a
protocol error and the connection fails).

It sends nothing at all, its ``SETTINGS`` included, until the client has opened
``hold_until`` streams. On loopback a server's ``SETTINGS`` would otherwise reach the
client within the burst (a remote one's come a round trip after it), and the client
rightly follows them from then on. A client that waits for an answer (or for
``SETTINGS``) before sending the rest of its burst never gets one: the hang guard
fails the test.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
import h2.settings
import httpcore
import httpx
import pytest

from regview.registry import h2_connection
from regview.registry.h2_connection import StreamLimit, _supported
from regview.registry.http_client import make_http_client
from regview.registry.settings import Settings
from tests.support.tls import LoopbackCertificate, make_certificate

HANG_GUARD = 30.0  # seconds: only a hang takes this long; no speed is asserted
ADVERTISED = 2


@dataclass
class Seen:
    connections: int = 0
    streams: int = 0  # every stream the client opened, served or refused
    refused: int = 0
    served: list[str] = field(default_factory=list)  # paths, in the order answered
    most_open: int = 0  # most streams served at once
    before_first_answer: int = 0  # streams the client had opened when the first was answered
    protocol_errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> LoopbackCertificate:
    return make_certificate(Path(tmp_path_factory.mktemp("h2-cert")))


@contextlib.asynccontextmanager
async def strict_h2_server(
    certificate: LoopbackCertificate, hold_until: int, advertised: int = ADVERTISED
) -> AsyncIterator[tuple[str, Seen]]:
    seen = Seen()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.connections += 1
        conn = h2.connection.H2Connection(
            h2.config.H2Configuration(client_side=False, header_encoding="utf-8")
        )
        conn.initiate_connection()
        # Pending until the client acknowledges it; h2 enforces it from then on.
        conn.update_settings({h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: advertised})
        open_streams: dict[int, str] = {}
        holding = hold_until > 0
        try:
            while data := await reader.read(65536):
                try:
                    events = conn.receive_data(data)
                except h2.exceptions.ProtocolError as exc:
                    seen.protocol_errors.append(repr(exc))
                    writer.write(conn.data_to_send())
                    return
                for event in events:
                    if isinstance(event, h2.events.RequestReceived):
                        seen.streams += 1
                        if len(open_streams) >= advertised:
                            seen.refused += 1
                            conn.reset_stream(event.stream_id, h2.errors.ErrorCodes.REFUSED_STREAM)
                        else:
                            headers = dict(event.headers or [])
                            open_streams[event.stream_id] = str(headers[":path"])
                            seen.most_open = max(seen.most_open, len(open_streams))
                    elif isinstance(event, h2.events.ConnectionTerminated):
                        return
                holding = holding and seen.streams < hold_until
                if holding:
                    continue  # what h2 has to send waits in its buffer, in order
                if open_streams and not seen.served:
                    seen.before_first_answer = seen.streams
                for stream_id, path in open_streams.items():
                    body = path.encode()
                    conn.send_headers(
                        stream_id, [(":status", "200"), ("content-length", str(len(body)))]
                    )
                    conn.send_data(stream_id, body, end_stream=True)
                    seen.served.append(path)
                open_streams.clear()
                writer.write(conn.data_to_send())
                await writer.drain()
        except ConnectionError:
            return
        finally:
            writer.close()

    server = await asyncio.start_server(
        handle, "127.0.0.1", 0, ssl=certificate.server_context(alpn=["h2"])
    )
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"https://127.0.0.1:{port}", seen
    finally:
        server.close()
        await server.wait_closed()


def client(tmp_path: Path) -> httpx.AsyncClient:
    return make_http_client(Settings(cache_dir=tmp_path / "cache", insecure=True))


async def test_a_burst_beyond_the_servers_limit_is_resent_until_every_request_is_answered(
    certificate: LoopbackCertificate, tmp_path: Path
) -> None:
    burst = 10
    paths = [f"/v2/app/manifests/t{i}" for i in range(burst)]
    async with (
        strict_h2_server(certificate, hold_until=burst) as (url, seen),
        asyncio.timeout(HANG_GUARD),
        client(tmp_path) as c,
    ):
        answers = await asyncio.gather(*(c.get(url + path) for path in paths))
    assert [(a.status_code, a.text, a.http_version) for a in answers] == [
        (200, path, "HTTP/2") for path in paths
    ]
    # All ten went out before any answer (the server said nothing before ten came):
    # two were taken, eight refused; each refused one was sent again on the same
    # connection, within the two streams the server advertised (a third open one would
    # be a protocol error to h2, a refusal to us).
    assert seen.connections == 1
    assert seen.refused == burst - ADVERTISED
    assert seen.streams == burst + seen.refused
    assert sorted(seen.served) == sorted(paths)
    assert seen.most_open == ADVERTISED
    assert seen.before_first_answer == burst
    assert seen.protocol_errors == []


async def test_a_server_limit_as_large_as_the_burst_refuses_nothing(
    certificate: LoopbackCertificate, tmp_path: Path
) -> None:
    # Ten streams before SETTINGS; the server takes all ten (its limit is ten).
    paths = [f"/v2/app/blobs/b{i}" for i in range(10)]
    async with (
        strict_h2_server(certificate, hold_until=10, advertised=10) as (url, seen),
        asyncio.timeout(HANG_GUARD),
        client(tmp_path) as c,
    ):
        answers = await asyncio.gather(*(c.get(url + path) for path in paths))
    assert [a.text for a in answers] == paths
    assert (seen.connections, seen.refused, seen.most_open) == (1, 0, 10)


async def test_with_httpcore_unrecognised_the_connection_is_httpcores_own(
    certificate: LoopbackCertificate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fallback: one stream until SETTINGS, as httpcore does, and no error. The
    # server speaks after the first stream (no more would ever come from such a client).
    # Its limit stays h2's 100 here: httpcore's own semaphore, grown to 100 by h2's first
    # SETTINGS and shrunk to 2 by the next, lets streams start in between that h2 then
    # refuses to send ("Max outbound streams is 2") -- one more reason for StreamLimit.
    monkeypatch.setattr(h2_connection, "SUPPORTED", False)
    paths = [f"/v2/app/manifests/f{i}" for i in range(6)]
    async with (
        strict_h2_server(certificate, hold_until=1, advertised=100) as (url, seen),
        asyncio.timeout(HANG_GUARD),
        client(tmp_path) as c,
    ):
        answers = await asyncio.gather(*(c.get(url + path) for path in paths))
    assert [a.text for a in answers] == paths
    assert (seen.connections, seen.refused) == (1, 0)
    assert seen.before_first_answer == 1  # the first request alone, then the rest


def test_httpcore_as_installed_is_recognised_and_a_changed_one_is_not() -> None:
    assert h2_connection.SUPPORTED
    assert _supported()

    class Renamed(httpcore.AsyncHTTP2Connection):
        async def _receive_events(  # the settings change handled under another name
            self, request: httpcore.Request, stream_id: int | None = None
        ) -> None:
            await self._on_settings()

        async def _on_settings(self) -> None: ...

    assert not _supported(h2c=Renamed)
    assert not _supported(h2c=object)  # httpcore's stand-in when h2 is not installed


# --- the stream limit on its own ----------------------------------------------------------


async def test_a_limit_shrunk_below_the_streams_in_flight_never_waits() -> None:
    limit = StreamLimit(5)
    for _ in range(5):
        await limit.acquire()
    limit.set_limit(2)  # as SETTINGS arriving with five in flight: returns at once
    waiter = asyncio.ensure_future(limit.acquire())
    for expected_in_flight in (4, 3, 2):
        await limit.release()
        await asyncio.sleep(0)
        assert not waiter.done()
        assert limit.in_flight == expected_in_flight
    await limit.release()  # one left, below the limit: the waiter gets its place
    await asyncio.wait_for(waiter, HANG_GUARD)
    assert limit.in_flight == 2


async def test_a_raised_limit_lets_waiters_in_in_arrival_order() -> None:
    limit = StreamLimit(1)
    await limit.acquire()
    order: list[int] = []

    async def take(n: int) -> None:
        await limit.acquire()
        order.append(n)

    waiters = [asyncio.ensure_future(take(n)) for n in range(3)]
    await asyncio.sleep(0)
    assert order == []
    limit.set_limit(3)
    await asyncio.wait_for(asyncio.gather(*waiters[:2]), HANG_GUARD)
    assert order == [0, 1]
    assert not waiters[2].done()
    await limit.release()
    await asyncio.wait_for(waiters[2], HANG_GUARD)
    assert order == [0, 1, 2] and limit.in_flight == 3


async def test_a_cancelled_waiter_gives_its_place_to_the_next() -> None:
    limit = StreamLimit(1)
    await limit.acquire()
    first = asyncio.ensure_future(limit.acquire())
    second = asyncio.ensure_future(limit.acquire())
    await asyncio.sleep(0)
    await limit.release()  # the place goes to ``first`` ...
    first.cancel()  # ... which is cancelled before it runs
    with pytest.raises(asyncio.CancelledError):
        await first
    await asyncio.wait_for(second, HANG_GUARD)
    assert limit.in_flight == 1
