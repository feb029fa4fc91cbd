"""Gzip random access, the options of issue 14 side by side on one generated layer.

    python benchmarks/gzip_checkpoints.py [--size-mib 200] [--spacing-mib 4]

For each of: Python's zlib (regview's stream path before issue 14, no checkpoints),
regview's :class:`~regview.registry.layers.gzip_index.GzipInflater` (libz through ctypes,
zran-style checkpoints), ``indexed_gzip`` (zran in C, index export/import) and
``rapidgzip`` (parallel decoding, index export/import), it prints: the time to inflate
the whole layer (and build the index), the exported index size as a share of the
layer, the cost of one ranged read (1 MiB of output from the last checkpoint: time and
compressed bytes read), whether it can run on a stream (a file object that cannot
seek, fed in order: how regview receives a layer from httpx), how it takes a
pigz-style multi-member file, and what a truncated or corrupt file gives. Times are
noisy on a shared machine; the byte counts are not.
"""

from __future__ import annotations

import argparse
import gzip
import io
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import infra  # noqa: E402

from regview.registry.layers.gzip_index import (  # noqa: E402
    GzipInflater,
    decode_checkpoints,
    encode_checkpoints,
)

MiB = 1024 * 1024


class Counting(io.RawIOBase):
    """A file object over ``data`` that counts the bytes read; ``seekable`` optional."""

    def __init__(self, data: bytes, *, seekable: bool = True) -> None:
        self._data = data
        self._pos = 0
        self._seekable = seekable
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._seekable

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size < 0 else min(len(self._data), self._pos + size)
        out = self._data[self._pos : end]
        self._pos = end
        self.read_bytes += len(out)
        return out

    def readinto(self, b: Any) -> int:
        n = min(len(b), len(self._data) - self._pos)
        b[:n] = self._data[self._pos : self._pos + n]
        self._pos += n
        self.read_bytes += n
        return n

    def seek(self, offset: int, whence: int = 0) -> int:
        if not self._seekable:
            raise io.UnsupportedOperation("a stream cannot seek")
        self._pos = (0, self._pos, len(self._data))[whence] + offset
        return self._pos

    def tell(self) -> int:
        return self._pos


