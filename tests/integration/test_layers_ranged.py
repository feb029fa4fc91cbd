"""``regview cat`` after a layer was read whole: one Range GET, against the real registry.

The layer is written by GNU tar and GNU gzip; the expected bytes are the files the test
wrote. Requests and the bytes sent are counted from the registry's own access log. A
small reverse proxy in front of the registry that drops the ``Range`` header plays a
registry that ignores ranges (the real one always honours them).
"""

from __future__ import annotations

import http.client
import http.server
import random
import subprocess
from collections.abc import Iterator

import pytest

from tests.support.cli import Regview
from tests.support.layer_builders import Layer, estargz_chunked, write_image
from tests.support.publish import run_parallel, skopeo_copy_args
from tests.support.registry import AccessLogEntry, RegistryServer
from tests.support.serving import serving

pytestmark = pytest.mark.integration

MiB = 1024 * 1024


def _text(n: int, seed: int) -> bytes:
    rng = random.Random(seed)
    words = [bytes(rng.choices(b"abcdefghijklmnop", k=rng.randint(2, 8))) for _ in range(300)]
    out = bytearray()
    while len(out) < n:
        out += b" ".join(rng.choices(words, k=16)) + b"\n"
    return bytes(out[:n])


FILES = {
    "opt/first.txt": b"first\n",
    "opt/noise-1.bin": random.Random(11).randbytes(6 * MiB),
    "opt/middle.txt": _text(2 * MiB, 12),
    "opt/noise-2.bin": random.Random(13).randbytes(6 * MiB),
    "opt/zz-last.txt": _text(100_000, 14),
}


@pytest.fixture(scope="module")
def big_layer(registry: RegistryServer, tmp_path_factory: pytest.TempPathFactory) -> str:
    work = tmp_path_factory.mktemp("ranged")
    root = work / "root"
    for name, data in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    tar = work / "layer.tar"
    subprocess.run(
        [
            "tar",
            "--sort=name",
            "--mtime=@1700000000",
            "--owner=0",
            "--group=0",
            "-C",
            str(root),
            "-cf",
            str(tar),
            *FILES,
        ],
        check=True,
    )
    subprocess.run(["gzip", "-n", "-k", "-f", str(tar)], check=True)
    blob = (work / "layer.tar.gz").read_bytes()
    image = write_image(work / "img", [Layer(blob)])
    stargz, annotations = estargz_chunked(tar.read_bytes(), chunk_size=MiB)
    lazy = write_image(work / "lazy", [Layer(stargz, annotations=annotations)])
    run_parallel(
        [
            skopeo_copy_args(f"oci:{image}:latest", registry.ref("ranged/big", "latest")),
            skopeo_copy_args(f"oci:{lazy}:latest", registry.ref("ranged/estargz", "latest")),
        ]
    )
    return registry.ref("ranged/big", "latest")


def blob_gets(entries: list[AccessLogEntry]) -> list[AccessLogEntry]:
    return [e for e in entries if e.method == "GET" and "/blobs/sha256:" in e.path]


def layer_gets(entries: list[AccessLogEntry]) -> list[AccessLogEntry]:
    """The reads of the big layer (the config is a few hundred bytes)."""
    return [e for e in blob_gets(entries) if (e.sent or 0) > 1000 or e.status == 206]


def test_the_first_cat_reads_the_layer_whole_then_every_cat_is_one_bounded_range(
    regview: Regview, registry: RegistryServer, big_layer: str
) -> None:
    with registry.recording() as first:
        out = regview("cat", big_layer, "/opt/zz-last.txt").ok()
    assert out.stdout == FILES["opt/zz-last.txt"]
    # Indexed first (the whole layer, verified, its TOC and checkpoints kept), then the
    # file is one range of it.
    whole, ranged = layer_gets(first)
    assert whole.status == 200 and (whole.sent or 0) > 12 * MiB
    assert ranged.status == 206 and (ranged.sent or 0) <= 8 * MiB + len(FILES["opt/zz-last.txt"])

    for name in ("opt/zz-last.txt", "opt/middle.txt", "opt/first.txt"):
        with registry.recording() as again:
            out = regview("cat", big_layer, "/" + name).ok()
        assert out.stdout == FILES[name], name
        (ranged,) = layer_gets(again)
        assert ranged.status == 206, name
        assert ranged.sent is not None and ranged.sent <= 8 * MiB + len(FILES[name]), name


