"""``regview cat`` on zstd:chunked layers reads the file's frames alone, by Range GETs.

Two layers of the same GNU tar, pushed to the real registry with skopeo:

* one written here as containers/storage's ``pkg/chunked`` writes it today (each file's
  data in frames of its own, ``io.github.containers.zstd-chunked.*`` annotations, the
  72-byte footer): :func:`~tests.support.layer_builders.zstd_chunked_files`;
* one written by Debian's skopeo itself (``--dest-compress-format zstd:chunked``), which
  writes the first version of the format (``io.containers.zstd-chunked.*`` annotations,
  a 48-byte footer, no tar-split).

The expected bytes are the files the test wrote; what was fetched comes from the
registry's access log: 206 answers only (no 200, which would be the whole blob), and
fewer bytes than the blob holds.
"""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path

import pytest

from regview.registry import media_types as mt
from tests.support.cli import Regview
from tests.support.layer_builders import Layer, write_image, zstd_chunked_files
from tests.support.publish import SKOPEO, run_parallel, skopeo_copy_args, skopeo_env
from tests.support.registry import AccessLogEntry, RegistryServer

pytestmark = pytest.mark.integration

MiB = 1024 * 1024

FILES = {
    "opt/first.txt": b"first\n",
    "opt/noise.bin": random.Random(21).randbytes(3 * MiB),
    "opt/words.txt": b"".join(b"line %d of the words\n" % i for i in range(60_000)),
    "opt/zz-last.txt": b"the last file\n" * 500,
}


# One-block records (``-b1``): skopeo's zstd:chunked writer drops the zeros that pad the
# tar to GNU tar's default 10 KiB record and does not update the config's diff_id, which
# would leave the image inconsistent.
_TAR = ("tar", "-b1", "--sort=name", "--mtime=@1700000000", "--owner=0", "--group=0")
_TO_ZSTD_CHUNKED = (
    SKOPEO,
    "--insecure-policy",
    "copy",
    "--dest-compress",
    "--dest-compress-format",
    "zstd:chunked",
)


def _gnu_tar(work: Path) -> bytes:
    root = work / "root"
    for name, data in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    tar = work / "layer.tar"
    subprocess.run(
        [*_TAR, "-C", str(root), "-cf", str(tar), *FILES],
        check=True,
    )
    return tar.read_bytes()


def _layer_of(layout: Path) -> dict[str, object]:
    index = json.loads((layout / "index.json").read_text())
    digest = index["manifests"][0]["digest"].removeprefix("sha256:")
    manifest = json.loads((layout / "blobs" / "sha256" / digest).read_bytes())
    (layer,) = manifest["layers"]
    assert isinstance(layer, dict)
    return layer


@pytest.fixture(scope="module")
def chunked(registry: RegistryServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:
    """Repository name -> size of its one zstd:chunked layer."""
    work = tmp_path_factory.mktemp("zstd-chunked")
    tar = _gnu_tar(work)
    blob, annotations = zstd_chunked_files(tar, chunk_size=MiB)
    ours = write_image(
        work / "ours", [Layer(blob, media_type=mt.OCI_LAYER_ZSTD, annotations=annotations)]
    )
    plain = write_image(work / "plain", [Layer(tar, media_type=mt.OCI_LAYER)])
    subprocess.run(
        [*_TO_ZSTD_CHUNKED, f"oci:{plain}:latest", f"oci:{work}/v1"],
        check=True,
        capture_output=True,
        env=skopeo_env(),
    )
    v1 = _layer_of(work / "v1")
    assert v1["mediaType"] == mt.OCI_LAYER_ZSTD
    assert "io.containers.zstd-chunked.manifest-position" in v1["annotations"]  # type: ignore[operator]
    run_parallel(
        [
            skopeo_copy_args(f"oci:{ours}:latest", registry.ref("chunked/current", "latest")),
            skopeo_copy_args(f"oci:{work}/v1", registry.ref("chunked/skopeo", "latest")),
        ]
    )
    size = v1["size"]
    assert isinstance(size, int)
    return {"chunked/current": len(blob), "chunked/skopeo": size}


def _layer_reads(entries: list[AccessLogEntry]) -> list[AccessLogEntry]:
    """Blob GETs but the config's (a few hundred bytes, answered 200)."""
    blobs = [e for e in entries if e.method == "GET" and "/blobs/sha256:" in e.path]
    return [e for e in blobs if e.status == 206 or (e.sent or 0) > 2000]


@pytest.mark.parametrize("repository", ["chunked/current", "chunked/skopeo"])
def test_a_file_of_a_zstd_chunked_layer_is_read_by_ranges_only(
    regview: Regview, registry: RegistryServer, chunked: dict[str, int], repository: str
) -> None:
    ref = registry.ref(repository, "latest")
    for name in ("opt/words.txt", "opt/noise.bin", "opt/first.txt", "opt/zz-last.txt"):
        with registry.recording() as reqs:
            out = regview("cat", ref, "/" + name).ok()
        assert out.stdout == FILES[name], name
        reads = _layer_reads(reqs)
        # The TOC (and, the first time, the footer or tar-split), then the file's frames.
        assert reads and all(e.status == 206 for e in reads), [str(e) for e in reads]
        # The file's frames and the small metadata: for every file but the noise (which
        # does not compress: it is most of the blob), a small part of the blob.
        sent = sum(e.sent or 0 for e in reads)
        assert sent < len(FILES[name]) + 100_000, (name, sent, chunked[repository])