def make_blob(size: int) -> tuple[bytes, bytes]:
    rng = random.Random(7)
    words = [
        bytes(rng.choices(b"abcdefghijklmnopqrstuvwxyz", k=rng.randint(2, 9))) for _ in range(2000)
    ]
    parts: list[bytes] = []
    total = 0
    while total < size:
        if rng.random() < 0.3:
            part = rng.randbytes(256 * 1024)
        else:
            part = b" ".join(rng.choices(words, k=40000))
        parts.append(part)
        total += len(part)
    raw = b"".join(parts)[:size]
    return raw, gzip.compress(raw, compresslevel=6, mtime=0)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def try_(fn: Callable[[], Any]) -> str:
    try:
        fn()
    except Exception as exc:  # we report whatever happens
        return f"{type(exc).__name__}: {str(exc)[:70]}"
    return "no error"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--size-mib", type=int, default=200)
    p.add_argument("--spacing-mib", type=int, default=4)
    args = p.parse_args()
    spacing = args.spacing_mib * MiB
    raw, blob = make_blob(args.size_mib * MiB)
    pigz = b"".join(
        gzip.compress(raw[i : i + 128 * 1024], mtime=0) for i in range(0, 64 * MiB, 128 * 1024)
    )
    print(f"load {infra.load()}; {len(raw) / MiB:.0f} MiB in, {len(blob) / MiB:.1f} MiB gzip")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "layer.gz"
        path.write_bytes(blob)
        pigz_path = Path(tmp) / "pigz.gz"
        pigz_path.write_bytes(pigz)
        truncated = Path(tmp) / "truncated.gz"
        truncated.write_bytes(blob[: len(blob) // 2])
        corrupt = Path(tmp) / "corrupt.gz"
        corrupt.write_bytes(blob[:4096] + bytes(512) + blob[4608 : 4 * MiB])

        # --- Python's zlib, streamed ---
        import zlib

        def zlib_all() -> None:
            d = zlib.decompressobj(31)
            for i in range(0, len(blob), 256 * 1024):
                d.decompress(blob[i : i + 256 * 1024])

        t, _ = timed(zlib_all)
        print(f"zlib (stream, no index):   inflate {t:6.2f} s")

        # --- regview's ctypes zran ---
        def ours(data: bytes, sp: int) -> GzipInflater:
            g = GzipInflater(lambda piece: None, spacing=sp)
            for i in range(0, len(data), 256 * 1024):
                g.feed(data[i : i + 256 * 1024])
            g.finish()
            return g

        t, g = timed(lambda: ours(blob, spacing))
        index = encode_checkpoints(g.checkpoints)
        # The last checkpoint with at least 2 MiB of output after it.
        cp = [c for c in decode_checkpoints(index) if c.uncompressed <= len(raw) - 2 * MiB][-1]

        def our_range() -> int:
            got = bytearray()
            r = GzipInflater.resume(cp, got.extend)
            pos = cp.compressed
            while len(got) < MiB and pos < len(blob):
                r.feed(blob[pos : pos + 64 * 1024])
                pos += 64 * 1024
            return pos - cp.compressed

        tr, read = timed(our_range)
        mm = ours(pigz, spacing)
        print(
            f"regview ctypes zran:       inflate+index {t:6.2f} s, {len(g.checkpoints)} points, "
            f"index {len(index) / 1024:.0f} KiB ({len(index) / len(blob) * 100:.2f} %), "
            f"1 MiB from a point {tr * 1000:.1f} ms / {read / 1024:.0f} KiB read; "
            f"stream: yes (push); pigz: {mm.members} members, {len(mm.checkpoints)} points; "
            f"truncated: {try_(lambda: ours(truncated.read_bytes(), spacing))}; "
            f"corrupt: {try_(lambda: ours(corrupt.read_bytes(), spacing))}"
        )

        # --- indexed_gzip ---
        import indexed_gzip

        def ig_build() -> Any:
            f = indexed_gzip.IndexedGzipFile(str(path), spacing=spacing)
            f.build_full_index()
            return f

        t, f = timed(ig_build)
        buf = io.BytesIO()
        f.export_index(fileobj=buf)
        points = list(f.seek_points())
        last = [pt for pt in points if pt[0] <= len(raw) - 2 * MiB][-1]
        f.close()

        def ig_range() -> int:
            src = Counting(blob)
            h = indexed_gzip.IndexedGzipFile(fileobj=src, spacing=spacing)
            h.import_index(fileobj=io.BytesIO(buf.getvalue()))
            h.seek(last[0])
            assert h.read(MiB) == raw[last[0] : last[0] + MiB]
            h.close()
            return src.read_bytes

        tr, read = timed(ig_range)

        def ig_stream() -> None:
            h = indexed_gzip.IndexedGzipFile(fileobj=Counting(blob, seekable=False))
            while h.read(MiB):
                pass

        def ig_read(p: Path) -> None:
            h = indexed_gzip.IndexedGzipFile(str(p))
            while h.read(4 * MiB):
                pass

        print(
            f"indexed_gzip {indexed_gzip.__version__}:       build {t:6.2f} s, {len(points)} "
            f"points, index {len(buf.getvalue()) / 1024:.0f} KiB "
            f"({len(buf.getvalue()) / len(blob) * 100:.2f} %), 1 MiB from a point "
            f"{tr * 1000:.1f} ms / {read / 1024:.0f} KiB read; stream: {try_(ig_stream)}; "
            f"pigz: {try_(lambda: ig_read(pigz_path))}; "
            f"truncated: {try_(lambda: ig_read(truncated))}; "
            f"corrupt: {try_(lambda: ig_read(corrupt))}"
        )

        # --- rapidgzip ---
        import rapidgzip

        for threads in (1, 2):

            def rg_all(n: int = threads) -> Any:
                r = rapidgzip.RapidgzipFile(str(path), parallelization=n)
                while r.read(4 * MiB):
                    pass
                return r

            t, r = timed(rg_all)
            out = io.BytesIO()
            r.export_index(out)
            offsets = r.block_offsets()
            r.close()
            size = len(out.getvalue())
            print(
                f"rapidgzip {threads} thread(s):     inflate+index {t:6.2f} s, {len(offsets)} "
                f"points, index {size / 1024:.0f} KiB ({size / len(blob) * 100:.2f} %)"
            )

        def rg_range() -> int:
            src = Counting(blob)
            h = rapidgzip.RapidgzipFile(src, parallelization=1)
            h.import_index(io.BytesIO(out.getvalue()))
            h.seek(len(raw) - 2 * MiB)
            assert h.read(MiB) == raw[len(raw) - 2 * MiB : len(raw) - MiB]
            h.close()
            return src.read_bytes

        tr, read = timed(rg_range)

        def rg_stream() -> None:
            h = rapidgzip.RapidgzipFile(Counting(blob, seekable=False), parallelization=2)
            while h.read(MiB):
                pass

        def rg_read(p: Path) -> None:
            h = rapidgzip.RapidgzipFile(str(p), parallelization=2)
            while h.read(4 * MiB):
                pass

        print(
            f"rapidgzip {rapidgzip.__version__} ranged:     1 MiB near the end "
            f"{tr * 1000:.1f} ms / "
            f"{read / 1024:.0f} KiB read; stream: {try_(rg_stream)}; "
            f"pigz: {try_(lambda: rg_read(pigz_path))}; "
            f"truncated: {try_(lambda: rg_read(truncated))}; "
            f"corrupt: {try_(lambda: rg_read(corrupt))}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
