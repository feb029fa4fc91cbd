"""How long ``regview delete`` takes to say what goes: the plan over a repository of N tags.

Starts its own ``docker-registry`` (loopback), pushes one image with skopeo and tags it
N - 1 more times (manifest PUTs; every tenth tag another image), then times
``RegistryClient.plan_delete`` (a HEAD for the tag, the tag list, a HEAD for every tag,
16 at a time), and prints the figures. Nothing is deleted.

    PYTHONPATH=src python benchmarks/delete_plan.py [--tags 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

from tests.support import images  # noqa: E402
from tests.support.publish import HttpPusher, run_parallel, skopeo_copy_args  # noqa: E402
from tests.support.registry import RegistryServer  # noqa: E402

from regview.registry import RegistryClient, Settings  # noqa: E402

REPO = "bench/delete"


def publish(server: RegistryServer, workdir: Path, tags: int) -> None:
    one, two = images.small_image("bench-one"), images.small_image("bench-two")
    layout = images.write_layout(workdir / "layout", {"one": one, "two": two})
    run_parallel(
        [
            skopeo_copy_args(f"oci:{layout}:one", server.ref(REPO, "tag-0")),
            skopeo_copy_args(f"oci:{layout}:two", server.ref(REPO, "other-0")),
        ]
    )
    with HttpPusher(server.url) as pusher:
        pusher.tag_many(one, REPO, [f"tag-{i}" for i in range(1, tags) if i % 10])
        pusher.tag_many(two, REPO, [f"other-{i}" for i in range(1, tags) if not i % 10])


async def plan_once(server: RegistryServer) -> tuple[float, int, int]:
    settings = Settings(use_cache=False, plain_http=True)
    async with RegistryClient(server.host, settings=settings) as client:
        started = time.perf_counter()
        plan = await client.plan_delete(REPO, "tag-0")
        elapsed = time.perf_counter() - started
        return elapsed, len(plan.tags), client.stats.requests


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tags", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="regview-delete-bench-") as tmp:
        workdir = Path(tmp)
        with RegistryServer(workdir / "registry", name="bench registry") as server:
            publish(server, workdir, args.tags)
            for run in range(1, args.repeat + 1):
                elapsed, going, requests = asyncio.run(plan_once(server))
                print(
                    f"plan {run}: {args.tags} tags listed and resolved, {going} go with "
                    f"tag-0, {requests} requests, {elapsed:.2f} s "
                    f"({args.tags / elapsed:,.0f} tags/s)"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
