"""The notebook explorer widget: how fast it answers, how small its state stays.

    python benchmarks/notebook_widget.py [--rtt-ms 50] [--tags 100000] [--quick]
        [--repeat 3] [--no-browser]

Starts Debian's ``docker-registry`` with the benchmark content (``content.py``: a
5,000-repository catalog, ``bench/tags`` with 2,000 tags, 100 images), puts the latency
proxy in front (RTT/2 each way, one more RTT per new connection), and measures:

* kernel side (the widget's own code, in this process, on an asyncio loop as in a
  kernel; the page is played by ``tests.notebook.widget_support.FrontEnd``):
  ``explore(HOST)`` until the first repository rows are sent, against one bare
  ``GET /v2/_catalog?n=1000`` on a new connection (http.client: the floor); a click on
  ``bench/tags`` until the kernel's first answer, the tag rows, and the visible rows with
  their columns, against a bare ``GET tags/list`` on a kept-alive connection; a click on
  a tag until its tree and details; the kernel's CPU time for those clicks;
* the synced state (``widget.get_state()``, JSON) with a ``--tags``-tag repository open
  (the names are a fake tag list, every manifest behind them is real, as in
  ``tui_tags.py``), and the bytes of rows sent to show its first window;
* in JupyterLab and headless Chromium (``widget_support``), with the same repository:
  the time from a scroll to a page of rows drawn (a round trip to the kernel included),
  and the page's script, style and layout time for it (Chrome's Performance metrics).

Prints each figure (the median of ``--repeat`` runs for the kernel clicks), then one
PASS/FAIL line per target: first rows within one round trip of the kernel's request; a
click answered in the kernel in under 20 ms plus the network; synced state under 2 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for path in (str(HERE), str(ROOT), str(ROOT / "src")):
    if path not in sys.path:
        sys.path.insert(0, path)

import content  # noqa: E402
from infra import LatencyProxy, load, registry  # noqa: E402
from tests.notebook.widget_support import FrontEnd  # noqa: E402

from regview.notebook.widget import explore  # noqa: E402
from regview.registry import RegistryClient, Settings  # noqa: E402

VISIBLE = 20  # rows a pane shows at the widget's default height
WINDOW = (0, VISIBLE + 16)  # what the page asks for: the viewport and its overscan
STATE_LIMIT = 2_000_000
CLICK_LIMIT = 0.020


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds >= 0.01 else f"{seconds * 1000:.1f} ms"


def bare_catalog(host: str) -> float:
    """One ``GET /v2/_catalog?n=1000`` on a new connection: what any client pays."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection(host, timeout=60)
    try:
        conn.request("GET", "/v2/_catalog?n=1000")
        conn.getresponse().read()
    finally:
        conn.close()
    return time.perf_counter() - started


def bare_tags(host: str, repo: str) -> float:
    """One ``GET tags/list`` on a connection already open (the widget's is kept alive)."""
    conn = http.client.HTTPConnection(host, timeout=60)
    try:
        conn.request("GET", "/v2/")
        conn.getresponse().read()
        started = time.perf_counter()
        conn.request("GET", f"/v2/{repo}/tags/list")
        conn.getresponse().read()
        return time.perf_counter() - started
    finally:
        conn.close()


async def until(predicate: Callable[[], bool], limit: float = 120.0) -> float:
    started = time.perf_counter()
    while not predicate():
        if time.perf_counter() - started > limit:
            raise TimeoutError("the widget did not get there in time")
        await asyncio.sleep(0.0005)
    return time.perf_counter()


class Timed(FrontEnd):
    """A FrontEnd that stamps every message it is sent."""

    def __init__(self, widget: Any) -> None:
        super().__init__(widget)
        self.stamps: list[float] = []
        send = widget.send

        def stamped(content: dict[str, Any], buffers: Any = None) -> None:
            self.stamps.append(time.perf_counter())
            send(content, buffers)

        widget.send = stamped

    def visible_filled(self, pane: str = "tags") -> bool:
        rows = self.panes.get(pane)
        if rows is None or rows.length == 0:
            return False
        return all("d" in rows.rows.get(i, {}) for i in range(min(VISIBLE, rows.length)))


