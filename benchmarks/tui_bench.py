# ruff: noqa: ASYNC110  (polling a widget from outside is the point here)
"""Benchmark the explorer TUI (a script, not a test).

Prints:
  * process start to first paint (a fresh interpreter running the app headless on an OCI
    layout, until the repositories list has been drawn with its first rows);
  * render and filter times of the repositories list at 100,000 and 1,000,000 entries;
  * RSS after each step.

Run: ``python benchmarks/tui_bench.py`` (add ``--quick`` to skip the million).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import AsyncIterator
from pathlib import Path

from regview.registry.errors import NotFound
from regview.registry.models import Descriptor
from regview.registry.source import FetchedConfig, FetchedManifest, Stats


def rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class ListSource:
    """A Source with ``n`` repositories and nothing else (tags are not found)."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self._stats = Stats()

    name = "bench.local"
    identity = "anonymous"

    @property
    def stats(self) -> Stats:
        return self._stats

    async def repositories(self, *, page_size: int | None = None) -> AsyncIterator[list[str]]:
        step = 100_000
        for i in range(0, len(self.names), step):
            yield self.names[i : i + step]

    async def tags(self, repository: str) -> AsyncIterator[list[str]]:
        raise NotFound("no tags in the benchmark source")
        yield []  # pragma: no cover

    async def resolve(self, repository: str, reference: str) -> Descriptor:
        raise NotFound("nothing here")

    async def manifest(self, repository: str, reference: str) -> FetchedManifest:
        raise NotFound("nothing here")

    async def config(self, repository: str, descriptor: Descriptor) -> FetchedConfig:
        raise NotFound("nothing here")

    async def blob_size(self, repository: str, digest: str) -> int:
        raise NotFound("nothing here")

    async def referrers(self, repository: str, digest: str) -> list[Descriptor]:
        return []

    async def aclose(self) -> None:
        return None


FIRST_PAINT_CHILD = textwrap.dedent(
    """
    import sys, time
    started = float(sys.argv[1])
    from regview.registry.oci_layout import OciLayoutSource
    from regview.tui.app import create_app

    app = create_app(OciLayoutSource(sys.argv[2]))

    def check() -> None:
        repo_list = app.main.repositories.list
        if repo_list.row_count:
            app.call_after_refresh(done)
            timer.stop()

    def done() -> None:
        print(f"{time.time() - started:.3f}")
        app.exit()

    async def start() -> None:
        global timer
        timer = app.set_interval(0.002, check)

    app.call_later(start)
    app.run(headless=True, size=(120, 40))
    """
)


def first_paint(layout: Path, runs: int = 3) -> list[float]:
    times: list[float] = []
    for _ in range(runs):
        started = time.time()
        out = subprocess.run(
            [sys.executable, "-c", FIRST_PAINT_CHILD, repr(started), str(layout)],
            capture_output=True, text=True, check=True, timeout=60,
        )
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return times


async def list_timings(n: int) -> None:
    from regview.tui.app import create_app

    names = [f"org{i % 97}/service-{i:07d}" for i in range(n)]
    app = create_app(ListSource(names), keymap_path=Path("/nonexistent/keys.toml"))
    async with app.run_test(size=(120, 40)) as pilot:
        repo_list = app.main.repositories.list
        while len(repo_list.items) < n:
            await asyncio.sleep(0.001)
        height = repo_list.size.height

        def draw() -> float:
            t = time.perf_counter()
            for y in range(height):
                repo_list.render_line(y)
            return time.perf_counter() - t

        t = time.perf_counter()
        repo_list.set_items(names)
        set_items = time.perf_counter() - t
        frame_top = draw()
        repo_list.move_cursor(n // 2)
        await pilot.pause()
        frame_middle = draw()
        repo_list.move_cursor(n - 1)
        await pilot.pause()
        frame_end = draw()
        print(f"  {n:>9,} entries: set_items {set_items * 1000:6.1f} ms; "
              f"frame of {height} rows: top {frame_top * 1000:.2f} ms, "
              f"middle {frame_middle * 1000:.2f} ms, end {frame_end * 1000:.2f} ms; "
              f"RSS {rss_mib():.0f} MiB")
        for query in ("service-00012", "org7/", "9999", "s9x1", "zzz"):
            repo_list.set_filter("")
            await pilot.pause()
            repo_list.set_filter(query)
            while repo_list.filter_seconds is None or repo_list.filter_query != query or \
                    not _done(repo_list):
                await asyncio.sleep(0.001)
            first = repo_list.first_result_seconds or 0.0
            exact = repo_list.exact_seconds or 0.0
            total = repo_list.filter_seconds
            matched = repo_list.row_count
            repo_list.filter_seconds = None
            print(f"    filter {query!r:16}: first rows {first * 1000:5.1f} ms, all substring "
                  f"matches {exact * 1000:6.1f} ms, with fuzzy {total * 1000:6.1f} ms, "
                  f"{matched:,} matches")
        # Typing one more letter narrows the previous result instead of rescanning.
        repo_list.set_filter("service-0001")
        while not _done(repo_list) or repo_list.filter_query != "service-0001":
            await asyncio.sleep(0.001)
        repo_list.filter_seconds = None
        repo_list.set_filter("service-00012")
        while repo_list.filter_seconds is None:
            await asyncio.sleep(0.001)
        print(f"    narrowing 'service-0001' -> 'service-00012': "
              f"{repo_list.filter_seconds * 1000:.1f} ms")
    print(f"    RSS after: {rss_mib():.0f} MiB")


def _done(repo_list: object) -> bool:
    result = getattr(repo_list, "_result", None)
    return result is not None and bool(result.done)


def main() -> int:
    quick = "--quick" in sys.argv
    print(f"regview TUI benchmark (python {sys.version.split()[0]}, {os.cpu_count()} CPUs)")
    print(f"RSS at start: {rss_mib():.0f} MiB")
    with tempfile.TemporaryDirectory() as tmp:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        try:
            from regview.demo import demo_path  # type: ignore[import-not-found]

            layout = demo_path(Path(tmp))
        except ImportError:
            from tests.tui.layouts import build_layouts

            layout = build_layouts(Path(tmp))
        times = first_paint(layout)
        print("process start to first paint (repositories drawn): "
              + ", ".join(f"{t * 1000:.0f} ms" for t in times))
    print("repositories list:")
    for n in (100_000,) if quick else (100_000, 1_000_000):
        asyncio.run(list_timings(n))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
