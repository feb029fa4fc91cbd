"""``regview files`` and ``regview cat`` against the real registry.

Layers with known contents (whiteouts, opaque directories, hard and symbolic links,
devices, PAX long names, non-UTF-8 names, a zstd layer, an eStargz layer, a zstd:chunked
layer) are built by the tests, pushed unchanged with ``skopeo copy --preserve-digests``,
then listed by regview; sizes are compared with ``tar -tv`` on the very blobs the
registry serves. Layer numbers are 1-based (1 is the bottom layer), as in the explorer;
an image whose config's ``rootfs.diff_ids`` does not match a layer is refused.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from regview.registry import media_types as mt
from tests.support.cli import Regview
from tests.support.layer_builders import (
    Layer,
    estargz,
    gz,
    sample_tar,
    tar_tv,
    write_image,
    zst,
    zstd_chunked,
)
from tests.support.publish import run_parallel, skopeo_copy_args
from tests.support.registry import RegistryServer
from tests.unit.test_layers_diff_ids import three_layers, wrong_at
from tests.unit.test_layers_merge import BASE, UPPER

pytestmark = pytest.mark.integration

PLATFORMS = ("linux/amd64", "linux/arm64")


@pytest.fixture(scope="module")
def layered(registry: RegistryServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Push the test images; returns repository -> reference."""
    work = tmp_path_factory.mktemp("layers")
    blob, estargz_annotations = estargz(sample_tar())
    chunked, chunked_annotations = zstd_chunked(sample_tar())
    images = {
        "layers/multi": write_image(
            work / "multi",
            [Layer(gz(BASE)), Layer(zst(UPPER), mt.OCI_LAYER_ZSTD), Layer(gz(sample_tar()))],
            platforms=PLATFORMS,
        ),
        "layers/estargz": write_image(
            work / "estargz", [Layer(blob, annotations=estargz_annotations)]
        ),
        "layers/chunked": write_image(
            work / "chunked", [Layer(chunked, mt.OCI_LAYER_ZSTD, chunked_annotations)]
        ),
        "layers/wrong-diff-id": write_image(
            work / "wrong-diff-id", three_layers(), diff_ids=wrong_at(1)
        ),
    }
    run_parallel(
        [
            skopeo_copy_args(f"oci:{path}:latest", registry.ref(repo, "latest"))
            for repo, path in images.items()
        ]
    )
    return {repo: registry.ref(repo, "latest") for repo in images}


def served_layers(registry: RegistryServer, repo: str, platform: str | None) -> list[bytes]:
    """The layer blobs exactly as the registry serves them."""

    def get(path: str, accept: str = "") -> bytes:
        request = urllib.request.Request(f"{registry.url}/v2/{repo}/{path}")
        if accept:
            request.add_header("Accept", accept)
        with urllib.request.urlopen(request, timeout=30) as response:
            data: bytes = response.read()
            return data

    accept = ",".join((mt.OCI_INDEX, mt.OCI_MANIFEST))
    manifest = json.loads(get("manifests/latest", accept))
    if "manifests" in manifest:
        digest = next(
            m["digest"]
            for m in manifest["manifests"]
            if f"{m['platform']['os']}/{m['platform']['architecture']}" == platform
        )
        manifest = json.loads(get(f"manifests/{digest}", accept))
    return [get(f"blobs/{layer['digest']}") for layer in manifest["layers"]]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_layer_of_every_platform_matches_tar_tv(
    regview: Regview,
    registry: RegistryServer,
    layered: dict[str, str],
    platform: str,
    tmp_path: Path,
) -> None:
    blobs = served_layers(registry, "layers/multi", platform)
    assert len(blobs) == 4
    for number, blob in enumerate(blobs, start=1):
        result = regview(
            "files",
            layered["layers/multi"],
            "--platform",
            platform,
            "--layer",
            str(number),
            "--json",
        ).ok()
        assert result.json()["layer"]["index"] == number - 1  # JSON keeps positions
        entries = result.json()["entries"]
        expected = tar_tv(blob, tmp_path, zstd=blob[:4] == b"\x28\xb5\x2f\xfd")
        assert [(e["modeString"], e["size"]) for e in entries] == [
            (mode, size) for mode, _owner, size, _name in expected
        ]


