"""``regview tags --long`` at latency: 2,000 tags on one digest, and 100 distinct images.

    python benchmarks/tags_long.py [--rtt-ms 50] [--tags 2000] [--images 100]

Starts the real registry, pushes ``bench/images`` (100 small distinct images, tags
``img-000``…) and ``bench/onedigest`` (``--tags`` tags on one image), puts
``latency_proxy.py`` in front, and runs the CLI (one process each) cold (an empty cache
directory) and warm (the same directory again). Prints, per case, the wall time, the
rows printed and the HTTP requests regview made (its ``-v`` lines).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import content  # noqa: E402
import infra  # noqa: E402
from tests.support.publish import HttpPusher  # noqa: E402

ONE_DIGEST_REPO = "bench/onedigest"


def run_cli(host: str, repo: str, cache: Path) -> tuple[float, int, int]:
    env = dict(os.environ)
    t = time.monotonic()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "regview",
            "-v",
            "--cache-dir",
            str(cache),
            "tags",
            f"{host}/{repo}",
            "--long",
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )
    elapsed = time.monotonic() - t
    if proc.returncode != 0:
        raise SystemExit(f"regview failed: {proc.stderr[-2000:]}")
    rows = len(json.loads(proc.stdout)["tags"])
    lines = [line.split() for line in proc.stderr.splitlines()]
    # -v: METHOD STATUS ... for a request; METHOD <cache note> for a cache hit.
    requests = sum(1 for w in lines if len(w) > 1 and w[0] in ("GET", "HEAD") and w[1].isdigit())
    return elapsed, rows, requests


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rtt-ms", type=float, default=50.0)
    parser.add_argument("--tags", type=int, default=2000)
    parser.add_argument("--images", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tags-long-") as tmp:
        work = Path(tmp)
        with infra.registry(work / "registry") as reg:
            pushed = content.publish(reg.url, reg.host, content.Sizes(args.images, 0, 0))
            image = pushed.images[0]
            with HttpPusher(reg.url) as pusher:
                for blob in image.blobs():
                    pusher.mount_blob(ONE_DIGEST_REPO, blob.digest, content.IMAGES_REPO)
                pusher.run_all(
                    lambda i: pusher.put_manifest(
                        ONE_DIGEST_REPO, f"t-{i:05d}", image.raw, image.media_type
                    ),
                    range(args.tags),
                )
            with infra.LatencyProxy(reg.host, args.rtt_ms) as proxy:
                print(f"rtt {args.rtt_ms:g} ms, load {infra.load()}")
                for label, repo in (
                    (f"{args.tags} tags, one digest", ONE_DIGEST_REPO),
                    (f"{args.images} distinct images", content.IMAGES_REPO),
                ):
                    cache = work / f"cache-{repo.replace('/', '-')}"
                    for phase in ("cold", "warm"):
                        elapsed, rows, requests = run_cli(proxy.host, repo, cache)
                        print(
                            f"{label:<24} {phase}: {elapsed:6.2f} s  {rows} rows  "
                            f"{requests} requests"
                        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
