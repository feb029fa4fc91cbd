"""A TCP relay on 127.0.0.1 that counts connections and what each one opened with.

It forwards bytes both ways unchanged (TLS passes through), and records for every
connection whether its first bytes were a TLS handshake record (``0x16 0x03``) or
something else (plain HTTP). Tests read :attr:`CountingProxy.opened` to see how many
connections a client made, and over which protocol, without trusting the client.

With ``delay``, every chunk after a connection's first one is passed on that many
seconds after it came, in order, each way: a round trip of ``2 * delay``, long enough
that what a client sends at once is seen to go before any answer to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator

__all__ = ["CountingProxy", "counting_proxy"]


class CountingProxy:
    def __init__(self, target: tuple[str, int], delay: float = 0.0) -> None:
        self.target = target
        self.delay = delay
        self.port = 0
        #: One entry per accepted connection: "tls", "plain" or "empty" (no bytes sent).
        self.opened: list[str] = []
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="counting-proxy", daemon=True)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def count(self, kind: str) -> int:
        return self.opened.count(kind)

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the counting proxy did not start")

    def stop(self) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    def _run(self) -> None:
        self._loop.run_until_complete(self._serve())
        self._loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._handle, "127.0.0.1", 0, backlog=512)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await self._stop.wait()
        relays = asyncio.all_tasks() - {asyncio.current_task()}
        for task in relays:
            task.cancel()
        await asyncio.gather(*relays, return_exceptions=True)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        index = len(self.opened)
        self.opened.append("empty")
        try:
            first = await reader.read(64 * 1024)
            if not first:
                return
            self.opened[index] = "tls" if first[:2] == b"\x16\x03" else "plain"
            up_reader, up_writer = await asyncio.open_connection(*self.target)
            up_writer.write(first)
            await asyncio.gather(
                _pump(reader, up_writer, self.delay), _pump(up_reader, writer, self.delay)
            )
        except OSError:
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()


async def _pump(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float = 0.0
) -> None:
    try:
        if delay:
            await _pass_on_later(reader, writer, delay)
        else:
            while data := await reader.read(64 * 1024):
                writer.write(data)
                await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except OSError:
        pass
    finally:
        if reader.at_eof():
            with contextlib.suppress(Exception):
                writer.close()


async def _pass_on_later(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float
) -> None:
    """Each chunk ``delay`` seconds after it came, in order, until ``reader`` ends."""
    loop = asyncio.get_running_loop()
    due: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def forward() -> None:
        while (item := await due.get())[1]:
            await asyncio.sleep(max(0.0, item[0] - loop.time()))
            writer.write(item[1])
            await writer.drain()

    forwarding = asyncio.ensure_future(forward())
    try:
        while data := await reader.read(64 * 1024):
            due.put_nowait((loop.time() + delay, data))
        due.put_nowait((0.0, b""))
        await forwarding
    finally:
        forwarding.cancel()


@contextlib.contextmanager
def counting_proxy(target_host: str, delay: float = 0.0) -> Iterator[CountingProxy]:
    """``with counting_proxy("127.0.0.1:5000") as proxy:`` point clients at ``proxy.host``."""
    host, _, port = target_host.rpartition(":")
    proxy = CountingProxy((host, int(port)), delay)
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()