def test_merged_view_and_cat_through_the_registry(
    regview: Regview, layered: dict[str, str]
) -> None:
    ref = layered["layers/multi"]
    merged = regview("files", ref, "--platform", "linux/arm64", "--json").ok().json()
    entries = {e["path"]: e for e in merged["entries"]}
    assert (entries["etc/passwd"]["layer"], entries["etc/passwd"]["status"]) == (1, "changed")
    assert entries["etc/hosts"]["status"] == "deleted"
    assert entries["var/cache"]["status"] == "opaque"
    assert entries["etc/arch"]["layer"] == 3
    assert entries["bin/tool2"]["type"] == "hardlink"
    assert "pathBase64" in entries["caf\\xe9.txt"]
    text = regview("files", ref, "--platform", "linux/arm64").ok().text.splitlines()
    by_path = {line.split()[-1]: line.split()[:2] for line in text if "->" not in line}
    assert by_path["etc/passwd"] == ["2", "changed"]  # 1 is the bottom layer
    assert by_path["etc/arch"] == ["4", "added"]

    cat = regview("cat", ref, "/etc/arch", "--platform", "linux/arm64").ok()
    assert cat.stdout == b"linux/arm64"
    assert regview("cat", ref, "/bin/tool2").ok().stdout == b"\x7fELF" + b"\0" * 1000
    assert regview("cat", ref, "/etc/os-release").ok().stdout.startswith(b"ID=test")
    regview("cat", ref, "/etc/hosts").failed()

    # The second look is answered from the TOC cache: no blob is read at all (the config,
    # for the diff_ids check, comes from the cache too).
    again = regview("-v", "files", ref, "--platform", "linux/arm64").ok()
    blob_reads = [line.split() for line in again.stderr.splitlines() if "/blobs/" in line]
    assert len(blob_reads) == 1 and blob_reads[0][:2] == ["GET", "hit"], again.stderr


@pytest.mark.parametrize("repo", ["layers/estargz", "layers/chunked"])
def test_embedded_tocs_are_read_with_ranges(
    regview: Regview, layered: dict[str, str], repo: str
) -> None:
    ref = layered[repo]
    quick = regview("-v", "files", ref, "--layer", "1", "--json").ok()
    assert quick.json()["layer"]["origin"] in ("estargz", "zstd:chunked")
    full = regview("files", ref, "--layer", "1", "--json", "--full", "--no-cache").ok()
    assert full.json()["layer"]["origin"] == "tar"

    def rows(obj: dict[str, object]) -> list[tuple[object, ...]]:
        return [
            (e["path"], e["type"], e["size"], e["mode"])  # type: ignore[index]
            for e in obj["entries"]  # type: ignore[attr-defined]
        ]

    assert rows(quick.json()) == rows(full.json())


def test_a_layer_that_does_not_match_its_diff_id_is_refused(
    regview: Regview, layered: dict[str, str]
) -> None:
    ref = layered["layers/wrong-diff-id"]
    for args in ((), ("--layer", "2"), ("--layer", "-2", "--json")):
        result = regview("files", ref, *args).failed()
        assert "layer 2 (sha256:" in result.stderr, result.describe()
        assert "but the image config says" in result.stderr
        assert result.stdout == b""
    regview("files", ref, "--layer", "1").ok()  # only the layers read are checked
    result = regview("cat", ref, "/usr/app").failed()  # layer 3 is fine, layer 2 is not
    assert "layer 2 (sha256:" in result.stderr
    assert regview("cat", ref, "/etc/motd").ok().stdout == b"hello\n"
    regview("files", ref, "--layer", "0").failed()
