"""Decoding and listing speed of zstd and gzip layers, next to ``zstd -dc | tar -tv`` and
``tar -tvzf`` on the same blobs.

    python benchmarks/decompress_speed.py [--size-mib 200] [--files 20000] [--rounds 5]
                                          [--codec zstd|gzip|both] [--zstd BLOB] [--gzip BLOB]

The layers are generated as in ``layer_index.py`` (or given as files). For each codec it
prints, as the best and the median of ``--rounds`` runs (in alternation, so that load
from other processes spreads over all rows; the machine may be shared, the figures are
noisy; so each row also shows the CPU seconds it used, of this process for regview's
rows and of the child processes for the commands, the figure least disturbed by other
load):

* decode only, push-style with bounded output (pieces of at most ``OUT_CHUNK``) and the
  blob fed in 1 MiB pieces, as the indexer does: for zstd regview's
  :class:`~regview.registry.layers.zstd_stream.ZstdStream` (``backports.zstd`` frame by
  frame), the ``zstandard`` ``stream_writer`` it replaced, and ``pyzstd``; for gzip the
  stdlib ``zlib``, ``isal.isal_zlib`` and ``zlib_ng.zlib_ng`` decompressobj loops (the
  loop of ``Decompressor._feed_gzip``), plus ``rapidgzip`` (pull-style, 2 threads) for
  reference; and the ``zstd -dc`` / ``gzip -dc`` commands into /dev/null;
* the listing: the decoder and the tar parser alone (no hashing, what ``tar -tv`` does),
  then regview's :class:`~regview.registry.layers.indexer.StreamState`
  (decompress + tar parse + diff_id, with and without per-file sha256) next to
  ``zstd -dc | tar -tv`` and ``tar -tvzf``; for gzip also with ``isal`` and ``zlib-ng``
  put in place of ``zlib`` in the gzip path (the same loop, another inflater).

Not a test: numbers vary by machine.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from regview.registry import media_types as mt
from regview.registry.layers import decompress
from regview.registry.layers.decompress import OUT_CHUNK
from regview.registry.layers.indexer import StreamState
from regview.registry.layers.tarstream import TarParser
from regview.registry.layers.zstd_stream import ZstdStream

sys.path.insert(0, str(Path(__file__).resolve().parent))
from layer_index import make_layer

MiB = 1024 * 1024
FEED = MiB


def pieces(blob: bytes) -> list[bytes]:
    return [blob[i : i + FEED] for i in range(0, len(blob), FEED)]


# --- zstd decoders --------------------------------------------------------------------


def zstd_regview(chunks: list[bytes]) -> int:
    total = [0]

    def sink(piece: bytes) -> None:
        total[0] += len(piece)

    stream = ZstdStream(sink, out_chunk=OUT_CHUNK)
    for c in chunks:
        stream.feed(c)
    stream.finish()
    return total[0]


def zstd_stream_writer(chunks: list[bytes]) -> int:
    """The decoder regview used before: zstandard's stream_writer, copying each piece."""
    import zstandard

    total = [0]

    class Sink:
        def write(self, data: bytes) -> int:
            total[0] += len(bytes(data))
            return len(data)

    writer = zstandard.ZstdDecompressor().stream_writer(
        Sink(), write_size=OUT_CHUNK, write_return_read=True
    )
    for c in chunks:
        writer.write(c)
    writer.flush()
    return total[0]


def zstd_pyzstd(chunks: list[bytes]) -> int:
    import pyzstd

    total = 0
    d = pyzstd.EndlessZstdDecompressor()
    for c in chunks:
        data = c
        while True:
            total += len(d.decompress(data, OUT_CHUNK))
            data = b""
            if d.needs_input:
                break
    return total


# --- gzip decoders --------------------------------------------------------------------


def gzip_loop(module: ModuleType) -> Callable[[list[bytes]], int]:
    """The bounded-output loop of ``Decompressor._feed_gzip`` over ``module``."""

    def run(chunks: list[bytes]) -> int:
        total = 0
        d = module.decompressobj(wbits=31)
        for c in chunks:
            data = c
            while data:
                if d is None:
                    d = module.decompressobj(wbits=31)
                pending = data
                while True:
                    out = d.decompress(pending, OUT_CHUNK)
                    total += len(out)
                    pending = d.unconsumed_tail
                    if d.eof or (not pending and len(out) < OUT_CHUNK):
                        break
                if not d.eof:
                    break
                data = d.unused_data
                d = None
        return total

    return run


def gzip_rapidgzip(path: Path) -> Callable[[list[bytes]], int]:
    def run(_: list[bytes]) -> int:
        import rapidgzip

        total = 0
        with rapidgzip.open(str(path), parallelization=2) as f:
            while piece := f.read(OUT_CHUNK):
                total += len(piece)
        return total

    return run


