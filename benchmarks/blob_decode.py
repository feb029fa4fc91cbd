"""Decode and draw a big SBOM: SPDX and CycloneDX documents of ``--packages`` packages.

    python benchmarks/blob_decode.py [--packages 100000]

Builds each document in memory (every package with a version, a licence, a purl and a
supplier), then prints, for each: its size, the time :func:`regview.artifacts.decode_blob`
takes, the peak memory Python allocated while decoding (tracemalloc), the time of the
``--decode`` text lines (made terminal-safe, as the CLI prints them), and the time to
open it in the blob screen (Pilot, 120x40: the read, the decode and the first frame of
the package list) and to jump to its last row.
Timings are wall clock on a shared machine: noisy; the sizes and memory are counts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from regview.artifacts import decode_blob, decoded_lines  # noqa: E402
from regview.cli.blob import safe_line  # noqa: E402


def spdx(n: int) -> bytes:
    return json.dumps({
        "spdxVersion": "SPDX-2.3", "name": "bench", "SPDXID": "SPDXRef-DOCUMENT",
        "creationInfo": {"created": "2024-05-06T07:08:09Z", "creators": ["Tool: bench"]},
        "packages": [
            {"name": f"package-{i}", "SPDXID": f"SPDXRef-{i}", "versionInfo": f"1.{i}.0",
             "supplier": "Organization: Example", "licenseConcluded": "MIT",
             "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                               "referenceLocator": f"pkg:npm/package-{i}@1.{i}.0"}]}
            for i in range(n)
        ],
    }).encode()


def cyclonedx(n: int) -> bytes:
    return json.dumps({
        "bomFormat": "CycloneDX", "specVersion": "1.5",
        "metadata": {"timestamp": "2024-05-06T07:08:09Z"},
        "components": [
            {"type": "library", "name": f"package-{i}", "version": f"1.{i}.0",
             "licenses": [{"license": {"id": "MIT"}}], "purl": f"pkg:npm/package-{i}@1.{i}.0",
             "supplier": {"name": "Example"}}
            for i in range(n)
        ],
    }).encode()


async def screen_times(data: bytes, media_type: str) -> tuple[float, float]:
    from tests.tui.fakes import FakeSource

    from regview.registry import media_types as mt
    from regview.registry.oci_layout import LayoutWriter
    from regview.tui.app import create_app
    from regview.tui.screens.artifact import ArtifactScreen, BlobTarget, PackageList

    root = Path(tempfile.mkdtemp(prefix="blob-bench-"))
    writer = LayoutWriter(root / "bench" / "sbom")
    layer = writer.add_blob(data, media_type)
    writer.tag(writer.add_json({"schemaVersion": 2, "mediaType": mt.OCI_MANIFEST,
                                "config": {"mediaType": mt.OCI_EMPTY, "size": 2,
                                           "digest": writer.add_blob(b"{}", mt.OCI_EMPTY).digest},
                                "layers": [{"mediaType": media_type, "digest": layer.digest,
                                            "size": layer.size}]}, mt.OCI_MANIFEST), "latest")
    writer.close()
    source = FakeSource(root)
    app = create_app(source)
    async with app.run_test(size=(120, 40)) as pilot:
        start = time.perf_counter()
        await app.push_screen(ArtifactScreen(source, BlobTarget("bench/sbom", layer)))
        plist = app.screen.query_one(PackageList)
        while plist.row_count == 0:
            await pilot.pause(0.01)
        await pilot.pause()
        opened = time.perf_counter() - start
        start = time.perf_counter()
        await pilot.press("end")
        await pilot.pause()
        last = time.perf_counter() - start
    return opened, last


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--packages", type=int, default=100_000)
    args = parser.parse_args()
    for name, build, media_type in (("SPDX 2.3", spdx, "application/spdx+json"),
                                    ("CycloneDX 1.5", cyclonedx, "application/vnd.cyclonedx+json")):
        data = build(args.packages)
        start = time.perf_counter()
        decoded = decode_blob(data, media_type=media_type)
        took = time.perf_counter() - start
        tracemalloc.start()  # a second decode, for memory alone (tracemalloc is slow)
        decode_blob(data, media_type=media_type)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        start = time.perf_counter()
        lines = sum(len(safe_line(line)) > -1 for line in decoded_lines(decoded))
        text = time.perf_counter() - start
        opened, last = asyncio.run(screen_times(data, media_type))
        print(f"{name}: {args.packages:,} packages, {len(data):,} bytes; decode {took:.2f} s "
              f"(peak {peak / 2**20:.0f} MiB); --decode lines {lines:,} in {text:.2f} s; "
              f"screen open {opened:.2f} s, End {last * 1000:.0f} ms")


if __name__ == "__main__":
    main()