def test_cat_uses_the_toc_that_files_cached(
    regview: Regview, registry: RegistryServer, big_layer: str
) -> None:
    regview("files", big_layer, "--json").ok()
    with registry.recording() as reqs:
        out = regview("cat", big_layer, "/opt/middle.txt").ok()
    assert out.stdout == FILES["opt/middle.txt"]
    (ranged,) = layer_gets(reqs)
    assert ranged.status == 206 and ranged.sent is not None and ranged.sent < 8 * MiB + 2 * MiB


class _RangeDroppingProxy(http.server.BaseHTTPRequestHandler):
    """Forwards GET/HEAD to the registry without a Range header: the answer is 200."""

    target: tuple[str, int] = ("127.0.0.1", 0)
    ranges_dropped = 0
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        return

    def _forward(self, method: str) -> None:
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("range", "host")}
        if "Range" in self.headers:
            _RangeDroppingProxy.ranges_dropped += 1
        conn = http.client.HTTPConnection(*self.target, timeout=30)
        conn.request(method, self.path, headers=headers)
        response = conn.getresponse()
        self.send_response(response.status)
        for k, v in response.getheaders():
            if k.lower() not in ("connection", "transfer-encoding"):
                self.send_header(k, v)
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            while chunk := response.read(256 * 1024):
                if method != "HEAD":
                    self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading: what a streaming reader may do
        finally:
            conn.close()
        self.close_connection = True

    def do_GET(self) -> None:
        self._forward("GET")

    def do_HEAD(self) -> None:
        self._forward("HEAD")


@pytest.fixture
def range_ignoring(registry: RegistryServer) -> Iterator[str]:
    host, _, port = registry.host.partition(":")
    _RangeDroppingProxy.target = (host, int(port))
    handler = _RangeDroppingProxy
    with serving(http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)) as host:
        yield host


def test_a_registry_that_ignores_range_gets_streaming(
    regview: Regview, registry: RegistryServer, big_layer: str, range_ignoring: str
) -> None:
    ref = big_layer.replace(registry.host, range_ignoring)
    regview("files", ref, "--json").ok()  # indexed: the next cat would be a Range GET
    dropped = _RangeDroppingProxy.ranges_dropped
    with registry.recording() as reqs:
        out = regview("cat", ref, "/opt/middle.txt").ok()
    assert out.stdout == FILES["opt/middle.txt"]
    assert _RangeDroppingProxy.ranges_dropped == dropped + 1  # regview did ask for a range
    # The answer to it was 200 (the whole blob): regview left it, and streamed the layer.
    assert [e.status for e in layer_gets(reqs)] == [200, 200]


def test_a_damaged_cache_is_refused_in_one_line_then_read_anew(
    regview: Regview, registry: RegistryServer, big_layer: str
) -> None:
    regview("files", big_layer, "--json").ok()
    (ckpt,) = regview.cache_dir.rglob("*.ckpt")
    data = bytearray(ckpt.read_bytes())
    data[len(data) // 2] ^= 0x40
    ckpt.write_bytes(bytes(data))
    failed = regview("cat", big_layer, "/opt/middle.txt").failed()  # one line, no traceback
    assert "checkpoints" in failed.stderr and "run the command again" in failed.stderr
    assert not ckpt.exists()
    with registry.recording() as reqs:
        out = regview("cat", big_layer, "/opt/middle.txt").ok()
    assert out.stdout == FILES["opt/middle.txt"]
    assert [e.status for e in layer_gets(reqs)] == [200, 206]  # indexed anew, then a range


def test_an_estargz_file_is_read_by_ranges_from_the_first_cat(
    regview: Regview, registry: RegistryServer, big_layer: str
) -> None:
    ref = registry.ref("ranged/estargz", "latest")
    with registry.recording() as reqs:
        out = regview("cat", ref, "/opt/middle.txt").ok()
    assert out.stdout == FILES["opt/middle.txt"]
    reads = layer_gets(reqs)
    # The footer, the TOC, then the file's chunks: ranges only, never the whole blob.
    assert reads and all(e.status == 206 for e in reads), [str(e) for e in reads]
    assert sum(e.sent or 0 for e in reads) < len(FILES["opt/middle.txt"]) + MiB
