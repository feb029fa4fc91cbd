"""Diff two images of about 10,000 files per layer: cold, then warm; time and bytes read.

    python benchmarks/compare.py [--files 10000] [--rtt-ms 0] [--rounds 3]

Starts Debian's ``docker-registry`` on 127.0.0.1, builds two images with Python's
tarfile and pushes them unchanged with skopeo: A = [base, a-top], B = [base, b-fix,
b-more], every layer of ``--files`` files (b-fix rewrites a tenth of the base's files,
half of them at the same size, chmods some and deletes some with whiteouts). With
``--rtt-ms`` the client goes through ``latency_proxy.py``.

Then, in this process, the same thing ``regview diff`` does (``read_image_snapshot``
for both images at once, then ``diff_images``):

* cold: an empty cache; the four distinct layers are each read once, concurrently (the
  shared base layer once for both images);
* warm: a new client and TOC store over the cache the cold run filled: manifests and
  configs come from the cache, and the tables of contents from disk: no blob is read.

Prints the wall time (best of ``--rounds``), the bytes received, the blob GETs counted
from the request log, and the number of differences. Not a test: numbers vary by machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import io
import random
import shutil
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from infra import LatencyProxy, load, registry  # noqa: E402
from tests.support.layer_builders import Layer, write_image  # noqa: E402
from tests.support.publish import run_parallel, skopeo_copy_args  # noqa: E402

from regview.registry import (  # noqa: E402
    LayerIndexer,
    RegistryClient,
    RequestRecord,
    Settings,
    TocStore,
    diff_images,
    read_image_snapshot,
)

EPOCH = 1_700_000_000


def _tar(members: list[tuple[str, bytes | None, int]]) -> bytes:
    """A gzip'd tar of (name, data or None for a whiteout marker, mode)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data, mode in members:
            info = tarfile.TarInfo(name)
            info.mtime = EPOCH
            info.mode = mode
            payload = data or b""
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return gzip.compress(raw.getvalue(), compresslevel=1, mtime=0)


def build_layers(files: int) -> tuple[list[Layer], list[Layer]]:
    rng = random.Random(7)

    def content(i: int, salt: str) -> bytes:
        return (f"{salt} file {i} ".encode() * rng.randint(1, 40))[: rng.randint(10, 800)]

    base = [(f"usr/lib/d{i % 100:02d}/f{i:05d}", content(i, "base"), 0o644) for i in range(files)]
    a_top = [(f"app/a/d{i % 50:02d}/f{i:05d}", content(i, "a"), 0o644) for i in range(files)]
    b_fix: list[tuple[str, bytes | None, int]] = []
    step = 10
    for n, (name, data, _mode) in enumerate(base[::step]):
        assert data is not None
        if n % 2 == 0:  # same size, other content
            other = bytes(reversed(data)) if data != data[::-1] else data + b"!"
            b_fix.append((name, other, 0o644))
        else:
            b_fix.append((name, data + b" changed", 0o644))
    b_fix += [(name, data, 0o755) for name, data, _ in base[5::step * 2]]  # mode only
    b_fix += [
        (f"{name.rpartition('/')[0]}/.wh.{name.rpartition('/')[2]}", None, 0o600)
        for name, _, _ in base[7::step * 4]
    ]
    fill = max(files - len(b_fix), 0)
    b_fix += [(f"opt/fix/f{i:05d}", content(i, "fix"), 0o644) for i in range(fill)]
    b_more = [(f"app/b/d{i % 50:02d}/f{i:05d}", content(i, "b"), 0o644) for i in range(files)]
    base_layer = Layer(_tar(base))
    return [base_layer, Layer(_tar(a_top))], [base_layer, Layer(_tar(b_fix)), Layer(_tar(b_more))]


class Counter:
    """Counts the blob GETs a client makes (from its request log)."""

    def __init__(self) -> None:
        self.blob_gets = 0

    def __call__(self, record: RequestRecord) -> None:
        if record.method == "GET" and "/blobs/" in record.url and record.status is not None:
            self.blob_gets += 1


async def one_diff(host: str, cache: Path, refs: tuple[str, str]) -> dict[str, Any]:
    counter = Counter()
    settings = Settings(cache_dir=cache, plain_http=True, logger=counter)
    async with RegistryClient(host, settings=settings) as client:
        indexer = LayerIndexer(client, store=TocStore(settings.cache_root()))
        start = time.perf_counter()
        a, b = await asyncio.gather(
            *(read_image_snapshot(indexer, "bench/diff", r, display=r) for r in refs)
        )
        result = diff_images(a, b)
        elapsed = time.perf_counter() - start
        received = client.stats.bytes_received
    return {
        "time": elapsed,
        "bytes": received,
        "blob_gets": counter.blob_gets,
        "files": len(result.files),
        "entries": sum(
            len(t.entries) for t in (*a.filesystem.layer_tocs, *b.filesystem.layer_tocs)
        ),
    }


async def measure(host: str, work: Path, rounds: int) -> None:
    refs = ("a", "b")
    cold: list[dict[str, Any]] = []
    warm: list[dict[str, Any]] = []
    for n in range(rounds):
        cache = work / f"cache-{n}"
        cold.append(await one_diff(host, cache, refs))
        warm.append(await one_diff(host, cache, refs))
        shutil.rmtree(cache, ignore_errors=True)
    for name, runs in (("cold", cold), ("warm", warm)):
        best = min(runs, key=lambda r: r["time"])
        every = ", ".join(f"{r['time']:.2f}" for r in runs)
        print(
            f"{name}:  {best['time']:6.2f} s (best of {len(runs)}; all "
            f"{every})  "
            f"{best['bytes'] / 1e6:7.2f} MB received  {best['blob_gets']} blob GETs  "
            f"{best['entries']:,} layer entries  {best['files']:,} paths differ"
        )


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--files", type=int, default=10_000, help="files per layer")
    p.add_argument("--rtt-ms", type=float, default=0.0)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="regview-compare-") as tmp:
        work = Path(tmp)
        t0 = time.monotonic()
        layers_a, layers_b = build_layers(args.files)
        write_image(work / "a", layers_a, config_fields={"config": {"Env": ["V=1"]}})
        write_image(work / "b", layers_b, config_fields={"config": {"Env": ["V=2"]}})
        sizes = sorted({len(x.blob) for x in (*layers_a, *layers_b)})
        print(
            f"built 4 distinct layers of {args.files:,} files "
            f"({', '.join(f'{s / 1e6:.2f} MB' for s in sizes)} gzip) in "
            f"{time.monotonic() - t0:.1f} s; load {load()}"
        )
        with registry(work / "registry") as server:
            run_parallel(
                [
                    skopeo_copy_args(f"oci:{work / side}:latest", server.ref("bench/diff", side))
                    for side in ("a", "b")
                ]
            )
            with contextlib.ExitStack() as stack:
                host = server.host
                if args.rtt_ms > 0:
                    proxy = stack.enter_context(LatencyProxy(server.host, args.rtt_ms))
                    host = proxy.host
                print(f"registry {server.host}, client via {host} (RTT {args.rtt_ms:g} ms)")
                asyncio.run(measure(host, work, args.rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
