"""The non-UI helpers of the viewer: text or binary, lexer by name, line index, hex rows,
search; expected values are written by hand or computed with plain Python."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

import pytest

from regview.content.hexdump import hex_row, parse_hex_query, row_count
from regview.content.line_index import BLOCK, MAX_LINE_BYTES, LineIndex, read_lines
from regview.content.search import WINDOW, Hit, find_backward, find_forward, search
from regview.content.sniff import lexer_for_name, looks_binary
from regview.content.source import SpooledContent

Write = Callable[[bytes], None]


@pytest.mark.parametrize(
    ("head", "binary"),
    [
        (b"", False),
        (b"hello\nworld\n", False),
        ("gr\u00fc\u00dfe \u2603\n".encode(), False),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00", True),
        (b"PK\x03\x04" + bytes(range(256)), True),
        (b"\xff\xfeh\x00i\x00", True),  # UTF-16 with its BOM
        (bytes(random.Random(1).randrange(128, 256) for _ in range(4000)), True),
        (b"ok " * 100 + "\u00e9".encode()[:1], False),  # a character cut at the end
        (b"\x1b[31mred\x1b[0m plain text with escapes\n" * 20, False),
    ],
)
def test_looks_binary(head: bytes, binary: bool) -> None:
    assert looks_binary(head) is binary


@pytest.mark.parametrize(
    ("name", "lexer"),
    [
        ("usr/lib/python3/app.py", "python"),
        ("Dockerfile", "docker"),
        ("etc/nginx/nginx.conf", "nginx"),
        ("x.json", "json"),
        ("notes.txt", None),
        ("etc/os-release", None),
        ("weird\x1b[2J.py", None),  # a name with a control character: plain
    ],
)
def test_lexer_for_name(name: str, lexer: str | None) -> None:
    assert lexer_for_name(name) == lexer


def test_hex_rows() -> None:
    assert hex_row(0, b"ABC\x00\x1b\xff") == (
        "00000000",
        "41 42 43 00 1b ff".ljust(16 * 2 + 15 + 1),  # 16 pairs, 15 spaces, one more gap
        "ABC...",
    )
    offset, hexes, text = hex_row(0x1230, bytes(range(0x30, 0x40)), 10)
    assert offset == "0000001230"
    assert hexes == "30 31 32 33 34 35 36 37  38 39 3a 3b 3c 3d 3e 3f"
    assert text == "0123456789:;<=>?"
    assert row_count(0) == 0 and row_count(16) == 1 and row_count(17) == 2
    assert parse_hex_query("7f 45 4c46") == b"\x7fELF"
    assert parse_hex_query("abc") is None and parse_hex_query("zz") is None


def _spool(data: bytes) -> SpooledContent:
    async def produce(write: Write) -> None:
        for i in range(0, len(data), 10_000):
            write(data[i : i + 10_000])
            await asyncio.sleep(0)

    return SpooledContent("t", len(data), produce)


def _text(lines: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    return b"".join(
        f"{i}:".encode() + b"x" * rng.choice([0, 1, 5, 80, 300, 3000]) + b"\n"
        for i in range(lines)
    )


async def test_line_index_finds_every_line_start_fed_in_odd_pieces() -> None:
    data = _text(3000) + b"last line without a newline"
    expected = [0] + [i + 1 for i, b in enumerate(data) if b == 0x0A]  # by hand
    spool = _spool(data)
    await spool.read(0, len(data))
    index = LineIndex()
    rng = random.Random(3)
    pos = 0
    while pos < len(data):
        n = rng.randint(1, 200_000)
        index.feed(data[pos : pos + n])
        pos += n
    assert index.line_count(complete=False) == 3000
    assert index.line_count(complete=True) == 3001
    assert index.entries == len(data) // BLOCK + 1
    for line in [0, 1, 2, 100, 1234, 2999, 3000]:
        assert await index.line_start(spool, line) == expected[line]
    for offset in [0, 5, expected[700], expected[700] - 1, len(data) - 1]:
        assert await index.line_of(spool, offset) == sum(1 for s in expected if s <= offset) - 1
    lines = await read_lines(spool, index, 2995, 10, complete=True)
    assert [ln.data for ln in lines] == data.split(b"\n")[2995:]
    assert [ln.offset for ln in lines] == expected[2995:]
    await spool.aclose()


async def test_memory_is_per_block_not_per_line() -> None:
    index = LineIndex()
    chunk = b"\n" * BLOCK
    for _ in range(64):  # 4 MiB of empty lines: four million lines
        index.feed(chunk)
    assert index.line_count(complete=True) == 64 * BLOCK
    assert index.entries == 65


async def test_long_lines_are_cut_and_the_next_line_still_found() -> None:
    long = b"L" * (3 * BLOCK + 17)
    data = b"first\n" + long + b"\nafter\n" + b"M" * (MAX_LINE_BYTES + 5) + b"\nend"
    spool = _spool(data)
    await spool.read(0, len(data))
    index = LineIndex()
    index.feed(data)
    lines = await read_lines(spool, index, 0, 10, complete=True)
    assert [(ln.data[:5], ln.cut) for ln in lines] == [
        (b"first", False), (b"LLLLL", True), (b"after", False), (b"MMMMM", True),
        (b"end", False),
    ]
    assert len(lines[1].data) == MAX_LINE_BYTES
    assert lines[2].offset == data.index(b"after")
    await spool.aclose()


async def test_only_indexed_lines_are_read() -> None:
    data = b"one\ntwo\nthr"
    spool = _spool(data)
    await spool.read(0, len(data))
    index = LineIndex()
    index.feed(data)
    lines = await read_lines(spool, index, 0, 10, complete=False)
    assert [ln.data for ln in lines] == [b"one", b"two"]
    await spool.aclose()


async def test_search_forward_waits_and_backward_reads_back() -> None:
    gate = asyncio.Event()
    body = b"a" * 3_000_000

    async def produce(write: Write) -> None:
        write(body + b"Needle")
        await gate.wait()
        write(body + b"NEEDLE" + b"tail")

    spool = SpooledContent("t", 2 * len(body) + 16, produce)
    assert await find_forward(spool, b"needle", 0, ignore_case=True) == len(body)
    later = asyncio.ensure_future(find_forward(spool, b"NEEDLE", 10))  # case matters
    await asyncio.sleep(0.01)
    assert not later.done()
    gate.set()
    second = 2 * len(body) + 6
    assert await later == second
    assert await find_forward(spool, b"missing", 0) is None
    assert await find_backward(spool, b"needle", second, ignore_case=True) == len(body)
    assert await find_backward(spool, b"needle", len(body), ignore_case=True) is None
    assert await find_backward(spool, b"aN", second + 1) == second - 1
    await spool.aclose()


class _Reads:
    """A source that records how many bytes each read asked for (memory per read)."""

    def __init__(self, inner: SpooledContent) -> None:
        self.inner = inner
        self.lengths: list[int] = []

    title = property(lambda self: self.inner.title)
    size = property(lambda self: self.inner.size)
    received = property(lambda self: self.inner.received)
    done = property(lambda self: self.inner.done)
    error = property(lambda self: self.inner.error)

    async def read(self, offset: int, length: int) -> bytes:
        self.lengths.append(length)
        return await self.inner.read(offset, length)

    async def aclose(self) -> None:
        await self.inner.aclose()


def _gated(first: bytes, rest: bytes) -> tuple[SpooledContent, asyncio.Event]:
    gate = asyncio.Event()

    async def produce(write: Write) -> None:
        write(first)
        await gate.wait()
        for i in range(0, len(rest), 100_000):
            write(rest[i : i + 100_000])
            await asyncio.sleep(0)

    return SpooledContent("t", len(first) + len(rest), produce), gate


async def test_backward_from_the_top_waits_for_the_stream_and_wraps_to_the_end() -> None:
    first = b"a" * 1000 + b"needle" + b"b" * 500
    # Matches past the first window (the last one straddles a window boundary of the
    # backward pass: the rest starts at len(first)).
    rest = b"c" * (2 * WINDOW) + b"needle" + b"d" * (WINDOW - 3) + b"needle" + b"e" * 7
    body = first + rest
    last = body.rfind(b"needle")
    assert last == len(first) + 3 * WINDOW + 3  # by hand: c's, needle, d's
    spool, gate = _gated(first, rest)
    source = _Reads(spool)
    await spool.read(0, len(first))
    seen: list[int] = []
    pending = asyncio.ensure_future(
        search(source, b"needle", 0, forward=False, progress=seen.append)
    )
    await asyncio.sleep(0.05)
    assert not pending.done()  # the end has not come: no answer yet, not "not found"
    gate.set()
    assert await pending == Hit(last, wrapped=True)
    assert seen  # it told how far it was
    assert max(source.lengths) <= WINDOW + len(b"needle") - 1
    # Backward from just after the first match: that one, not wrapped.
    assert await search(source, b"needle", 1001, forward=False) == Hit(1000, wrapped=False)
    # Backward from the first match itself: wraps to the last.
    assert await search(source, b"needle", 1000, forward=False) == Hit(last, wrapped=True)
    await spool.aclose()


async def test_forward_wraps_to_the_top_and_not_found_waits_for_the_end() -> None:
    first = b"x" * 50 + b"Needle" + b"y" * 5000
    rest = b"z" * (WINDOW + 10)
    spool, gate = _gated(first, rest)
    await spool.read(0, len(first))
    # From past the only match: to the end (which must come), then from the top.
    pending = asyncio.ensure_future(search(spool, b"needle", 60, forward=True, ignore_case=True))
    missing = asyncio.ensure_future(search(spool, b"absent", 0, forward=True))
    missing_back = asyncio.ensure_future(search(spool, b"absent", 3000, forward=False))
    await asyncio.sleep(0.05)
    assert not pending.done() and not missing.done() and not missing_back.done()
    gate.set()
    assert await pending == Hit(50, wrapped=True)
    assert await missing is None
    assert await missing_back is None
    # The match itself, searched again forward from it: found there, not wrapped.
    assert await search(spool, b"needle", 50, forward=True, ignore_case=True) == Hit(50, False)
    # Case matters when the query has capitals: "NEEDLE" is not there.
    assert await search(spool, b"NEEDLE", 0, forward=False) is None
    await spool.aclose()


async def test_the_wrapped_part_of_a_forward_search_stops_where_it_began() -> None:
    body = b"ab" * 10 + b"needle" + b"." * 100
    spool = _spool(body)
    # The only match starts at 20: a search from 21 wraps and finds it; one bounded by
    # stop=20 must not (a match at the bound belongs to the first part).
    assert await search(spool, b"needle", 21, forward=True) == Hit(20, wrapped=True)
    assert await find_forward(spool, b"needle", 0, stop=20) is None
    assert await find_forward(spool, b"needle", 0, stop=21) == 20
    assert await find_backward(spool, b"needle", len(body), floor=21) is None
    assert await find_backward(spool, b"needle", len(body), floor=20) == 20
    await spool.aclose()
