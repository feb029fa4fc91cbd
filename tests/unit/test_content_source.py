"""SpooledContent: a producer's bytes spooled to disk, read by window while they arrive."""

from __future__ import annotations

import asyncio
import gc
import os
import threading
import time
from collections.abc import Callable

import pytest

from regview.content.source import ContentSource, SpoolClosed, SpooledContent

Write = Callable[[bytes], None]


async def test_reads_wait_for_a_slow_producer_and_see_every_byte() -> None:
    pieces = [bytes([i]) * 1000 for i in range(10)]
    gate = asyncio.Event()

    async def produce(write: Write) -> None:
        for piece in pieces[:3]:
            write(piece)
        await gate.wait()
        for piece in pieces[3:]:
            write(piece)
            await asyncio.sleep(0)

    spool = SpooledContent("etc/x", 10_000, produce)
    assert isinstance(spool, ContentSource)
    await asyncio.sleep(0.01)
    assert spool.received == 3000 and not spool.done
    assert await spool.read(1000, 10) == b"\x01" * 10  # already there: no wait
    later = asyncio.ensure_future(spool.read(2990, 20))  # crosses into bytes not yet here
    await asyncio.sleep(0.01)
    assert not later.done()
    gate.set()
    assert await later == b"\x02" * 10 + b"\x03" * 10
    assert await spool.read(0, 20_000) == b"".join(pieces)  # short at the end
    assert spool.done and spool.error is None and spool.received == 10_000
    assert await spool.read(10_000, 5) == b""
    await spool.aclose()


async def test_writes_from_a_worker_thread() -> None:
    data = os.urandom(300_000)
    seen_threads: set[int] = set()

    def blocking(write: Write) -> None:
        seen_threads.add(threading.get_ident())
        for i in range(0, len(data), 7_000):
            write(data[i : i + 7_000])
            time.sleep(0.0005)

    async def produce(write: Write) -> None:
        await asyncio.to_thread(blocking, write)

    spool = SpooledContent("big.bin", len(data), produce)
    assert await spool.read(250_000, 50_000) == data[250_000:]
    assert threading.get_ident() not in seen_threads
    assert await spool.read(0, len(data) + 1) == data  # waits for the end
    assert spool.done
    await spool.aclose()


async def test_a_failing_producer_gives_a_one_line_error_and_wakes_readers() -> None:
    async def produce(write: Write) -> None:
        write(b"abc")
        await asyncio.sleep(0.01)
        raise ConnectionError("registry went away\nwith a second line")

    spool = SpooledContent("x", 100, produce)
    assert await spool.read(0, 100) == b"abc"  # woken by the failure, short
    assert spool.done
    assert spool.error == "ConnectionError: registry went away"
    await spool.aclose()


async def test_a_producer_ending_short_of_the_size_is_an_error() -> None:
    async def produce(write: Write) -> None:
        write(b"12345")

    spool = SpooledContent("x", 10, produce)
    assert await spool.read(0, 10) == b"12345"
    assert spool.error == "the content ended after 5 of 10 bytes"
    await spool.aclose()


async def test_more_bytes_than_the_size_are_refused() -> None:
    async def produce(write: Write) -> None:
        write(b"1234")
        write(b"56789")

    spool = SpooledContent("x", 6, produce)
    assert await spool.read(0, 100) == b"1234"
    assert spool.error is not None and "more than 6 bytes" in spool.error
    await spool.aclose()


async def test_unknown_size_stops_at_the_limit() -> None:
    async def produce(write: Write) -> None:
        while True:  # endless
            write(b"x" * 1000)
            await asyncio.sleep(0)

    spool = SpooledContent("endless", None, produce, limit=10_000)
    assert len(await spool.read(0, 1 << 20)) == 10_000
    assert spool.error is not None and "spool limit" in spool.error
    await spool.aclose()


async def test_aclose_cancels_the_producer_stops_its_thread_and_deletes_the_spool() -> None:
    stopped = threading.Event()
    errors: list[BaseException] = []

    def blocking(write: Write) -> None:
        try:
            while True:
                write(b"y" * 4096)
                time.sleep(0.001)
        except SpoolClosed as exc:
            errors.append(exc)
        finally:
            stopped.set()

    async def produce(write: Write) -> None:
        await asyncio.to_thread(blocking, write)

    spool = SpooledContent("x", None, produce)
    await asyncio.sleep(0.02)
    fd = spool._fd
    waiting = asyncio.ensure_future(spool.read(0, 1 << 30))  # never satisfiable
    await asyncio.sleep(0)
    await spool.aclose()
    assert await waiting == b""  # the waiting reader is released, with nothing
    assert await asyncio.to_thread(stopped.wait, 5)
    assert errors and isinstance(errors[0], SpoolClosed)
    assert spool.done and spool.error is None
    with pytest.raises(OSError):
        os.fstat(fd)  # the anonymous spool file is closed (and so gone)
    gc.collect()


async def test_spool_file_is_anonymous(tmp_path: os.PathLike[str]) -> None:
    async def produce(write: Write) -> None:
        write(b"z")

    spool = SpooledContent("x", 1, produce)
    await spool.read(0, 1)
    target = os.readlink(f"/proc/self/fd/{spool._fd}")
    assert "(deleted)" in target or target.startswith("/memfd")  # no name on disk
    await spool.aclose()
