"""The viewer's line index on a large text: what it costs and how fast lines are found.

Not a test (no timed assertions anywhere): prints figures. Builds a text of --mib MiB of
short lines in a spool (an anonymous temp file, as the viewer does), feeds the index in
1 MiB pieces, then finds random lines and reads a screen of them. Timings on a shared
machine are noisy; the counts (index entries, bytes read per jump) are not.

    PYTHONPATH=src python benchmarks/content_viewer.py --mib 512
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import time
from collections.abc import Callable

from regview.content.line_index import BLOCK, LineIndex, read_lines
from regview.content.source import SpooledContent


class CountingSource:
    """Counts the bytes the index reads back from the spool."""

    def __init__(self, inner: SpooledContent) -> None:
        self.inner = inner
        self.bytes_read = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    async def read(self, offset: int, length: int) -> bytes:
        data = await self.inner.read(offset, length)
        self.bytes_read += len(data)
        return data


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=int, default=256)
    parser.add_argument("--jumps", type=int, default=200)
    args = parser.parse_args()
    line = b"2026-12-02T05:00:00Z INFO request served in 3 ms\n"  # 49 bytes
    piece = line * ((1 << 20) // len(line))
    size = len(piece) * args.mib

    async def produce(write: Callable[[bytes], None]) -> None:
        for _ in range(args.mib):
            write(piece)
            await asyncio.sleep(0)

    spool = SpooledContent("bench.log", size, produce)
    source = CountingSource(spool)
    index = LineIndex()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    pos = 0
    while pos < size:
        data = await spool.read(pos, 1 << 20)
        index.feed(data)
        pos += len(data)
    fed = time.perf_counter() - started
    lines = index.line_count(complete=True)
    print(f"content        {size:,} bytes, {lines:,} lines")
    print(f"index          {index.entries:,} entries (one per {BLOCK // 1024} KiB): "
          f"{index.entries * 8:,} bytes, vs {lines * 8:,} for every line start")
    print(f"index feed     {fed:.2f} s ({size / fed / 1e6:.0f} MB/s) incl. spool reads")
    rng = random.Random(1)
    started = time.perf_counter()
    before = source.bytes_read
    for _ in range(args.jumps):
        k = rng.randrange(lines)
        got = await read_lines(source, index, k, 40, complete=True)  # type: ignore[arg-type]
        assert got and got[0].data + b"\n" == line
    jump = (time.perf_counter() - started) / args.jumps
    per_jump = (source.bytes_read - before) / args.jumps
    print(f"jump + screen  {jump * 1000:.2f} ms per random line, "
          f"{per_jump:,.0f} bytes read from the spool per jump")
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS       {rss_after / 1024:.0f} MiB (was {rss_before / 1024:.0f} MiB before)")
    await spool.aclose()


if __name__ == "__main__":
    asyncio.run(main())
