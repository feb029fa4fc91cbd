"""Index a generated 200 MiB layer through OciLayoutSource; report time and memory.

    python benchmarks/layer_index.py [--size-mib 200] [--files 20000] [--codec gzip|zstd]
                                     [--hashing-rounds 3] [--registry]

The layer is a tar of many files of mixed sizes (most small, a few of several MiB),
partly compressible, written once to a temporary OCI layout. The script then indexes it
with :class:`regview.registry.layers.LayerIndexer` (no TOC cache) and prints wall time,
throughput (compressed and uncompressed) and the growth of the resident set size
measured during indexing (the target is under 50 MB). Then it measures what recording
each file's content sha256 costs: the same blob inflated and parsed in this thread,
with and without hashing, alternately ``--hashing-rounds`` times each; the best of each
is printed (the least disturbed by other load). Not a test: numbers vary by machine.

With ``--registry`` (issue 14; use ``--size-mib 800``) the layer is also pushed with
skopeo to a real ``docker-registry`` started on 127.0.0.1, and the script prints: the
listing time through the registry next to ``tar -tvzf`` (``zstd -dc | tar -tv``) on the
same blob; ``cat`` of the last file cold (empty cache: the layer streams) and warm (one
Range GET from a checkpoint), with the blob bytes the registry's access log says it
sent; the largest warm read over a sample of files, less the file's own size; and the
size of the cached index (TOC + checkpoints) as a share of the compressed layer.
Targets: a warm cat reads at most 8 MiB plus the file's compressed size, in at most
0.3 s at loopback; the index stays under 2 % of the layer.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import io
import random
import resource
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import infra  # noqa: E402
from tests.support.publish import run_parallel, skopeo_copy_args  # noqa: E402

from regview.registry import RegistryClient, Settings  # noqa: E402
from regview.registry import media_types as mt  # noqa: E402
from regview.registry.layers import LayerIndexer, TocStore, image_layers, read_file  # noqa: E402
from regview.registry.layers.indexer import StreamState  # noqa: E402
from regview.registry.layers.toc import LayerToc  # noqa: E402
from regview.registry.oci_layout import LayoutWriter, OciLayoutSource  # noqa: E402

MiB = 1024 * 1024


def rss_bytes() -> int:
    """Current resident set size (Linux /proc), falling back to the peak."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * resource.getpagesize()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def make_layer(
    path: Path, size: int, files: int, codec: str, frame_mib: int = 0
) -> tuple[int, int]:
    """Write a compressed tar of about ``size`` bytes of content to ``path``; with
    ``frame_mib``, a zstd layer ends a frame after every that many MiB of tar."""
    rng = random.Random(1234)
    noise = rng.randbytes(4 * MiB)
    text = b"".join(b"line %d of some fairly repetitive text\n" % i for i in range(100_000))
    sizes = [rng.choice((64, 512, 2048, 8192, 32768)) for _ in range(files)]
    big_budget = max(size - sum(sizes), 0)
    while big_budget > 0:
        chunk = min(big_budget, rng.choice((1, 2, 4, 8)) * MiB)
        sizes.append(chunk)
        big_budget -= chunk
    raw_total = 0
    frames = 0
    with path.open("wb") as out:
        if codec == "zstd":
            import zstandard

            sink = zstandard.ZstdCompressor(level=3).stream_writer(out, closefd=False)
        else:
            sink = gzip.GzipFile(fileobj=out, mode="wb", compresslevel=1, mtime=0)
        with sink, tarfile.open(fileobj=sink, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            for i, n in enumerate(sizes):
                info = tarfile.TarInfo(f"data/d{i % 97:02d}/file-{i:06d}.bin")
                info.size = n
                info.mtime = 1_700_000_000
                source = noise if i % 3 == 0 else text
                start = rng.randrange(0, max(len(source) - n, 1))
                data = (source * (n // len(source) + 2))[start : start + n]
                tar.addfile(info, io.BytesIO(data))
                raw_total += n
                if frame_mib and codec == "zstd" and raw_total // (frame_mib * MiB) > frames:
                    frames = raw_total // (frame_mib * MiB)
                    sink.flush(zstandard.FLUSH_FRAME)
    return path.stat().st_size, raw_total


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="regview-bench-") as tmp:
        root = Path(tmp)
        layer_file = root / "layer"
        t0 = time.monotonic()
        compressed, content = make_layer(
            layer_file, args.size_mib * MiB, args.files, args.codec, args.zstd_frame_mib
        )
        print(
            f"generated {content / MiB:.0f} MiB of file content in {args.files}+ files, "
            f"{compressed / MiB:.1f} MiB {args.codec} ({time.monotonic() - t0:.1f} s)"
        )
        writer = LayoutWriter(root / "img")
        media = mt.OCI_LAYER_ZSTD if args.codec == "zstd" else mt.OCI_LAYER_GZIP
        data = layer_file.read_bytes()
        layer = writer.add_blob(data, media)
        del data
        layer_file.unlink()
        config = writer.add_json({"architecture": "amd64", "os": "linux"}, mt.OCI_CONFIG)
        manifest = writer.add_json(
            {
                "schemaVersion": 2,
                "mediaType": mt.OCI_MANIFEST,
                "config": {
                    "mediaType": mt.OCI_CONFIG,
                    "digest": config.digest,
                    "size": config.size,
                },
                "layers": [{"mediaType": media, "digest": layer.digest, "size": layer.size}],
            },
            mt.OCI_MANIFEST,
        )
        writer.tag(manifest, "latest")
        writer.close()

        source = OciLayoutSource(root / "img")
        _, layers = await image_layers(source, "img", "latest")
        indexer = LayerIndexer(source, store=TocStore(None))

        import gc

        gc.collect()
        baseline = rss_bytes()
        peak = baseline
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not stop.is_set():
                peak = max(peak, rss_bytes())
                time.sleep(0.01)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        start = time.monotonic()
        toc = await indexer.index("img", layers[0])
        elapsed = time.monotonic() - start
        stop.set()
        sampler.join()
        peak = max(peak, rss_bytes())

        growth = peak - baseline
        uncompressed = toc.uncompressed_size or 0
        print(f"entries:        {len(toc.entries):,}")
        print(f"compressed:     {toc.compressed_size / MiB:8.1f} MiB")
        print(f"uncompressed:   {uncompressed / MiB:8.1f} MiB")
        print(f"time:           {elapsed:8.2f} s")
        print(
            f"throughput:     {toc.compressed_size / MiB / elapsed:8.1f} MiB/s compressed, "
            f"{uncompressed / MiB / elapsed:.1f} MiB/s uncompressed"
        )
        print(f"RSS growth:     {growth / MiB:8.1f} MiB (baseline {baseline / MiB:.1f} MiB)")
        verdict = "OK" if growth < 50 * 1000 * 1000 else "OVER the 50 MB target"
        print(f"memory target:  {verdict}")
        blob = root / "img" / "blobs" / "sha256" / layers[0].digest[7:]
        if args.hashing_rounds > 0:
            hashing_cost(blob, media, uncompressed, args.hashing_rounds)
        if args.registry:
            await through_registry(root, blob, args.codec, toc)


def blob_bytes_sent(server: infra.RegistryServer, mark: int) -> tuple[int, list[str]]:
    """Body bytes of blob GETs since ``mark``, from the registry's access log."""
    entries = [
        e
        for e in server.requests_since(mark)
        if e.method == "GET" and "/blobs/" in e.path and (e.sent or 0) > 4096
    ]
    return sum(e.sent or 0 for e in entries), [f"{e.status} {e.sent:,} B" for e in entries]


async def through_registry(root: Path, blob: Path, codec: str, local: LayerToc) -> None:
    print("--- through docker-registry on 127.0.0.1 (issue 14) ---")
    print(f"load:           {infra.load()} (other work shares these CPUs: times are noisy)")
    tar_cmd = (
        f"zstd -dc {blob} | tar -tv > /dev/null"
        if codec == "zstd"
        else f"tar -tvzf {blob} > /dev/null"
    )
    tar_label = "zstd -dc | tar -tv" if codec == "zstd" else "tar -tvzf"
    start = time.monotonic()
    await asyncio.to_thread(subprocess.run, ["sh", "-c", tar_cmd], check=True)
    tar_time = time.monotonic() - start
    with infra.registry(root / "registry") as server:
        start = time.monotonic()
        run_parallel(
            [skopeo_copy_args(f"oci:{root / 'img'}:latest", server.ref("bench/big", "latest"))],
            timeout=1800,
        )
        print(f"pushed with skopeo in {time.monotonic() - start:.1f} s")
        cache = root / "cache"
        settings = Settings(cache_dir=cache)
        async with RegistryClient(server.host, settings=settings) as client:
            _, layers = await image_layers(client, "bench/big", "latest")
            store = TocStore(settings.cache_root())
            mark = server.mark()
            start = time.monotonic()
            toc = await LayerIndexer(client, store=store).index("bench/big", layers[0])
            listing = time.monotonic() - start
            sent, _ = blob_bytes_sent(server, mark)
            print(
                f"listing:        {listing:8.2f} s regview (registry, {sent / MiB:.1f} MiB "
                f"read, checkpoints kept)  vs {tar_time:.2f} s `{tar_label}`"
                f"  ({listing / tar_time:.2f}x)"
            )
            toc_file = store.path_for(toc.digest)
            ckpt_file = store.checkpoints_path_for(toc.digest)
            assert toc_file is not None and ckpt_file is not None
            toc_bytes = toc_file.stat().st_size
            ckpt_bytes = ckpt_file.stat().st_size if ckpt_file.exists() else 0
            share = (toc_bytes + ckpt_bytes) / toc.compressed_size * 100
            print(
                f"index size:     TOC {toc_bytes / 1024:.0f} KiB + checkpoints "
                f"{ckpt_bytes / 1024:.0f} KiB = {share:.2f} % of the "
                f"{toc.compressed_size / MiB:.1f} MiB layer (target < 2 %)"
            )
            files = [e for e in toc.entries if e.is_file]
            last = files[-1]

            async def cat(path: str, fresh_cache: Path | None, label: str) -> int:
                s = Settings(cache_dir=fresh_cache or cache)
                async with RegistryClient(server.host, settings=s) as c:
                    _, lay = await image_layers(c, "bench/big", "latest")
                    indexer = LayerIndexer(c, store=TocStore(s.cache_root()))
                    written = 0

                    def out(piece: bytes) -> None:
                        nonlocal written
                        written += len(piece)

                    m = server.mark()
                    t = time.monotonic()
                    cached = indexer.cached(lay[0].digest)  # what read_file does first
                    loaded = time.monotonic() - t
                    await read_file(c, "bench/big", lay, path, out, indexer=indexer)
                    took = time.monotonic() - t
                sent, gets = blob_bytes_sent(server, m)
                if label:
                    toc_note = f", {loaded:.3f} s of it loading the TOC" if cached else ""
                    print(
                        f"{label} {took:8.3f} s{toc_note}, {sent / MiB:8.2f} MiB of blob read "
                        f"({', '.join(gets)}); the file is {written / MiB:.2f} MiB"
                    )
                return sent - written

            await cat(last.path, root / "cold-cache", "cat last, cold:")
            over = await cat(last.path, root / "cold-cache", "cat last, warm:")
            print(f"  warm overhead: {over / MiB:.2f} MiB beyond the file (target <= 8 MiB)")
            step = max(1, len(files) // 12)
            sample = files[::step][:12]
            worst = max([await cat(e.path, None, "") for e in sample])
            print(
                f"warm cat of {len(sample)} files across the layer: at most "
                f"{worst / MiB:.2f} MiB read beyond the file (target <= 8 MiB)"
            )
            _ = local


def inflate_and_parse(blob: Path, media_type: str, *, hash_files: bool) -> float:
    """Seconds to inflate and parse ``blob`` in this thread, in 1 MiB pieces."""
    state = StreamState(media_type, hash_files=hash_files)
    start = time.perf_counter()
    with blob.open("rb") as f:
        while piece := f.read(MiB):
            state.feed(piece)
    state.finish()
    return time.perf_counter() - start


def hashing_cost(blob: Path, media_type: str, uncompressed: int, rounds: int) -> None:
    """Best of ``rounds`` with and without file hashes, interleaved; print both."""
    timings: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(rounds):
        for hash_files in (False, True):
            timings[hash_files].append(inflate_and_parse(blob, media_type, hash_files=hash_files))
    without, with_ = min(timings[False]), min(timings[True])
    print(f"hashing:        best of {rounds}, inflate + parse in one thread")
    print(f"  no file hash: {without:8.2f} s ({uncompressed / MiB / without:.1f} MiB/s)")
    print(f"  sha256/file:  {with_:8.2f} s ({uncompressed / MiB / with_:.1f} MiB/s)")
    print(
        f"  cost:         {with_ - without:+8.2f} s ({(with_ / without - 1) * 100:+.0f}%), "
        f"{(with_ - without) / (uncompressed / MiB) * 1000:.2f} ms per MiB of content"
    )


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--size-mib", type=int, default=200)
    p.add_argument("--files", type=int, default=20_000)
    p.add_argument("--codec", choices=("gzip", "zstd"), default="gzip")
    p.add_argument(
        "--zstd-frame-mib",
        type=int,
        default=0,
        help="zstd: end a frame after every N MiB of tar (0: one frame, as most tools write)",
    )
    p.add_argument(
        "--registry",
        action="store_true",
        help="also push the layer to a real docker-registry and measure ranged cat (issue 14)",
    )
    p.add_argument(
        "--hashing-rounds",
        type=int,
        default=3,
        help="rounds of the with/without content hash comparison (0: skip it)",
    )
    asyncio.run(run(p.parse_args()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
