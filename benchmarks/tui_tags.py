"""Open a 100,000-tag repository in the TUI and fill the columns of the visible rows.

    python benchmarks/tui_tags.py [--tags 100000] [--rtt-ms 50]
        [--host HOST --repo R --image-tags a,b]

The tag list is a fake: a :class:`ManyTags` source answers ``tags()`` with ``--tags``
names in one page after one round trip (what distribution does: the whole list in one
answer). Every manifest and config behind those tags is real: the source maps each tag
onto one of the 100 images of ``bench/images`` and reads it with a real
``RegistryClient`` through the latency proxy. Without ``--host`` the script starts its
own registry, pushes the 100 images and puts a proxy of ``--rtt-ms`` in front.

Prints, for a headless 120x40 app:
  * open: app start until the tags are drawn (unsorted first), until sorted and complete;
  * columns: until every visible row has digest/size/created, with the number of rows
    read and of HTTP requests (only the visible rows and a small margin must be read);
  * the same after jumping to the middle of the list, and again on a warm cache.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from regview.registry.blobs import BlobStream  # noqa: E402
from regview.registry.client import RegistryClient  # noqa: E402
from regview.registry.models import Descriptor  # noqa: E402
from regview.registry.settings import Settings  # noqa: E402
from regview.registry.source import FetchedConfig, FetchedManifest, Stats  # noqa: E402

ALIAS = "bench/many-tags"


class ManyTags:
    """``n`` tags in one repository; each tag is one of the real images behind ``inner``."""

    def __init__(
        self,
        inner: RegistryClient,
        image_repo: str,
        image_tags: list[str],
        names: list[str],
        rtt: float,
    ) -> None:
        self.inner = inner
        self.image_repo = image_repo
        self.image_tags = image_tags
        self.names = names
        self.index = {name: i for i, name in enumerate(names)}
        self.rtt = rtt
        self.tags_served = 0

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def identity(self) -> str:
        return self.inner.identity

    @property
    def stats(self) -> Stats:
        return self.inner.stats

    @property
    def meters_pulls(self) -> bool:
        return self.inner.meters_pulls

    def _target(self, repository: str, reference: str) -> tuple[str, str]:
        if repository == ALIAS and reference in self.index:
            i = self.index[reference]
            return self.image_repo, self.image_tags[i % len(self.image_tags)]
        return self.image_repo if repository == ALIAS else repository, reference

    async def repositories(self, *, page_size: int | None = None) -> AsyncIterator[list[str]]:
        yield [ALIAS]

    async def tags(self, repository: str) -> AsyncIterator[list[str]]:
        await asyncio.sleep(self.rtt)  # one request on a kept-alive connection
        self.tags_served += 1
        yield list(self.names)

    async def resolve(self, repository: str, reference: str) -> Descriptor:
        return await self.inner.resolve(*self._target(repository, reference))

    async def manifest(self, repository: str, reference: str) -> FetchedManifest:
        return await self.inner.manifest(*self._target(repository, reference))

    def peek_manifest(self, repository: str, digest: str) -> FetchedManifest | None:
        return self.inner.peek_manifest(self.image_repo, digest)

    async def config(self, repository: str, descriptor: Descriptor) -> FetchedConfig:
        return await self.inner.config(self.image_repo, descriptor)

    async def blob_size(self, repository: str, digest: str) -> int:
        return await self.inner.blob_size(self.image_repo, digest)

    async def referrers(self, repository: str, digest: str) -> list[Descriptor]:
        return await self.inner.referrers(self.image_repo, digest)

    def open_blob(
        self, repository: str, digest: str, *, offset: int = 0, length: int | None = None
    ) -> AbstractAsyncContextManager[BlobStream]:
        return self.inner.open_blob(self.image_repo, digest, offset=offset, length=length)

    def invalidate(self, repository: str | None = None) -> None:
        self.inner.invalidate(None)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def _wait(predicate, limit: float = 60.0) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    while not predicate():
        if time.perf_counter() - started > limit:
            raise TimeoutError("the TUI did not get there in time")
        await asyncio.sleep(0.002)
    return time.perf_counter()


async def measure(
    host: str,
    image_repo: str,
    image_tags: list[str],
    n: int,
    rtt: float,
    cache_dir: Path,
    *,
    warm: bool,
) -> dict[str, float]:
    from regview.tui.app import create_app
    from regview.tui.widgets.tags import PREFETCH_MARGIN

    sys.path.insert(0, str(HERE))
    from content import tag_names

    names = tag_names(n)
    client = RegistryClient(host, settings=Settings(cache_dir=cache_dir))
    source = ManyTags(client, image_repo, image_tags, names, rtt)
    out: dict[str, float] = {}
    started = time.perf_counter()
    app = create_app(source, repository=ALIAS, keymap_path=Path("/nonexistent/keys.toml"))
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.main.tags
        tag_list = pane.list
        t = await _wait(lambda: tag_list.row_count > 0)
        out["first rows"] = t - started
        t = await _wait(lambda: pane.loaded and len(tag_list.items) == n)
        out["all tags, sorted"] = t - started
        loaded_at = t
        requests0 = client.stats.requests

        def visible_filled() -> bool:
            items = tag_list.items
            return all(items[i] in tag_list.infos for i in tag_list.visible_items(0))

        t = await _wait(visible_filled)
        out["visible columns"] = t - loaded_at
        out["visible columns from start"] = t - started
        await pilot.pause(0.3)  # let the prefetch margin finish too
        out["rows read"] = len(tag_list.infos)
        out["rows visible"] = len(tag_list.visible_items(0))
        out["rows visible+margin"] = len(tag_list.visible_items(PREFETCH_MARGIN))
        out["requests"] = client.stats.requests - requests0
        errors = [i.error for i in tag_list.infos.values() if i.error]
        if errors:
            raise RuntimeError(f"tag columns failed: {errors[0]}")
        # Jump to the middle: only the new screen is read.
        before = client.stats.requests
        read_before = len(tag_list.infos)
        t0 = time.perf_counter()
        tag_list.focus()
        tag_list.move_cursor(n // 2)
        t = await _wait(visible_filled)
        out["middle: visible columns"] = t - t0
        await pilot.pause(0.3)
        out["middle: rows read"] = len(tag_list.infos) - read_before
        out["middle: requests"] = client.stats.requests - before
        out["warm"] = float(warm)
    return out


async def run(args: argparse.Namespace, host: str, image_repo: str, image_tags: list[str]) -> None:
    rtt = args.rtt_ms / 1000
    with tempfile.TemporaryDirectory(prefix="regview-tui-tags-") as cache:
        for warm in (False, True):
            r = await measure(host, image_repo, image_tags, args.tags, rtt, Path(cache), warm=warm)
            label = "warm cache" if warm else "cold cache"
            print(
                f"  {args.tags:,} tags, {label}: first rows {r['first rows'] * 1000:.0f} ms, "
                f"all sorted {r['all tags, sorted'] * 1000:.0f} ms; visible columns "
                f"{r['visible columns'] * 1000:.0f} ms after the list, "
                f"{r['visible columns from start'] * 1000:.0f} ms after start "
                f"({int(r['rows visible'])} rows on "
                f"screen, {int(r['rows read'])} read of {int(r['rows visible+margin'])} "
                f"visible+margin, {int(r['requests'])} requests); jump to the middle: "
                f"{r['middle: visible columns'] * 1000:.0f} ms "
                f"({int(r['middle: rows read'])} rows read, "
                f"{int(r['middle: requests'])} requests)",
                flush=True,
            )


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tags", type=int, default=100_000)
    p.add_argument("--rtt-ms", type=float, default=50.0)
    p.add_argument("--host", help="registry (or proxy) with bench/images; default: start one")
    p.add_argument("--repo", default="bench/images")
    p.add_argument("--image-tags", default="", help="comma-separated tags of the images")
    args = p.parse_args()
    print(
        f"TUI: opening a {args.tags:,}-tag repository at {args.rtt_ms:g} ms RTT (headless 120x40)"
    )
    if args.host:
        image_tags = (
            args.image_tags.split(",") if args.image_tags else [f"img-{i:03d}" for i in range(100)]
        )
        asyncio.run(run(args, args.host, args.repo, image_tags))
        return 0
    import content
    from infra import LatencyProxy, registry

    with (
        tempfile.TemporaryDirectory(prefix="regview-tui-tags-reg-") as work,
        registry(Path(work)) as reg,
    ):
        pushed = content.publish(reg.url, reg.host, content.Sizes(100, 0, 0))
        with LatencyProxy(reg.host, args.rtt_ms) as proxy:
            asyncio.run(run(args, proxy.host, content.IMAGES_REPO, pushed.image_tags))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
