"""Benchmark ``regview serve`` in headless Chromium (a script, not a test).

Prints:
  * the time from the page request to the first painted repository list, per tab (each
    tab is a new app process; the first is cold: empty cache, nothing in Chromium's
    cache), measured in the page: ``performance.now()`` (0 = the navigation started)
    at the first xterm.js render whose screen holds a repository name; and on the way,
    the page's load event, the websocket's opening and its first message (the app's
    first output: its process is up);
  * the RSS of the server and of its app processes (each, and their sum: they share
    the interpreter's pages, so the sum overstates) with 1 and with 5 tabs open.

By default the server browses a real ``docker-registry`` on 127.0.0.1 holding the
integration tests' images; ``--demo`` serves the embedded demo (no registry needed).

Run: ``python benchmarks/serve_browser.py [--runs 5] [--tabs 5] [--demo]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # tests.serve (the browser and process helpers)

from tests.serve import browser as chromium  # noqa: E402
from tests.serve.processes import Served, rss_kib, wait_until  # noqa: E402
from tests.support.cli import Regview, base_env  # noqa: E402

# ``python -m regview serve`` once the CLI registers the command
SERVE = [sys.executable, "-m", "regview", "serve"]
GUARD = 120.0  # seconds: hang guards only


@contextmanager
def target(demo: bool, workdir: Path) -> Iterator[tuple[list[str], str]]:
    """The server's arguments and a repository name its first screen lists."""
    if demo:
        yield ["demo"], "acme/api"
        return
    from tests.support.content import publish_kinds
    from tests.support.registry import RegistryServer, binaries_missing

    missing = binaries_missing()
    if missing:
        raise SystemExit(f"needs {', '.join(missing)} (or run with --demo)")
    server = RegistryServer(workdir / "registry", name="bench-registry")
    server.start()
    try:
        publish_kinds(server, workdir / "content")
        yield ["--plain-http", server.host], "kinds/oci-image"
    finally:
        server.cleanup()


def mib(kib: int) -> str:
    return f"{kib / 1024:6.1f} MiB"


def open_painted(browser: chromium.Browser, served: Served, needle: str) -> tuple[str, float]:
    """A new tab, once its repository list was painted: its handle and the paint time."""
    handle = browser.open_tab(served.url, wait_for=needle)
    browser.wait_for(needle, guard=GUARD)
    deadline = time.monotonic() + GUARD
    while (painted := browser.painted_ms()) is None:
        if time.monotonic() > deadline:
            raise SystemExit("the page never reported its first paint")
        time.sleep(0.05)
    return handle, painted


def memory(served: Served, label: str) -> None:
    apps = served.apps()
    each = [rss_kib(pid) for pid in apps]
    print(f"  {label}: server {mib(rss_kib(served.pid))}; {len(apps)} app process(es)", end="")
    print(f" {', '.join(mib(k).strip() for k in each)}; apps together {mib(sum(each)).strip()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="tabs opened one after another")
    parser.add_argument("--tabs", type=int, default=5, help="tabs open at once for the RSS")
    parser.add_argument("--demo", action="store_true", help="serve the embedded demo")
    args = parser.parse_args()
    why = chromium.missing()
    if why is not None:
        raise SystemExit(why)
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="serve-bench-")))
        serve_args, needle = stack.enter_context(target(args.demo, work))
        home = Regview(work / "home")
        served = Served([*SERVE, "--port", "0", *serve_args], {**base_env(), **home.env()})
        stack.callback(served.finish)
        served.started()
        browser = chromium.Browser(user_data_dir=work / "chromium")
        stack.callback(browser.quit)
        with open("/proc/loadavg", encoding="ascii") as load:
            print(f"regview serve {' '.join(serve_args)}; load average {load.read().split()[0]}")

        print(f"page request -> first painted repository list ({needle!r}), one tab at a time:")
        painted: list[float] = []
        for run in range(args.runs):
            handle, ms = open_painted(browser, served, needle)
            marks = browser.timings()
            painted.append(ms)
            kind = "cold" if run == 0 else "warm"
            steps = ", ".join(f"{k} {v:.0f}" for k, v in marks.items() if k != "painted")
            print(f"  tab {run + 1} ({kind}): {ms:6.0f} ms   ({steps} ms)")
            browser.close_tab(handle)
            wait_until(lambda: served.apps() == [], guard=GUARD, what="the closed tab's app ended")
        if len(painted) > 1:
            warm = painted[1:]
            print(
                f"  warm: median {statistics.median(warm):.0f} ms, "
                f"range {min(warm):.0f}-{max(warm):.0f} ms"
            )

        print("RSS (VmRSS):")
        memory(served, "no tab  ")
        handles = [open_painted(browser, served, needle)[0]]
        memory(served, "1 tab   ")
        handles += [open_painted(browser, served, needle)[0] for _ in range(args.tabs - 1)]
        memory(served, f"{args.tabs} tabs  ")
        for handle in handles:
            browser.close_tab(handle)
        wait_until(lambda: served.apps() == [], guard=GUARD, what="every app ended")
        memory(served, "all closed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
