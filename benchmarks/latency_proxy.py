"""A latency-injecting TCP proxy on 127.0.0.1 (asyncio), for the benchmark.

Every chunk read from one side is written to the other side RTT/2 later, in order, in
each direction; a new connection waits one extra RTT before any byte passes (standing in
for the TCP handshake a real network would cost). So a request on a new connection takes
~2 RTT plus server time, and ~1 RTT on a kept-alive one. Bandwidth is not limited.

    python benchmarks/latency_proxy.py --listen 127.0.0.1:0 --target 127.0.0.1:5000 --rtt-ms 50

prints ``LISTENING <port>`` on stdout when ready, and stops on SIGTERM/SIGINT or when
stdin closes (so it never outlives the benchmark that started it). It also prints, on
exit, how many connections it accepted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

CHUNK = 256 * 1024


class Stats:
    connections = 0
    bytes_up = 0
    bytes_down = 0


async def _pump(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    delay: float,
    up: bool,
) -> None:
    """Copy reader -> writer, each chunk ``delay`` seconds after it was read, in order."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def read_side() -> None:
        try:
            while True:
                data = await reader.read(CHUNK)
                queue.put_nowait((loop.time() + delay, data))
                if not data:
                    return
        except (ConnectionError, OSError):
            queue.put_nowait((loop.time() + delay, b""))

    async def write_side() -> None:
        try:
            while True:
                due, data = await queue.get()
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                if not data:
                    with contextlib.suppress(OSError, RuntimeError):
                        if writer.can_write_eof():
                            writer.write_eof()
                    return
                if up:
                    Stats.bytes_up += len(data)
                else:
                    Stats.bytes_down += len(data)
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            return

    reading = asyncio.ensure_future(read_side())
    try:
        await write_side()
    finally:
        reading.cancel()
        with contextlib.suppress(BaseException):
            await reading


async def _handle(
    client_reader: asyncio.StreamReader,
    client_writer: asyncio.StreamWriter,
    target: tuple[str, int],
    rtt: float,
) -> None:
    Stats.connections += 1
    try:
        if rtt > 0:
            await asyncio.sleep(rtt)  # the handshake a real network would cost
        try:
            up_reader, up_writer = await asyncio.open_connection(*target)
        except OSError:
            client_writer.close()
            return
        half = rtt / 2
        try:
            await asyncio.gather(
                _pump(client_reader, up_writer, half, True),
                _pump(up_reader, client_writer, half, False),
            )
        finally:
            for w in (up_writer, client_writer):
                with contextlib.suppress(Exception):
                    w.close()
    except asyncio.CancelledError:
        # Shutting down: end quietly (the connection is closed with the loop).
        client_writer.close()


async def serve(listen: tuple[str, int], target: tuple[str, int], rtt: float) -> None:
    if listen[0] not in ("127.0.0.1", "localhost") and not listen[0].startswith("127."):
        raise SystemExit("the latency proxy listens on loopback only")
    if not target[0].startswith("127.") and target[0] != "localhost":
        raise SystemExit("the latency proxy forwards to loopback only")
    server = await asyncio.start_server(
        lambda r, w: _handle(r, w, target, rtt), listen[0], listen[1], backlog=512
    )
    port = server.sockets[0].getsockname()[1]
    print(f"LISTENING {port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    def stdin_closed() -> None:
        # The parent died or closed our stdin: stop.
        try:
            data = sys.stdin.buffer.read1(4096)  # type: ignore[attr-defined]
        except (OSError, ValueError):
            data = b""
        if not data:
            stop.set()

    with contextlib.suppress(Exception):
        loop.add_reader(sys.stdin.fileno(), stdin_closed)
    async with server:
        await stop.wait()
    print(
        f"STATS connections={Stats.connections} up={Stats.bytes_up} down={Stats.bytes_down}",
        flush=True,
    )


def _addr(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host, int(port)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--listen", default="127.0.0.1:0", type=_addr)
    p.add_argument("--target", required=True, type=_addr)
    p.add_argument("--rtt-ms", type=float, default=50.0)
    args = p.parse_args()
    asyncio.run(serve(args.listen, args.target, args.rtt_ms / 1000.0))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
