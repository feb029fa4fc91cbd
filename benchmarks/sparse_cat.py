"""Sparse files and tar semantics in ``cat``: blob bytes read and peak memory.

Builds one gzip layer with GNU tar (``--sparse``, each format in turn) holding a
30 MiB sparse file with 8 KiB of data and a 1 GiB one with 4 KiB, then ``cat``s both
through :func:`regview.registry.read_file` from an OCI layout: cold (the layer is
indexed first, as the last copy of a path may come at its end), then warm (its TOC is
known: the stream stops once the file is out); a 4 MiB incompressible file sits between
the two. Prints the blob bytes read, the peak of
Python allocations while the 1 GiB file streams out, and the time (noisy: 2 shared
cores). Run: ``PYTHONPATH=src:. python benchmarks/sparse_cat.py``.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.gnu_tar import SPARSE_FORMATS
from tests.support.layer_builders import Layer, gz, write_image
from tests.unit.test_layers_index import Recording

from regview.registry.layers import LayerIndexer, image_layers, read_file
from regview.registry.oci_layout import OciLayoutSource

MiB = 1024 * 1024


def build(tmp: Path, fmt: str) -> Path:
    src = tmp / f"src-{fmt}"
    src.mkdir()
    with (src / "a-30m.bin").open("wb") as f:
        f.truncate(30 * MiB)
        f.seek(12288)
        f.write(b"A" * 4096)
        f.seek(20 * MiB)
        f.write(b"B" * 4096)
    with (src / "z-1g.bin").open("wb") as f:
        f.truncate(1024 * MiB)
        f.seek(512 * MiB)
        f.write(b"C" * 4096)
    (src / "m-noise.bin").write_bytes(random.Random(0).randbytes(4 * MiB))  # incompressible
    tar = tmp / f"{fmt}.tar"
    subprocess.run(
        [
            "tar",
            *SPARSE_FORMATS[fmt],
            "-cf",
            str(tar),
            "-C",
            str(src),
            "a-30m.bin",
            "m-noise.bin",
            "z-1g.bin",
        ],
        check=True,
    )
    return write_image(tmp / fmt / "img", [Layer(gz(tar.read_bytes()))])


async def measure(root: Path, fmt: str) -> None:
    source = Recording(OciLayoutSource(root))
    _, layers = await image_layers(source, "img", "latest")  # type: ignore[arg-type]
    for name in ("a-30m.bin", "z-1g.bin"):
        indexer = LayerIndexer(source)  # type: ignore[arg-type]  # cold: nothing known
        for when in ("cold", "warm"):
            digest = hashlib.sha256()
            size = 0

            def write(piece: bytes, digest: hashlib._Hash = digest) -> None:
                nonlocal size
                digest.update(piece)
                size += len(piece)

            before = source.bytes
            tracemalloc.start()
            start = time.perf_counter()
            await read_file(source, "img", layers, name, write, indexer=indexer)  # type: ignore[arg-type]
            elapsed = time.perf_counter() - start
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(
                f"{fmt:8} {name:10} {when}: {size / MiB:7.0f} MiB out, "
                f"blob read {source.bytes - before:8,} B of {layers[0].size:,}, "
                f"peak alloc {peak / MiB:5.2f} MiB, {elapsed:5.2f} s"
            )
        toc = indexer.cached(layers[0].digest)
        assert toc is not None
        hashed = {e.path: e.sha256 is not None for e in toc.entries}
        print(f"{fmt:8} {name:10} sha256 recorded while indexing: {hashed[name]}")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in sorted(SPARSE_FORMATS):
            asyncio.run(measure(build(Path(tmp), fmt), fmt))


if __name__ == "__main__":
    main()