# --- listings -------------------------------------------------------------------------


def listing(media_type: str, *, hash_files: bool, inflater: ModuleType | None = None):  # type: ignore[no-untyped-def]
    def run(chunks: list[bytes]) -> int:
        saved = decompress.zlib
        if inflater is not None:
            decompress.zlib = inflater  # type: ignore[assignment]
        try:
            state = StreamState(media_type, hash_files=hash_files)
            for c in chunks:
                state.feed(c)
            state.finish()
        finally:
            decompress.zlib = saved
        return state.decompressor.bytes_out

    return run


def zstd_and_parse(chunks: list[bytes]) -> int:
    """Decode and parse the tar, without any hashing: what ``tar -tv`` does."""
    parser = TarParser(hash_files=False)
    stream = ZstdStream(parser.feed, out_chunk=OUT_CHUNK)
    for c in chunks:
        stream.feed(c)
    stream.finish()
    parser.finish()
    return stream.bytes_out


def command(argv: str) -> Callable[[list[bytes]], int]:
    def run(_: list[bytes]) -> int:
        subprocess.run(argv, shell=True, check=True, stdout=subprocess.DEVNULL)
        return 0

    run.children = True  # type: ignore[attr-defined]  # its CPU time is the children's
    return run


def cpu_seconds(children: bool) -> float:
    """User + system CPU seconds so far, of this process or of its waited-for children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- measuring ------------------------------------------------------------------------


def measure(
    rows: dict[str, Callable[[list[bytes]], int]],
    blob: bytes,
    rounds: int,
    reference: str | None = None,
) -> dict[str, tuple[float, float]]:
    """Run every row ``rounds`` times in alternation; print best and median, and the
    listings' medians as a ratio to the ``reference`` row's. Returns each row's
    (median seconds, best CPU seconds)."""
    chunks = pieces(blob)
    times: dict[str, list[float]] = {name: [] for name in rows}
    cpu: dict[str, list[float]] = {name: [] for name in rows}
    sizes: dict[str, int] = {}
    for _ in range(rounds):
        for name, fn in rows.items():
            children = getattr(fn, "children", False)
            cpu_start = cpu_seconds(children)
            start = time.perf_counter()
            sizes[name] = fn(chunks)
            times[name].append(time.perf_counter() - start)
            cpu[name].append(cpu_seconds(children) - cpu_start)
    expected = {n for n in sizes.values() if n}
    if len(expected) > 1:
        print(f"  WARNING: the decoders disagree on the size: {sorted(expected)}")
    for name, ts in times.items():
        best, median = min(ts), statistics.median(ts)
        used = min(cpu[name])
        print(f"  {name:<44} best {best:6.3f} s  median {median:6.3f} s  cpu best {used:6.3f} s")
    if reference is not None:
        base = statistics.median(times[reference])
        base_cpu = min(cpu[reference])
        print(f"  (median / median of {reference!r}, and best CPU / its best CPU; {rounds} rounds)")
        for name, ts in times.items():
            if name != reference:
                ratio = statistics.median(ts) / base
                print(f"  {name:<44} {ratio:5.2f}x  cpu {min(cpu[name]) / base_cpu:5.2f}x")
    return {name: (statistics.median(ts), min(cpu[name])) for name, ts in times.items()}


def run_zstd(path: Path, rounds: int) -> None:
    blob = path.read_bytes()
    print(f"zstd: {path} ({len(blob) / MiB:.1f} MiB compressed)")
    print(" decode only (bounded output, fed in 1 MiB pieces):")
    decode = measure(
        {
            "regview ZstdStream (backports.zstd)": zstd_regview,
            "zstandard stream_writer (before)": zstd_stream_writer,
            "pyzstd EndlessZstdDecompressor": zstd_pyzstd,
            f"$ zstd -dc {path.name} > /dev/null": command(f"zstd -dcq '{path}'"),
        },
        blob,
        rounds,
        f"$ zstd -dc {path.name} > /dev/null",
    )
    print(" listing:")
    media = mt.OCI_LAYER_ZSTD
    tar = f"$ zstd -dc {path.name} | tar -tv"
    full = "listing, regview, sha256 per file"
    listings = measure(
        {
            "listing, regview, no hashing at all": zstd_and_parse,
            "listing, regview, diff_id, no file sha256": listing(media, hash_files=False),
            full: listing(media, hash_files=True),
            tar: command(f"zstd -dcq '{path}' | tar -tv > /dev/null"),
        },
        blob,
        rounds,
        tar,
    )
    print_floor(
        blob,
        rounds,
        decode_cpu=decode["regview ZstdStream (backports.zstd)"][1],
        parse_cpu=listings["listing, regview, no hashing at all"][1]
        - decode["regview ZstdStream (backports.zstd)"][1],
        regview=listings[full][0],
        reference=(tar, listings[tar][0]),
    )


def sha256_pass(data: bytes) -> float:
    """CPU seconds of one sha256 over ``data``, in 4 MiB pieces (hashlib, OpenSSL)."""
    view = memoryview(data)
    start = time.process_time()
    h = hashlib.sha256()
    for i in range(0, len(data), 4 * MiB):
        h.update(view[i : i + 4 * MiB])
    return time.process_time() - start


def print_floor(
    blob: bytes,
    rounds: int,
    *,
    decode_cpu: float,
    parse_cpu: float,
    regview: float,
    reference: tuple[str, float],
) -> None:
    """The least wall time an index with both hashes can take on this machine's cores:
    the CPU work it cannot skip (decode, tar parse, the diff_id's sha256 over every
    uncompressed byte, and the per-file sha256 over nearly as many), spread perfectly
    over all cores. The reference command does none of the hashing."""
    chunks: list[bytes] = []
    stream = ZstdStream(chunks.append, out_chunk=4 * MiB)
    for c in pieces(blob):
        stream.feed(c)
    stream.finish()
    data = b"".join(chunks)
    sha = min(sha256_pass(data) for _ in range(rounds))
    cores = len(os.sched_getaffinity(0))
    work = decode_cpu + parse_cpu + 2 * sha
    floor = work / cores
    name, seconds = reference
    print(
        f" floor with both hashes: decode {decode_cpu:.3f} + parse {parse_cpu:.3f} + "
        f"2 x sha256 {sha:.3f} ({len(data) / MiB / sha:,.0f} MiB/s) = {work:.3f} s of CPU, "
        f"over {cores} cores = {floor:.3f} s ({floor / seconds:.2f}x {name!r})"
    )
    print(
        f"  regview with both hashes: {regview:.3f} s = {regview / floor:.2f}x that floor, "
        f"{regview / seconds:.2f}x {name!r}"
    )


def run_gzip(path: Path, rounds: int) -> None:
    import isal.isal_zlib
    import zlib_ng.zlib_ng

    blob = path.read_bytes()
    print(f"gzip: {path} ({len(blob) / MiB:.1f} MiB compressed)")
    print(" decode only (bounded output, fed in 1 MiB pieces):")
    measure(
        {
            "zlib (stdlib, regview today)": gzip_loop(zlib),
            "isal.isal_zlib": gzip_loop(isal.isal_zlib),
            "zlib_ng.zlib_ng": gzip_loop(zlib_ng.zlib_ng),
            "rapidgzip, 2 threads (pull, reference)": gzip_rapidgzip(path),
            f"$ gzip -dc {path.name} > /dev/null": command(f"gzip -dc '{path}'"),
        },
        blob,
        rounds,
        "zlib (stdlib, regview today)",
    )
    print(" listing:")
    media = mt.OCI_LAYER_GZIP
    tar = f"$ tar -tvzf {path.name}"
    measure(
        {
            "listing, regview zlib, no file sha256": listing(media, hash_files=False),
            "listing, regview zlib, sha256 per file": listing(media, hash_files=True),
            "listing, with isal, sha256 per file": listing(
                media, hash_files=True, inflater=isal.isal_zlib
            ),
            "listing, with zlib-ng, sha256 per file": listing(
                media, hash_files=True, inflater=zlib_ng.zlib_ng
            ),
            tar: command(f"tar -tvzf '{path}' > /dev/null"),
        },
        blob,
        rounds,
        tar,
    )


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--size-mib", type=int, default=200)
    p.add_argument("--files", type=int, default=20_000)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--codec", choices=("zstd", "gzip", "both"), default="both")
    p.add_argument("--zstd", type=Path, help="a zstd layer blob to use instead of generating")
    p.add_argument("--gzip", type=Path, help="a gzip layer blob to use instead of generating")
    args = p.parse_args()
    codecs = ("zstd", "gzip") if args.codec == "both" else (args.codec,)
    with tempfile.TemporaryDirectory(prefix="regview-decompress-") as tmp:
        for codec in codecs:
            path: Path | None = getattr(args, codec)
            if path is None:
                path = Path(tmp) / f"layer.tar.{'zst' if codec == 'zstd' else 'gz'}"
                compressed, content = make_layer(path, args.size_mib * MiB, args.files, codec)
                print(
                    f"generated {content / MiB:.0f} MiB of file content in {args.files}+ "
                    f"files, {compressed / MiB:.1f} MiB {codec}"
                )
            (run_zstd if codec == "zstd" else run_gzip)(path, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