async def kernel_side(host: str, rtt: float, cache: Path) -> dict[str, float]:
    """One run of the kernel-side figures, on a cold cache."""
    out: dict[str, float] = {}
    settings = {"cache_dir": cache, "state_dir": cache / "state"}
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    w = explore(host, **settings)
    front = Timed(w)
    t = await until(lambda: bool(front.rows("repos")))
    out["first rows"] = t - t0
    out["first rows requests"] = w.controller.source.stats.requests if w.controller.source else 0
    await front.idle()
    out["catalog"] = time.perf_counter() - t0
    out["repositories"] = w.panes["repos"]["length"]
    w.click({"type": "window", "pane": "tags", "start": WINDOW[0], "stop": WINDOW[1]})

    # A click on bench/tags: the kernel's first answer, the tag rows, the visible columns.
    await front.click({"type": "filter", "pane": "repos", "query": content.TAGS_REPO})
    sent = len(front.stamps)
    cpu = time.process_time()
    t0 = time.perf_counter()
    w.click({"type": "open", "pane": "repos", "row": 0, "version": front.version("repos")})
    out["click: first answer"] = (front.stamps[sent] if len(front.stamps) > sent else t0) - t0
    t = await until(
        lambda: (
            w.panes["tags"].get("length", 0) == content.Sizes().tags and bool(front.rows("tags"))
        )
    )
    out["click: tag rows"] = t - t0
    t = await until(front.visible_filled)
    out["click: visible columns"] = t - t0
    await front.idle()
    out["click: kernel cpu"] = time.process_time() - cpu
    source = w.controller.source
    assert source is not None
    out["click: requests"] = source.stats.requests

    # A click on a tag: its tree, then its details.
    before = source.stats.requests
    t0 = time.perf_counter()
    w.click({"type": "open", "pane": "tags", "row": 0, "version": front.version("tags")})
    t = await until(lambda: bool(front.rows("tree")))
    out["tag click: tree"] = t - t0
    t = await until(lambda: any(b.get("title") == "Config" for b in w.details.get("blocks", [])))
    out["tag click: details"] = t - t0
    await front.idle()
    out["tag click: requests"] = source.stats.requests - before
    out["cpu total"] = time.process_time() - cpu0
    w.close()
    return out


async def state_size(host: str, n: int, rtt: float, cache: Path) -> dict[str, float]:
    """The synced state with an ``n``-tag repository open and its first window filled."""
    from tui_tags import ALIAS, ManyTags

    client = RegistryClient(host, settings=Settings(cache_dir=cache))
    names = content.tag_names(n)
    image_tags = [f"img-{i:03d}" for i in range(content.Sizes().images)]
    many = ManyTags(client, content.IMAGES_REPO, image_tags, names, rtt)
    w = explore(None, cache_dir=cache, state_dir=cache / "state")
    front = Timed(w)
    w.controller.use_source(many)  # type: ignore[arg-type]
    w.click({"type": "window", "pane": "tags", "start": WINDOW[0], "stop": WINDOW[1]})
    t0 = time.perf_counter()
    w.controller.open_repository(ALIAS)
    t = await until(
        lambda: w.panes["tags"].get("length", 0) == n and not w.panes["tags"]["loading"]
    )
    out: dict[str, float] = {"open": t - t0}
    t = await until(front.visible_filled)
    out["visible columns"] = t - t0
    await front.idle()
    state = w.get_state()
    out["state"] = len(json.dumps(state))
    out["front end"] = len(json.dumps({k: state[k] for k in ("_esm", "_css")}))
    out["rows bytes"] = sum(len(json.dumps(m)) for m in front.messages if m.get("type") == "rows")
    out["rows sent"] = sum(len(m["rows"]) for m in front.messages if m.get("type") == "rows")
    w.close()
    await client.aclose()
    return out


