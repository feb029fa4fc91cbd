"""regview against skopeo, python-dxf and oras-py on a real registry, with and without latency.

    benchmarks/run [--quick] [--only a,b,c] [--rtt-ms 50] [--repeat N] [--skopeo-tags N]
                   [--proxy-port 15050] [--no-tls]

Starts Debian's ``docker-registry`` (storage on /dev/shm) with generated content — a
catalog of 5,000 repositories, one repository with 2,000 tags, 100 distinct images —
and a latency proxy on 127.0.0.1 (RTT/2 each way, one more RTT per new connection).
Then, for no latency and for ``--rtt-ms``, cold and warm cache, it times every tool on

  (a) the full catalog, (b) all tags of one repository, (c) manifest + config of 100 tags

with the wall clock, and counts each operation's requests in the registry's access log.
It prints one table (ratios regview/peer), the target lines, ``regview --version``
start-up, (c) over TLS with HTTP/2 next to plain http, each against its floor
(``tls_run.py``), and the TUI figures (``tui_bench.py`` and ``tui_tags.py``). The latency
proxies listen on fixed ports (``--proxy-port`` and the next two), so a host:port means
the same thing from run to run.

Peers have no cache: their "warm" run is the same run again (a new session). skopeo
runs one process per tag; by default a sample of tags is timed and scaled to all tags
(said so in the table); ``--skopeo-tags 100`` runs them all.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import content  # noqa: E402
import peers  # noqa: E402
import tls_run  # noqa: E402
from infra import LatencyProxy, RegistryServer, load, registry  # noqa: E402
from report import OPS, Row, Target, table  # noqa: E402

PY = sys.executable


class Bench:
    def __init__(self, args: argparse.Namespace, reg: RegistryServer, pushed: content.Content):
        self.args = args
        self.reg = reg
        self.pushed = pushed
        self.rows: list[Row] = []
        self.work = Path(tempfile.mkdtemp(prefix="regview-bench-caches-"))
        self.log: list[str] = []

    # --- measuring ---------------------------------------------------------------------

    def measure(self, fn: Callable[[], Any]) -> tuple[float, int, Any]:
        """Run ``fn``; return (wall seconds, requests the registry logged, fn's result)."""
        mark = self.reg.mark()
        started = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - started
        requests = len(self.reg.requests_since(mark))
        return elapsed, requests, result

    def row(self, op: str, rtt: float, cache: str, tool: str, note: str = "") -> Row:
        r = Row(op, int(rtt), cache, tool, note=note)
        self.rows.append(r)
        return r

    def record(self, r: Row, fn: Callable[[], Any], expect: int) -> None:
        seconds, requests, result = self.measure(fn)
        first = None
        if isinstance(result, tuple):
            result, first = result
        if result != expect:
            raise AssertionError(f"{r.tool} {OPS[r.op]}: got {result} items, expected {expect}")
        r.seconds.append(seconds)
        r.requests.append(requests)
        if first is not None:
            r.first.append(first)
        r.items = result
        self.log.append(
            f"{OPS[r.op]} rtt={r.rtt_ms} {r.cache} {r.tool}: {seconds:.3f} s, {requests} req"
            + (f", first {first:.3f} s" if first is not None else "")
            + f" (load {load()})"
        )

    # --- regview -----------------------------------------------------------------------

    def regview_cli(self, argv: list[str], cache_dir: Path, *, count_lines: bool = True):
        """Run ``python -m regview ARGV``; return (lines of output, seconds to first line)."""

        def run() -> tuple[int, float]:
            started = time.perf_counter()
            proc = subprocess.Popen(
                [PY, "-m", "regview", *argv, "--cache-dir", str(cache_dir)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
                env=peers.isolated_env(),
            )
            assert proc.stdout is not None
            first: float | None = None
            lines = 0
            for _line in proc.stdout:
                if first is None:
                    first = time.perf_counter() - started
                lines += 1
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            if proc.wait() != 0:
                raise RuntimeError(f"regview {' '.join(argv[:3])}…: {err}")
            return lines, first or 0.0

        return run

    def api_catalog(self, host: str, cache_dir: Path) -> Callable[[], tuple[int, float]]:
        from regview.registry.client import RegistryClient
        from regview.registry.settings import Settings

        async def go() -> tuple[int, float]:
            started = time.perf_counter()
            first: float | None = None
            n = 0
            async with RegistryClient(host, settings=Settings(cache_dir=cache_dir)) as c:
                async for page in c.repositories():
                    if first is None:
                        first = time.perf_counter() - started
                    n += len(page)
            return n, first or 0.0

        return lambda: asyncio.run(go())

    def api_tags(self, host: str, repo: str, cache_dir: Path) -> Callable[[], tuple[int, float]]:
        from regview.registry.client import RegistryClient
        from regview.registry.settings import Settings

        async def go() -> tuple[int, float]:
            started = time.perf_counter()
            first: float | None = None
            tags: set[str] = set()
            async with RegistryClient(host, settings=Settings(cache_dir=cache_dir)) as c:
                async for page in c.tags(repo):
                    if first is None:
                        first = time.perf_counter() - started
                    tags.update(page)
            return len(tags), first or 0.0

        return lambda: asyncio.run(go())

    def api_inspect(
        self, host: str, repo: str, tags: list[str], cache_dir: Path, *, tag_ttl: float = 30.0
    ):
        from regview.registry.client import RegistryClient
        from regview.registry.inspection import inspect
        from regview.registry.settings import Settings

        async def go() -> int:
            options = Settings(cache_dir=cache_dir, tag_ttl=tag_ttl)
            async with RegistryClient(host, settings=options) as c:
                results = await asyncio.gather(
                    *(inspect(c, repo, t, display=f"{host}/{repo}:{t}") for t in tags)
                )
            assert all("config" in r for r in results)
            return len(results)

        return lambda: asyncio.run(go())

    # --- operations ----------------------------------------------------------------------

    def cache_dir(self, label: str) -> Path:
        path = Path(tempfile.mkdtemp(prefix=f"{label}-", dir=self.work))
        return path

    def regview_pair(
        self,
        op: str,
        rtt: float,
        tool: str,
        make: Callable[[Path], Callable[[], Any]],
        expect: int,
    ) -> None:
        cold = self.row(op, rtt, "cold", tool)
        warm = self.row(op, rtt, "warm", tool)
        for _ in range(self.args.repeat):
            cache_dir = self.cache_dir(f"{op}-{int(rtt)}-{tool.split()[-1]}")
            fn = make(cache_dir)
            self.record(cold, fn, expect)
            self.record(warm, fn, expect)

    def peer_pair(
        self, op: str, rtt: float, tool: str, fn: Callable[[], Any], expect: int, note: str = ""
    ) -> None:
        cold = self.row(op, rtt, "cold", tool, note)
        warm = self.row(op, rtt, "warm", tool, note or "no cache: a second run")
        for _ in range(self.args.repeat):
            self.record(cold, fn, expect)
            self.record(warm, fn, expect)

    def op_catalog(self, host: str, rtt: float) -> None:
        total = len(self.pushed.all_repos)
        self.regview_pair("a", rtt, "regview API", lambda d: self.api_catalog(host, d), total)
        self.regview_pair(
            "a", rtt, "regview CLI", lambda d: self.regview_cli(["catalog", host], d), total
        )

        def dxf() -> tuple[int, float]:
            from dxf import DXFBase

            started = time.perf_counter()
            first = None
            n = 0
            with DXFBase(host, insecure=True) as base:
                for _name in base.list_repos(batch_size=1000, iterate=True):
                    if first is None:
                        first = time.perf_counter() - started
                    n += 1
            return n, first or 0.0

        self.peer_pair("a", rtt, "python-dxf (n=1000)", dxf, total)
        for tool, why in (("oras-py", "no catalog call"), ("skopeo", "no catalog command")):
            self.row("a", rtt, "cold", tool, f"cannot: {why}")

    def op_tags(self, host: str, rtt: float) -> None:
        repo = content.TAGS_REPO
        n = len(self.pushed.tag_names)
        self.regview_pair("b", rtt, "regview API", lambda d: self.api_tags(host, repo, d), n)
        self.regview_pair(
            "b",
            rtt,
            "regview CLI",
            lambda d: self.regview_cli(["tags", f"{host}/{repo}"], d),
            n,
        )
        self.peer_pair("b", rtt, "python-dxf", lambda: peers.dxf_tags(host, repo), n)

        def oras() -> int:
            session = peers.OrasSession(host)
            try:
                return session.tags(repo)
            finally:
                session.close()

        self.peer_pair("b", rtt, "oras-py", oras, n)
        self.peer_pair("b", rtt, "skopeo list-tags", lambda: peers.skopeo_list_tags(host, repo), n)

    def op_inspect(self, host: str, rtt: float) -> None:
        repo = content.IMAGES_REPO
        tags = self.pushed.image_tags
        refs = [f"{host}/{repo}:{t}" for t in tags]
        n = len(tags)
        self.regview_pair(
            "c", rtt, "regview API", lambda d: self.api_inspect(host, repo, tags, d), n
        )
        self.regview_pair(
            "c", rtt, "regview CLI", lambda d: self.regview_cli(["inspect", "--json", *refs], d), n
        )
        # Tags older than the TTL are revalidated with HEAD (never GET: no pull is spent).
        reval = self.row("c", rtt, "stale", "regview API", "tag TTL expired: HEAD per tag")
        for _ in range(self.args.repeat):
            cache_dir = self.cache_dir(f"c-{int(rtt)}-stale")
            self.api_inspect(host, repo, tags, cache_dir)()
            fn = self.api_inspect(host, repo, tags, cache_dir, tag_ttl=0.0)
            mark = self.reg.mark()
            self.record(reval, fn, n)
            methods = {e.method for e in self.reg.requests_since(mark)}
            reval.note = f"tag TTL expired: {'+'.join(sorted(methods)) or 'no'} requests only"
        self.peer_pair("c", rtt, "python-dxf", lambda: peers.dxf_inspect(host, repo, tags), n)

        def oras() -> int:
            session = peers.OrasSession(host)
            try:
                return session.inspect(repo, tags)
            finally:
                session.close()

        self.peer_pair("c", rtt, "oras-py", oras, n)
        self.skopeo_inspect(host, rtt, repo, tags)

    def skopeo_inspect(self, host: str, rtt: float, repo: str, tags: list[str]) -> None:
        sample = tags[: max(1, min(self.args.skopeo_tags, len(tags)))]
        scale = len(tags) / len(sample)
        note = "" if scale == 1 else f"{len(sample)} tags timed, x{scale:g}"
        for config_too, tool in ((False, "skopeo inspect"), (True, "skopeo inspect + --config")):
            r = self.row("c", rtt, "cold", tool, note)
            seconds, requests, got = self.measure(
                lambda c=config_too: peers.skopeo_inspect(host, repo, sample, config_too=c)
            )
            assert got == len(sample)
            r.seconds.append(seconds * scale)
            r.requests.append(round(requests * scale))
            r.items = len(tags)
            self.log.append(
                f"{OPS['c']} rtt={int(rtt)} {tool}: {seconds:.3f} s for {len(sample)}"
                f" tags, {requests} req (load {load()})"
            )
            warm = self.row("c", rtt, "warm", tool, "no cache: = cold")
            warm.seconds, warm.requests, warm.items = r.seconds, r.requests, r.items


# --- target measurements (interleaved, so that load from elsewhere hits every tool alike) ----


def raw_first_page(host: str) -> float:
    """One ``GET /v2/_catalog?n=1000`` on a new connection with http.client: the floor."""
    import http.client

    started = time.perf_counter()
    conn = http.client.HTTPConnection(host, timeout=30)
    try:
        conn.request("GET", "/v2/_catalog?n=1000")
        conn.getresponse().read()
    finally:
        conn.close()
    return time.perf_counter() - started


def target_runs(
    bench: Bench, host: str, rtt: float, runs: int, ops: set[str]
) -> dict[str, list[float]]:
    """Medians for the target lines, measured in alternation ``runs`` times at ``rtt``."""
    out: dict[str, list[float]] = {
        k: []
        for k in (
            "api first",
            "api total",
            "dxf first",
            "dxf total",
            "raw first",
            "cli cold",
            "cli warm",
            "cli warm requests",
            "api cold",
        )
    }
    total = len(bench.pushed.all_repos)
    repo = content.IMAGES_REPO
    tags = bench.pushed.image_tags
    refs = [f"{host}/{repo}:{t}" for t in tags]
    for i in range(runs):
        if "a" not in ops:
            break
        seconds, _req, (n, first) = bench.measure(
            bench.api_catalog(host, bench.cache_dir(f"ta{i}"))
        )
        assert n == total
        out["api first"].append(first)
        out["api total"].append(seconds)

        def dxf() -> tuple[int, float]:
            from dxf import DXFBase

            started = time.perf_counter()
            first = None
            count = 0
            with DXFBase(host, insecure=True) as base:
                for _name in base.list_repos(batch_size=1000, iterate=True):
                    if first is None:
                        first = time.perf_counter() - started
                    count += 1
            return count, first or 0.0

        seconds, _req, (n, first) = bench.measure(dxf)
        assert n == total
        out["dxf first"].append(first)
        out["dxf total"].append(seconds)
        out["raw first"].append(raw_first_page(host))
    for i in range(runs):
        if "c" not in ops:
            break
        cache_dir = bench.cache_dir(f"tc{i}")
        cli = bench.regview_cli(["inspect", "--json", *refs], cache_dir)
        seconds, _req, (n, _first) = bench.measure(cli)
        assert n == len(tags)
        out["cli cold"].append(seconds)
        seconds, req, (n, _first) = bench.measure(cli)
        out["cli warm"].append(seconds)
        out["cli warm requests"].append(req)
        seconds, _req, n = bench.measure(
            bench.api_inspect(host, repo, tags, bench.cache_dir(f"tc-api{i}"))
        )
        out["api cold"].append(seconds)
    return out


# --- start-up ------------------------------------------------------------------------------


def startup_times(runs: int = 10) -> list[tuple[str, float, str]]:
    """Median wall time of ``regview --version`` for each way of starting it."""
    commands: list[tuple[str, list[str]]] = [("python -m regview --version", [PY, "-m", "regview"])]
    script = Path(PY).parent / "regview"
    if script.exists():
        commands.append((f"{script} --version", [str(script)]))
    found = shutil.which("regview")
    if found and Path(found).resolve() != script.resolve():
        commands.append((f"{found} --version (PATH)", [found]))
    out = []
    for label, argv in commands:
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            subprocess.run([*argv, "--version"], check=True, capture_output=True)
            times.append(time.perf_counter() - t)
        out.append((label, statistics.median(times), f"min {min(times):.3f}, max {max(times):.3f}"))
    return out


def imports_on_cli_path() -> str:
    """Which heavy modules the ``--version`` and ``inspect`` paths import."""
    code = (
        "import sys\nfrom regview import cli\n"
        "try:\n    cli.main(['--version'])\nexcept SystemExit:\n    pass\n"
        "v = sorted(m for m in ('textual', 'httpx', 'rich') if m in sys.modules)\n"
        "try:\n    cli.main(['inspect', '--no-cache', '--timeout', '2', '127.0.0.1:9/x:y'])\n"
        "except SystemExit:\n    pass\n"
        "i = sorted(m for m in ('textual', 'httpx', 'rich') if m in sys.modules)\n"
        "print(','.join(v) or 'none', ','.join(i) or 'none')\n"
    )
    proc = subprocess.run([PY, "-c", code], capture_output=True, text=True, timeout=60)
    parts = (proc.stdout.strip().splitlines() or ["? ?"])[-1].split()
    return f"--version imports: {parts[0]}; inspect imports: {parts[-1]}"


# --- main ----------------------------------------------------------------------------------


def versions() -> str:
    def cmd(argv: list[str]) -> str:
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=20).stdout.strip()
        except OSError:
            return "?"

    from importlib.metadata import version

    skopeo = cmd(["skopeo", "--version"]).replace("skopeo version ", "")
    registry_v = cmd(["docker-registry", "--version"]).split()
    return (
        f"python {platform.python_version()}, regview {version('regview')}, "
        f"httpx {version('httpx')}, skopeo {skopeo}, python-dxf {version('python-dxf')}, "
        f"oras-py {version('oras')}, docker-registry {registry_v[-1] if registry_v else '?'}"
    )


def tui_figures(args: argparse.Namespace, proxy_host: str, image_tags: list[str]) -> list[str]:
    lines = []
    argv = [PY, str(HERE / "tui_bench.py"), "--quick"]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    lines.append("$ python benchmarks/tui_bench.py --quick")
    lines += (proc.stdout + proc.stderr[-2000:]).rstrip().splitlines()
    n = 20_000 if args.quick else 100_000
    argv = [
        PY,
        str(HERE / "tui_tags.py"),
        "--tags",
        str(n),
        "--rtt-ms",
        str(args.rtt_ms),
        "--host",
        proxy_host,
        "--repo",
        content.IMAGES_REPO,
        "--image-tags",
        ",".join(image_tags),
    ]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    lines.append(
        f"$ python benchmarks/tui_tags.py --tags {n} (tag list faked, images real,"
        f" through the {args.rtt_ms:g} ms proxy)"
    )
    lines += (proc.stdout + proc.stderr[-2000:]).rstrip().splitlines()
    return lines


def _median(row: Row | None) -> float:
    return (row.median or 0.0) if row is not None else 0.0


def targets(
    bench: Bench, rtt: float, start: list[tuple[str, float, str]], t: dict[str, list[float]]
) -> list[Target]:
    def med(key: str) -> float:
        return statistics.median(t[key])

    def get(op: str, r: float, cache: str, tool: str) -> Row | None:
        return next(
            (
                x
                for x in bench.rows
                if (x.op, x.rtt_ms, x.cache, x.tool) == (op, int(r), cache, tool) and x.seconds
            ),
            None,
        )

    out: list[Target] = []
    rtt_s = rtt / 1000
    t = {k: v for k, v in t.items() if v}
    runs = len(t.get("cli cold", []))
    a_runs = len(t.get("api first", []))
    if runs:
        from regview.registry.settings import Settings

        conns = Settings().concurrency
        waves = math.ceil(2 * len(bench.pushed.image_tags) / conns) + 1
        out.append(
            Target(
                f"(c) cold <= 1.0 s at {rtt:g} ms RTT: regview inspect CLI, "
                f"{len(bench.pushed.image_tags)} refs, "
                f"process included (median of {runs})",
                med("cli cold") <= 1.0,
                f"CLI {med('cli cold'):.3f} s (runs: "
                + ", ".join(f"{x:.2f}" for x in t["cli cold"])
                + f"); API {med('api cold'):.3f} s; python-dxf sequential "
                + f"{_median(get('c', rtt, 'cold', 'python-dxf')):.1f} s; network floor with the "
                f"default {conns} connections: {waves * rtt:.0f} ms (requests in waves of {conns}, "
                "+ 1 handshake)",
            )
        )
    warm = [get("c", r, "warm", tool) for r in (0, rtt) for tool in ("regview CLI", "regview API")]
    warm_reqs = [max(w.requests) for w in warm if w is not None] + [
        int(x) for x in t.get("cli warm requests", [])
    ]
    if warm_reqs:
        out.append(
            Target(
                "(c) warm: 0 requests (CLI and API, every warm run)",
                max(warm_reqs) == 0,
                f"most requests in a warm run: {max(warm_reqs)}"
                + (f"; CLI warm {med('cli warm'):.3f} s" if runs else ""),
            )
        )
    if a_runs:
        api_first, raw, dxf_first = med("api first"), med("raw first"), med("dxf first")
        row = get("a", rtt, "cold", "regview API")
        reqs = row.median_requests if row else None
        out.append(
            Target(
                "(a) first page after one round trip: regview API's first page costs no more than "
                "one GET on a new connection (+ RTT/2 slack)",
                api_first <= raw + rtt_s / 2,
                f"regview {api_first * 1000:.0f} ms, one raw GET on a new connection "
                f"{raw * 1000:.0f} ms (= {rtt:g} ms handshake + {rtt:g} ms + server), "
                f"python-dxf {dxf_first * 1000:.0f} ms; {reqs} requests for all pages "
                "(no /v2/ ping)",
            )
        )
        api_total, dxf_total = med("api total"), med("dxf total")
        out.append(
            Target(
                f"(a) all {len(bench.pushed.all_repos):,} in no more time than a sequential client "
                "(python-dxf, n=1000; "
                "+5% for noise)",
                api_total <= dxf_total * 1.05,
                f"regview API {api_total:.3f} s, python-dxf {dxf_total:.3f} s "
                f"(medians of {a_runs}, alternated)",
            )
        )
    for label, median, spread in start:
        out.append(
            Target(
                f"start-up <= 0.3 s: {label}",
                median <= 0.3,
                f"median of 10: {median:.3f} s ({spread})",
            )
        )
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smaller content, for a smoke run")
    p.add_argument("--only", default="a,b,c", help="operations to run: a,b,c")
    p.add_argument("--rtt-ms", type=float, default=50.0)
    p.add_argument("--repeat", type=int, default=1, help="runs of each row (median shown)")
    p.add_argument(
        "--skopeo-tags",
        type=int,
        default=20,
        help="tags skopeo inspects for (c), scaled to all (default 20)",
    )
    p.add_argument(
        "--target-runs",
        type=int,
        default=3,
        help="alternated runs behind each target line (median; 0 to skip)",
    )
    p.add_argument("--no-tui", action="store_true", help="skip the TUI figures")
    p.add_argument("--no-tls", action="store_true", help="skip (c) over TLS")
    p.add_argument(
        "--proxy-port",
        type=int,
        default=tls_run.DEFAULT_PROXY_PORT,
        help="port of the latency proxy; the TLS run uses the next two (default 15050)",
    )
    p.add_argument("--out", type=Path, help="also write the report to this file")
    args = p.parse_args()
    only = [x.strip() for x in args.only.split(",") if x.strip()]
    if any(x not in OPS for x in only):
        p.error("--only takes a, b and c")
    peers.use_isolated_home_in_process()
    sizes = content.Sizes.quick() if args.quick else content.Sizes()
    report: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        report.append(line)

    say(
        f"regview benchmark — {time.strftime('%Y-%m-%d %H:%M:%S')} — {os.cpu_count()} CPUs, "
        f"load {load()}"
    )
    say(versions())
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="regview-bench-") as tmp, registry(Path(tmp)) as reg:
        t = time.perf_counter()
        pushed = content.publish(reg.url, reg.host, sizes)
        say(
            f"content: {len(pushed.all_repos):,} repositories, {len(pushed.tag_names):,} tags in "
            f"{content.TAGS_REPO}, {len(pushed.images)} images in {content.IMAGES_REPO}; pushed in "
            f"{time.perf_counter() - t:.1f} s ("
            + ", ".join(f"{k} {v:.1f} s" for k, v in pushed.timings.items())
            + ")"
        )
        bench = Bench(args, reg, pushed)
        with LatencyProxy(reg.host, args.rtt_ms, port=args.proxy_port) as proxy:
            # The proxy itself: curl of /v2/ on a new connection (~2 RTT) and a reused one.
            curl = subprocess.run(
                [
                    "curl",
                    "-s",
                    "-o",
                    "/dev/null",
                    "-o",
                    "/dev/null",
                    "-w",
                    "%{time_total} ",
                    f"http://{proxy.host}/v2/",
                    f"http://{proxy.host}/v2/",
                ],
                capture_output=True,
                text=True,
                timeout=30,
            ).stdout.split()
            if len(curl) == 2:
                say(
                    f"latency proxy at {args.rtt_ms:g} ms RTT: curl /v2/ new connection "
                    f"{float(curl[0]) * 1000:.0f} ms, reused connection "
                    f"{float(curl[1]) * 1000:.0f} ms"
                )
            for rtt, host in ((0.0, reg.host), (args.rtt_ms, proxy.host)):
                for op in only:
                    print(
                        f"... {OPS[op]} at {rtt:g} ms (load {load()})", file=sys.stderr, flush=True
                    )
                    {"a": bench.op_catalog, "b": bench.op_tags, "c": bench.op_inspect}[op](
                        host, rtt
                    )
            say()
            say(
                table(
                    bench.rows,
                    {
                        "a": f"{len(pushed.all_repos):,}",
                        "b": f"{len(pushed.tag_names):,}",
                        "c": f"{len(pushed.image_tags)} tags",
                    },
                )
            )
            say()
            say(
                "seconds: wall clock, median of --repeat runs; first: time to the first page "
                "(API) or first line (CLI); reqs: requests in the registry's access log for "
                "that operation alone; API/peer and CLI/peer: regview's seconds / the peer's "
                "(below 1 = regview faster). Warm: regview on the cache the cold run left (a new "
                "process or client); peers have no cache."
            )
            start = startup_times()
            measured: dict[str, list[float]] = {}
            if args.target_runs:
                print(f"... target runs (load {load()})", file=sys.stderr, flush=True)
                measured = target_runs(bench, proxy.host, args.rtt_ms, args.target_runs, set(only))
            say()
            say(f"targets (at {args.rtt_ms:g} ms RTT; load {load()}):")
            for target in targets(bench, args.rtt_ms, start, measured):
                say(target.line())
            say(f"  {imports_on_cli_path()}")
            if "c" in only and not args.no_tls:
                print(f"... (c) over TLS (load {load()})", file=sys.stderr, flush=True)
                say()
                with tls_run.tls_twin(reg, Path(tmp) / "tls") as tls:
                    for line in tls_run.measure(
                        reg,
                        tls,
                        pushed.image_tags,
                        args.rtt_ms,
                        max(1, args.target_runs),
                        args.proxy_port + 1,
                    ):
                        say(line)
            if not args.no_tui:
                say()
                say("TUI:")
                for line in tui_figures(args, proxy.host, pushed.image_tags):
                    say(f"  {line}")
        say()
        say(f"proxy: {proxy.stats}")
        say(f"finished in {time.perf_counter() - started:.0f} s; load now {load()}")
        with open(Path(tmp) / "detail.log", "w") as f:
            f.write("\n".join(bench.log))
        print("\nper-run detail:", file=sys.stderr)
        for line in bench.log:
            print(f"  {line}", file=sys.stderr)
    if args.out:
        args.out.write_text("\n".join(report) + "\n")
    shutil.rmtree(bench.work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
