"""Peak memory of listing 1,000,000 tags (CLI and TUI), and of a listing that never ends.

    python benchmarks/listing_memory.py [--tags 1000000] [--only cli,tui,endless]

The real registry cannot hold a million tags quickly, so a small fake serves them
(``tests/support/listing_server.py``, in its own process so its memory is not counted),
with distribution's pagination: pages of at most 1,000 (``n``) and a relative ``Link``
header with ``last``:

* ``bench/million``: ``--tags`` tags such as ``3.14.159-r0314159`` (17 characters);
* ``endless/short``: every page links to a new next page with a new ``last``, for ever
  (the listing of issue #12 that reached 814 MB before the page limit stopped it);
* ``endless/long``: the same with 120-character tags, so the byte limit stops it
  before the entry limit does.

Each figure is the peak RSS (``ru_maxrss`` from ``os.wait4``) of one fresh process:
``regview tags`` (text and ``--json``, with and without the on-disk cache) and the TUI
(headless 120x40, started on the repository, until every tag is listed and sorted, then
with a filter typed). Targets from issue #12: CLI at most 200 MB, TUI at most 300 MB.
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
ROOT = HERE.parent
MB = 1_000_000
CLI_TARGET_MB = 200
TUI_TARGET_MB = 300
PAGE = 1000


# --- measured processes --------------------------------------------------------------


def run_measured(argv: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """(peak RSS in MB, seconds, exit status, last line of stderr) of one process."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        err.seek(0)
        lines = err.read().decode("utf-8", "replace").strip().splitlines()
    return usage.ru_maxrss * 1024 / MB, seconds, proc.returncode, lines[-1] if lines else ""


def tui_child(host: str, repository: str, expected: int, settings_json: str) -> int:
    """Open ``repository`` in the headless TUI; print how many tags it lists."""
    import asyncio
    import resource

    from rich.text import Text

    from regview.registry import RegistryClient, Settings
    from regview.tui.app import create_app

    def peak_mb() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MB

    async def main() -> str:
        settings = Settings(keymap_path=Path("/nonexistent/keys.toml"),
                            **json.loads(settings_json))
        client = RegistryClient(host, settings=settings)
        app = create_app(client, settings=settings, repository=repository)
        async with app.run_test(size=(120, 40)) as pilot:
            pane = app.main.tags
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                if pane.loaded or pane.border_subtitle:
                    break
                await asyncio.sleep(0.05)
            await pilot.pause(0.5)
            listed = peak_mb()
            title = Text.from_markup(f"{pane.border_title}; {pane.border_subtitle}").plain
            count = len(pane.list.items)
            if expected and count != expected:
                return f"listed {count:,} of {expected:,} tags"
            pane.list.focus()
            await pilot.press("slash", *"r0999", "enter")
            await pilot.pause(1.0)
            return (f"listed {count:,} tags (peak {listed:.0f} MB then, after the filter "
                    f"{peak_mb():.0f} MB); title {title.strip('; ')}")

    print(asyncio.run(main()), file=sys.stderr)
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tags", type=int, default=1_000_000)
    p.add_argument("--only", default="cli,tui,endless")
    p.add_argument("--tui-child", nargs=4, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.tui_child:
        host, repository, expected, settings_json = args.tui_child
        return tui_child(host, repository, int(expected), settings_json)
    only = set(args.only.split(","))
    fake = subprocess.Popen(
        [sys.executable, "-m", "tests.support.listing_server", str(args.tags)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *sys.path])},
    )
    assert fake.stdout is not None and fake.stdin is not None
    host = f"127.0.0.1:{fake.stdout.readline().strip()}"
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    regview = [sys.executable, "-m", "regview"]
    print(f"Listing memory: {args.tags:,} tags in pages of {PAGE:,} from a local fake "
          f"(peak RSS of each process; load {os.getloadavg()[0]:.1f})", flush=True)

    def row(label: str, argv: list[str], target: int) -> None:
        rss, seconds, status, last = run_measured(argv, env)
        verdict = "ok" if rss <= target else "OVER"
        print(f"  {label:<38} {rss:7.1f} MB {verdict} (target {target} MB) {seconds:6.1f} s  "
              f"exit {status}  {last[:160]}", flush=True)

    try:
        with tempfile.TemporaryDirectory(prefix="regview-listing-") as tmp:
            cache = Path(tmp) / "cache"
            if "cli" in only:
                million = f"{host}/bench/million"
                for label, extra in (
                    ("CLI tags, text, --no-cache", ["--no-cache"]),
                    ("CLI tags, --json, --no-cache", ["--no-cache", "--json"]),
                    ("CLI tags, text, cold cache", ["--cache-dir", str(cache)]),
                    ("CLI tags, text, warm cache", ["--cache-dir", str(cache)]),
                ):
                    flags = [f for f in extra if f != "--json"]
                    json_flag = ["--json"] if "--json" in extra else []
                    argv = [*regview, *flags, "tags", million, *json_flag]
                    row(label, argv, CLI_TARGET_MB)
            if "tui" in only:
                argv = [sys.executable, __file__, "--tui-child", host, "bench/million",
                        str(args.tags), json.dumps({"use_cache": False})]
                row(f"TUI open {args.tags:,} tags + filter", argv, TUI_TARGET_MB)
            if "endless" in only:
                for repo in ("endless/short", "endless/long"):
                    argv = [*regview, "--no-cache", "tags", f"{host}/{repo}"]
                    row(f"CLI tags {repo} (defaults)", argv, CLI_TARGET_MB)
                argv = [sys.executable, __file__, "--tui-child", host, "endless/short", "0",
                        json.dumps({"use_cache": False})]
                row("TUI open endless/short (defaults)", argv, TUI_TARGET_MB)
    finally:
        fake.stdin.close()
        fake.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
