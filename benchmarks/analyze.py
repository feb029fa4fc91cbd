"""``analyze`` of an image with ~10,000 files per layer, cold and warm, at latency.

    python benchmarks/analyze.py [--files 10000] [--layers 3] [--rtt-ms 50]

Starts the real registry, pushes an image of ``--layers`` gzip layers of ``--files``
files each (every layer above the first overwrites a fifth of the files below it and
deletes a tenth with whiteouts), puts ``latency_proxy.py`` in front, then, in process:

* cold: a new client on an empty cache: the manifest, the config, every layer read once
  (concurrently) into its table of contents, then :func:`analyze_efficiency`;
* warm: a new client on the same cache: the tables of contents come from disk, no blob
  is read at all.

Prints, for each, the wall time, the HTTP requests and the bytes received, and the time
of the analysis alone.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import io
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import infra  # noqa: E402
from tests.support.publish import HttpPusher  # noqa: E402

from regview.registry import (  # noqa: E402
    RegistryClient,
    Settings,
    analyze_efficiency,
    compute_digest,
    media_types,
)
from regview.registry.layers import LayerIndexer, TocStore, image_layers  # noqa: E402

REPO = "bench/analyze"


def _layer(index: int, files: int) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:

        def add(name: str, data: bytes) -> None:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))

        if index > 0:
            for i in range(0, files, 10):  # a tenth of the lower files deleted
                add(f"l0/d{i % 100:02d}/.wh.f{i:05d}", b"")
            for i in range(5, files, 5):  # a fifth overwritten
                add(f"l0/d{i % 100:02d}/f{i:05d}", f"v{index} {i}".encode() * 40)
        for i in range(files):
            add(f"l{index}/d{i % 100:02d}/f{i:05d}", f"{index} {i}".encode() * 50)
    return gzip.compress(buf.getvalue(), compresslevel=1, mtime=0)


def push(url: str, files: int, layers: int) -> None:
    blobs = [_layer(i, files) for i in range(layers)]
    diff_ids = [compute_digest(gzip.decompress(b)) for b in blobs]
    config = (
        '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":['
        + ",".join(f'"{d}"' for d in diff_ids)
        + "]}}"
    ).encode()
    with HttpPusher(url) as pusher:
        for blob in [*blobs, config]:
            pusher.upload_blob(REPO, blob, compute_digest(blob))
        manifest = {
            "schemaVersion": 2,
            "mediaType": media_types.OCI_MANIFEST,
            "config": {
                "mediaType": media_types.OCI_CONFIG,
                "digest": compute_digest(config),
                "size": len(config),
            },
            "layers": [
                {
                    "mediaType": media_types.OCI_LAYER_GZIP,
                    "digest": compute_digest(b),
                    "size": len(b),
                }
                for b in blobs
            ],
        }
        import json

        raw = json.dumps(manifest).encode()
        pusher.put_manifest(REPO, "latest", raw, media_types.OCI_MANIFEST)
    total = sum(len(b) for b in blobs)
    print(f"pushed {layers} layers of {files:,} files, {total / 1e6:.1f} MB compressed")


async def analyze_once(host: str, cache: Path, label: str) -> None:
    settings = Settings(cache_dir=cache)
    async with RegistryClient(host, settings=settings) as client:
        start = time.monotonic()
        _fetched, layers = await image_layers(client, REPO, "latest")
        indexer = LayerIndexer(client, store=TocStore(settings.cache_root()))
        tocs = await indexer.index_all(REPO, layers)
        read = time.monotonic()
        result = analyze_efficiency(tocs)
        done = time.monotonic()
        stats = client.stats
        print(
            f"{label}: {done - start:6.2f} s total, analysis {done - read:5.2f} s, "
            f"{stats.requests} requests, {stats.bytes_received / 1e6:7.2f} MB received; "
            f"{sum(len(t.entries) for t in tocs):,} entries, efficiency {result.score:.4f}, "
            f"wasted {result.wasted_bytes:,} B, {len(result.inefficient):,} inefficient files"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--layers", type=int, default=3)
    parser.add_argument("--rtt-ms", type=float, default=50.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="analyze-bench-") as tmp:
        work = Path(tmp)
        with infra.registry(work / "registry") as reg:
            push(reg.url, args.files, args.layers)
            with infra.LatencyProxy(reg.host, args.rtt_ms) as proxy:
                print(f"rtt {args.rtt_ms:g} ms, load {infra.load()}")
                cache = work / "cache"
                asyncio.run(analyze_once(proxy.host, cache, "cold"))
                asyncio.run(analyze_once(proxy.host, cache, "warm"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