def browser_side(host: str, n: int, rtt: float, work: Path) -> dict[str, float]:
    """A page of rows in JupyterLab: scroll to a place, wait for its rows to be drawn."""
    from tests.notebook.widget_support import lab_and_browser, write_notebook

    out: dict[str, float] = {}
    cell = (
        "import sys\n"
        f"sys.path[:0] = [{str(HERE)!r}, {str(ROOT)!r}]\n"
        "from tui_tags import ALIAS, ManyTags\n"
        "import content\n"
        "from regview.registry import RegistryClient, Settings\n"
        "from regview.notebook.widget import explore\n"
        f"client = RegistryClient({host!r}, settings=Settings(cache_dir={str(work / 'c')!r}))\n"
        f"many = ManyTags(client, content.IMAGES_REPO, [f'img-{{i:03d}}' for i in range(100)],"
        f" content.tag_names({n}), {rtt})\n"
        "w = explore()\nw.controller.use_source(many)\nw.controller.load_repositories()\nw"
    )
    with lab_and_browser(work / "lab") as (lab, b):
        write_notebook(lab.cwd / "bench.ipynb", [cell])
        b.open_notebook(lab, "bench.ipynb")
        b.js("window.jupyterapp.commands.execute('application:toggle-left-area')")
        b.wait_js(
            "return document.querySelectorAll('[data-list=repos] .rv-row[data-row]"
            ":not([hidden])').length > 0",
            what="the repository",
        )
        t0 = time.perf_counter()
        b.js("document.querySelector('[data-list=repos] .rv-row[data-row]').click()")
        b.wait_js(
            """const r = document.querySelector('[data-list=tags] .rv-row[data-row="0"]');
                      return r && !r.innerText.includes('…')""",
            what="the tags",
            timeout=120,
        )
        out["open, columns drawn"] = time.perf_counter() - t0
        b.driver.execute_cdp_cmd("Performance.enable", {})
        turns: list[float] = []
        busy: list[float] = []
        in_dom: list[int] = []
        for k in (n // 4, n // 2, 3 * n // 4, n - VISIBLE, 10_000, 100):
            before = metrics(b)
            took = b.driver.execute_async_script(
                """
                const [k, done] = [arguments[0], arguments[arguments.length - 1]];
                const s = document.querySelector('[data-list=tags]');
                const t0 = performance.now();
                s.scrollTop = k * 22;
                const check = () => {
                  const r = s.querySelector(`.rv-row[data-row="${k}"]`);
                  if (r && !r.hidden && !r.innerText.startsWith('…')) done(performance.now() - t0);
                  else requestAnimationFrame(check);
                };
                requestAnimationFrame(check);
                """,
                k,
            )
            after = metrics(b)
            turns.append(float(took) / 1000)
            busy.append(
                sum(
                    after[m] - before[m]
                    for m in ("ScriptDuration", "LayoutDuration", "RecalcStyleDuration")
                )
            )
            in_dom.append(
                b.js("return document.querySelectorAll('[data-list=tags] .rv-row').length")
            )
            time.sleep(0.3)
        out["page turn"] = statistics.median(turns)
        out["page turn max"] = max(turns)
        out["page busy"] = statistics.median(busy)
        out["rows in DOM"] = max(in_dom)
        errors = b.console_errors()
        out["console errors"] = len(errors)
    return out


def metrics(b: Any) -> dict[str, float]:
    found = b.driver.execute_cdp_cmd("Performance.getMetrics", {})["metrics"]
    return {m["name"]: float(m["value"]) for m in found}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rtt-ms", type=float, default=50.0)
    p.add_argument("--tags", type=int, default=100_000, help="tags of the state-size repository")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--quick", action="store_true", help="a 600-repository catalog")
    p.add_argument("--no-browser", action="store_true")
    args = p.parse_args()
    rtt = args.rtt_ms / 1000
    sizes = content.Sizes(catalog=600) if args.quick else content.Sizes()
    with tempfile.TemporaryDirectory(prefix="regview-nb-bench-") as tmp:
        work = Path(tmp)
        with registry(work / "registry") as reg:
            started = time.monotonic()
            pushed = content.publish(reg.url, reg.host, sizes)
            print(
                f"content: {len(pushed.all_repos):,} repositories, {sizes.tags:,} tags in "
                f"{content.TAGS_REPO}, pushed in {time.monotonic() - started:.1f} s; "
                f"load {load()}",
                flush=True,
            )
            with LatencyProxy(reg.host, args.rtt_ms) as proxy:
                return report(args, proxy.host, rtt, work)


def report(args: argparse.Namespace, host: str, rtt: float, work: Path) -> int:
    runs = []
    for i in range(args.repeat):
        runs.append(asyncio.run(kernel_side(host, rtt, work / f"cache-{i}")))
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    floor_catalog = statistics.median(bare_catalog(host) for _ in range(args.repeat))
    floor_tags = statistics.median(bare_tags(host, content.TAGS_REPO) for _ in range(args.repeat))
    print(f"\nkernel side, {args.rtt_ms:g} ms RTT, cold cache, median of {args.repeat}:")
    print(
        f"  explore() -> first repository rows: {ms(med['first rows'])} "
        f"({int(med['first rows requests'])} requests; the whole catalog of "
        f"{int(med['repositories']):,} in {ms(med['catalog'])}); bare GET _catalog?n=1000 on "
        f"a new connection: {ms(floor_catalog)}"
    )
    print(
        f"  click on {content.TAGS_REPO}: first answer {ms(med['click: first answer'])}, "
        f"tag rows {ms(med['click: tag rows'])} (bare GET tags/list: {ms(floor_tags)}), "
        f"visible rows with columns {ms(med['click: visible columns'])} "
        f"= {med['click: visible columns'] / rtt if rtt else 0:.1f} RTT; kernel CPU for the click "
        f"{ms(med['click: kernel cpu'])}"
    )
    print(
        f"  click on a tag: tree {ms(med['tag click: tree'])}, details with config "
        f"{ms(med['tag click: details'])} ({int(med['tag click: requests'])} requests)"
    )
    size = asyncio.run(state_size(host, args.tags, rtt, work / "cache-state"))
    print(
        f"\n{args.tags:,}-tag repository: open (list, sorted) {ms(size['open'])}, visible "
        f"columns {ms(size['visible columns'])}; synced state {size['state'] / 1000:.1f} kB "
        f"(the front end's module and CSS: {size['front end'] / 1000:.1f} kB); rows sent: "
        f"{int(size['rows sent'])} ({size['rows bytes'] / 1000:.1f} kB)"
    )
    page: dict[str, float] | None = None
    if not args.no_browser:
        from tests.notebook.widget_support import browser_missing

        why = browser_missing()
        if why is None:
            page = browser_side(host, args.tags, rtt, work)
            print(
                f"\nbrowser (JupyterLab, headless Chromium), {args.tags:,} tags: open to columns "
                f"drawn {ms(page['open, columns drawn'])}; a page of rows after a scroll "
                f"{ms(page['page turn'])} median, {ms(page['page turn max'])} max (a round "
                f"trip to the kernel included), page script+style+layout "
                f"{ms(page['page busy'])}; rows in the DOM at most {int(page['rows in DOM'])}; "
                f"console errors {int(page['console errors'])}"
            )
        else:
            print(f"\nbrowser: skipped ({why})")

    print("\ntargets:")
    over = med["first rows"] - floor_catalog
    ok1 = over < rtt
    print(
        f"  {'PASS' if ok1 else 'FAIL'} first rows within one round trip of the kernel's "
        f"request: {ms(med['first rows'])} = the bare request {ms(floor_catalog)} "
        f"{'+' if over >= 0 else '-'} {ms(abs(over))} (one RTT: {ms(rtt)})"
    )
    answer = med["click: first answer"]
    names_over = med["click: tag rows"] - floor_tags
    ok2 = answer < CLICK_LIMIT and names_over < CLICK_LIMIT
    print(
        f"  {'PASS' if ok2 else 'FAIL'} a click answered in the kernel in under 20 ms plus the "
        f"network: first answer {ms(answer)}; tag rows {ms(med['click: tag rows'])} = the bare "
        f"tags/list {ms(floor_tags)} {'+' if names_over >= 0 else '-'} {ms(abs(names_over))}"
    )
    ok3 = size["state"] < STATE_LIMIT
    print(
        f"  {'PASS' if ok3 else 'FAIL'} synced state under 2 MB for {args.tags:,} tags: "
        f"{size['state'] / 1000:.1f} kB"
    )
    if page is not None:
        ok4 = page["console errors"] == 0
        print(f"  {'PASS' if ok4 else 'FAIL'} (also) no JavaScript error while paging")
    return 0 if ok1 and ok2 and ok3 else 1


if __name__ == "__main__":
    raise SystemExit(main())
