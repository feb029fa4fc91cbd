"""(c) cold over TLS (HTTP/2) and over plain http, at RTT, each against its floor.

    python benchmarks/tls_run.py [--rtt-ms 50] [--runs 5] [--images 100]

Starts Debian's ``docker-registry`` with ``--images`` small images (or, from
``benchmarks/run``, uses the one it started), a second ``docker-registry`` on the same
storage serving TLS with a throwaway certificate, and a latency proxy in front of each on
fixed ports (``--proxy-port`` and the next one: regview's cache is keyed by host:port).
Then it times ``regview inspect --json`` of every image (manifest + config each) cold,
process included, ``--runs`` times each, alternating plain and TLS.

Two TLS rows: "TLS, HTTP/2" addresses the loopback registry as a user would, so regview
first tries it over plain http and switches to https (a connection and a request: 2
round trips that a remote TLS registry never pays); "TLS, HTTP/2, https known" says
the host is https with ``$REGVIEW_ENDPOINTS`` (``HOST=https://HOST``), so nothing is
probed. Both have the same floor.

Each cold run is followed by a warm one (the same command on the cache it left, no
request): what regview costs besides the network. The floor of each is what no client
can beat on one connection per request (plain) or one HTTP/2 connection (TLS): process
start-up (``python -m regview --version``) plus the round trips — the proxy's
connection handshake, TLS 1.3 (TLS only), the manifests, the configs.

The floor leaves out CPU: the registry's own (measured per cold run from /proc, about
2 ms a request for Debian's ``docker-registry`` on this machine) shares the cores with
the client. So each row also has a reference: one ``curl --parallel`` process fetching
all the manifests and configs at once (over one HTTP/2 connection for https), given the
config URLs up front, plus the one round trip that saves it. No client does better on
this machine; if that reference is above 1.5x the floor, so is every client.

CPU: the same runs without the proxy, cold then warm, as user + system seconds of the
regview process; (cold - warm) / requests is the CPU each request costs (HTTP/2 through
h2 + hpack + httpcore + anyio, against our HTTP/1.1 pool on h11).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import content  # noqa: E402
import peers  # noqa: E402
from infra import LatencyProxy, RegistryServer, cpu_seconds, load, registry  # noqa: E402
from tests.support.tls import make_certificate  # noqa: E402

PY = sys.executable
DEFAULT_PROXY_PORT = 15050
#: Round trips on the floor: (connection handshake, TLS 1.3, manifests, configs).
#: What ``curl_reference`` accepts for the manifests (the images are OCI manifests).
ACCEPT = "application/vnd.oci.image.manifest.v1+json"
FLOOR_TRIPS = {"plain http": 3, "TLS, HTTP/2": 4, "TLS, HTTP/2, https known": 4}


@dataclass
class Run:
    label: str
    flags: list[str]
    #: The registry is named as https in ``$REGVIEW_ENDPOINTS``: no plain-http probe.
    https_known: bool = False
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    cpu_direct: list[float] = field(default_factory=list)
    cpu_direct_warm: list[float] = field(default_factory=list)
    requests: list[int] = field(default_factory=list)
    warm: list[float] = field(default_factory=list)
    warm_requests: list[int] = field(default_factory=list)
    #: CPU seconds the registry (and the latency proxy) spent on each cold run.
    server_cpu: list[float] = field(default_factory=list)
    proxy_cpu: list[float] = field(default_factory=list)


@contextlib.contextmanager
def tls_twin(plain: RegistryServer, workdir: Path) -> Iterator[RegistryServer]:
    """A TLS ``docker-registry`` serving the storage ``plain`` serves."""
    workdir.mkdir(parents=True, exist_ok=True)
    server = RegistryServer(
        workdir,
        name="bench-registry-tls",
        tls=make_certificate(workdir),
        storage_in_memory=False,
    )
    server.storage = plain.storage
    server.start()
    try:
        yield server
    finally:
        server.cleanup()


def inspect_once(
    host: str, refs_of: list[str], flags: list[str], cache_dir: Path, https_known: bool = False
) -> tuple[float, float, list[str]]:
    """One ``regview inspect --json``: (wall seconds, CPU seconds of the process, the
    documents it printed)."""
    refs = [f"{host}/{content.IMAGES_REPO}:{t}" for t in refs_of]
    env = peers.isolated_env()
    if https_known:
        env["REGVIEW_ENDPOINTS"] = f"{host}=https://{host}"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(
        [PY, "-m", "regview", *flags, "inspect", "--json", *refs, "--cache-dir", str(cache_dir)],
        capture_output=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"regview inspect: {proc.stderr.decode(errors='replace')[-2000:]}")
    lines = proc.stdout.decode().splitlines()
    if len(lines) != len(refs):
        raise AssertionError(f"regview inspect printed {len(lines)} lines for {len(refs)} refs")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu, lines


def curl_reference(host: str, scheme: str, urls: list[str], runs: int) -> list[float] | None:
    """Wall seconds of one ``curl --parallel`` process fetching every URL at once.

    A lower bound that includes what the floor leaves out (the registry's own CPU on
    this machine's cores): curl is given the config URLs up front, which no client can
    know before the manifests arrive, so it skips a round trip; over https it
    multiplexes all of them on one HTTP/2 connection. None when curl is not installed.
    """
    curl = shutil.which("curl")
    if curl is None:
        return None
    config = "".join(f'url = "{scheme}://{host}{path}"\noutput = "/dev/null"\n' for path in urls)
    flags = ["--http2"] if scheme == "https" else []
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [
                curl,
                "-sSk",
                *flags,
                "--parallel",
                "--parallel-max",
                str(len(urls)),
                "--fail",
                "-H",
                f"Accept: {ACCEPT}",
                "-K",
                "-",
            ],
            input=config.encode(),
            check=True,
            capture_output=True,
            timeout=120,
        )
        seconds.append(time.perf_counter() - started)
    return seconds


def reference_paths(documents: list[str]) -> list[str]:
    """The manifest and config paths of the images ``regview inspect --json`` printed."""
    paths = []
    for line in documents:
        doc = json.loads(line)
        name, tag = doc["reference"].split("/", 1)[1].rsplit(":", 1)
        paths.append(f"/v2/{name}/manifests/{tag}")
        paths.append(f"/v2/{name}/blobs/{doc['config']['digest']}")
    return paths


def startup() -> float:
    times = []
    for _ in range(7):
        t = time.perf_counter()
        subprocess.run([PY, "-m", "regview", "--version"], check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def measure(
    plain: RegistryServer,
    tls: RegistryServer,
    image_tags: list[str],
    rtt_ms: float,
    runs: int,
    proxy_port: int,
) -> list[str]:
    """The report lines for plain http and TLS at ``rtt_ms``."""
    work = Path(tempfile.mkdtemp(prefix="regview-bench-tls-"))
    rows = [
        Run("plain http", []),
        Run("TLS, HTTP/2", ["--insecure"]),
        Run("TLS, HTTP/2, https known", ["--insecure"], https_known=True),
    ]
    targets = {row.label: plain if row.label == "plain http" else tls for row in rows}
    try:
        start = startup()
        with (
            LatencyProxy(plain.host, rtt_ms, port=proxy_port) as plain_proxy,
            LatencyProxy(tls.host, rtt_ms, port=proxy_port + 1) as tls_proxy,
        ):
            proxies = {
                row.label: plain_proxy if row.label == "plain http" else tls_proxy for row in rows
            }
            for i in range(runs):
                for row in rows:
                    server = targets[row.label]
                    cache_dir = work / f"{row.label}-{i}"
                    host = proxies[row.label].host
                    mark = server.mark()
                    server_before = cpu_seconds(server.pid)
                    proxy_before = cpu_seconds(proxies[row.label].pid)
                    seconds, cpu, documents = inspect_once(
                        host, image_tags, row.flags, cache_dir, row.https_known
                    )
                    row.server_cpu.append(cpu_seconds(server.pid) - server_before)
                    row.proxy_cpu.append(cpu_seconds(proxies[row.label].pid) - proxy_before)
                    row.requests.append(len(server.requests_since(mark)))
                    row.seconds.append(seconds)
                    row.cpu.append(cpu)
                    paths = reference_paths(documents)
                    # The same again on the cache it left: no request, all the rest.
                    mark = server.mark()
                    seconds, _cpu, _ = inspect_once(
                        host, image_tags, row.flags, cache_dir, row.https_known
                    )
                    row.warm_requests.append(len(server.requests_since(mark)))
                    row.warm.append(seconds)
            references = {
                "plain http": curl_reference(plain_proxy.host, "http", paths, runs),
                "https": curl_reference(tls_proxy.host, "https", paths, runs),
            }
        for i in range(runs):
            for row in rows:
                cache_dir = work / f"direct-{row.label}-{i}"
                host = targets[row.label].host
                _, cpu, _ = inspect_once(host, image_tags, row.flags, cache_dir, row.https_known)
                row.cpu_direct.append(cpu)
                _, cpu, _ = inspect_once(host, image_tags, row.flags, cache_dir, row.https_known)
                row.cpu_direct_warm.append(cpu)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    n = len(image_tags)
    out = [
        f"(c) {n} x (manifest + config), cold, regview inspect CLI at {rtt_ms:g} ms RTT "
        f"(median of {runs}; proxies on fixed ports {proxy_port}, {proxy_port + 1}; "
        f"load {load()}):"
    ]
    for proxy in dict.fromkeys(proxies.values()):
        # Cold runs only open connections: a warm run sends nothing.
        labels = " + ".join(label for label, p in proxies.items() if p is proxy)
        out.append(f"  {labels} latency proxy over {runs} cold runs each: {proxy.stats}")
    for row in rows:
        trips = FLOOR_TRIPS[row.label]
        floor = start + trips * rtt_ms / 1000
        median = statistics.median(row.seconds)
        cpu_cold = statistics.median(row.cpu_direct)
        cpu_warm = statistics.median(row.cpu_direct_warm)
        cpu_req = (cpu_cold - cpu_warm) / (2 * n) * 1000
        out.append(
            f"  {row.label:<12} {median:6.3f} s  floor {floor:.3f} s "
            f"(start-up {start:.3f} s + {trips} x {rtt_ms:g} ms)  = {median / floor:.2f}x floor "
            f"{'(<= 1.5x: PASS)' if median <= 1.5 * floor else '(> 1.5x: MISS)'}; "
            f"runs "
            + ", ".join(f"{x:.2f}" for x in row.seconds)
            + f"; {statistics.median(row.requests):.0f} requests logged; "
            f"(cold - warm) / RTT = {(median - statistics.median(row.warm)) * 1000 / rtt_ms:.1f} "
            "round trips (the floor has "
            f"{trips}; a large --rtt-ms makes this figure robust to CPU load)"
        )
        reference = references["plain http" if row.label == "plain http" else "https"]
        server_cpu = statistics.median(row.server_cpu)
        out.append(
            f"  {'':<12} the registry's CPU per cold run: {server_cpu:.3f} s "
            f"({server_cpu / (2 * n) * 1000:.2f} ms per request), the latency proxy's "
            f"{statistics.median(row.proxy_cpu):.3f} s: the floor leaves both out"
        )
        if reference is None:
            out.append(f"  {'':<12} reference: curl is not installed")
        else:
            best = statistics.median(reference) + rtt_ms / 1000
            out.append(
                f"  {'':<12} reference: curl --parallel with all {2 * n} URLs known up front "
                f"{statistics.median(reference):.3f} s (runs "
                + ", ".join(f"{x:.2f}" for x in reference)
                + f") + 1 x {rtt_ms:g} ms for the config that follows each manifest = "
                f"{best:.3f} s ({best / floor:.2f}x floor); regview = {median / best:.2f}x that"
            )
        out.append(
            f"  {'':<12} CPU at 0 ms: cold {cpu_cold:.3f} s, warm {cpu_warm:.3f} s: "
            f"{cpu_req:.2f} ms per request (the difference / {2 * n}); "
            f"at {rtt_ms:g} ms: {statistics.median(row.cpu):.3f} s; warm (same command on "
            f"the cache it left, {max(row.warm_requests)} requests): "
            f"{statistics.median(row.warm):.3f} s"
        )
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rtt-ms", type=float, default=50.0)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--images", type=int, default=100)
    p.add_argument("--proxy-port", type=int, default=DEFAULT_PROXY_PORT)
    args = p.parse_args()
    peers.use_isolated_home_in_process()
    sizes = content.Sizes(images=args.images, tags=2, catalog=2)
    print(f"regview TLS benchmark — {os.cpu_count()} CPUs, load {load()}", flush=True)
    with (
        tempfile.TemporaryDirectory(prefix="regview-bench-") as tmp,
        registry(Path(tmp) / "plain") as plain,
    ):
        pushed = content.publish(plain.url, plain.host, sizes)
        with tls_twin(plain, Path(tmp) / "tls") as tls:
            for line in measure(
                plain, tls, pushed.image_tags, args.rtt_ms, args.runs, args.proxy_port
            ):
                print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
