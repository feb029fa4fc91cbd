"""How long the image-spec check takes on big documents (no registry needed).

    PYTHONPATH=src python benchmarks/validation.py [--entries 10000] [--repeat 5]

Times :func:`regview.registry.manifest_problems` on an index of N entries (each with a
platform and an annotation) and :func:`regview.registry.config_problems` on a config with
N history steps and N environment variables, and the parse of the same index for
comparison. Prints the median of ``--repeat`` runs. The explorers check documents over
64 KiB in a thread, so a slow check never blocks their event loop.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable

from regview.registry import config_problems, manifest_problems, parse_manifest


def _median_ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    n = args.entries
    entries = [
        {
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": f"sha256:{i:064x}",
            "size": 1000 + i,
            "platform": {"os": "linux", "architecture": "amd64"},
            "annotations": {"org.opencontainers.image.ref.name": f"v{i}"},
        }
        for i in range(n)
    ]
    index = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": entries,
        }
    ).encode()
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "created": "2024-03-05T10:20:30.123456789Z",
            "config": {"Env": [f"VAR{i}=value {i}" for i in range(n)]},
            "rootfs": {"type": "layers", "diff_ids": [f"sha256:{i:064x}" for i in range(n)]},
            "history": [
                {"created": "2024-03-05T10:20:30Z", "created_by": f"RUN step {i}"}
                for i in range(n)
            ],
        }
    ).encode()
    rows = [
        (f"index, {n:,} entries ({len(index) / 1e6:.1f} MB): check",
         _median_ms(lambda: manifest_problems(index), args.repeat)),
        (f"index, {n:,} entries ({len(index) / 1e6:.1f} MB): parse",
         _median_ms(lambda: parse_manifest(index), args.repeat)),
        (f"config, {n:,} env + history ({len(config) / 1e6:.1f} MB): check",
         _median_ms(lambda: config_problems(config), args.repeat)),
    ]
    width = max(len(name) for name, _ in rows)
    for name, ms in rows:
        print(f"{name:<{width}}  {ms:8.1f} ms")


if __name__ == "__main__":
    main()
