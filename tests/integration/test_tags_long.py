"""``regview tags --long``: each tag's digest, media type, size, platforms and date, sorted
and grouped by digest, against the real registry.

Three images with hand-chosen dates and layer sizes are pushed with skopeo under five
tags (three of them on one digest); the expected rows are written down from what the
test built, never from regview.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest

from regview.registry import media_types as mt
from regview.registry.oci_layout import LayoutWriter
from tests.support.cli import Regview
from tests.support.layer_builders import TarBuilder
from tests.support.publish import run_parallel, skopeo_copy_args
from tests.support.registry import RegistryServer

pytestmark = pytest.mark.integration

REPO = "tagslong/app"

# name -> (created, payload bytes in its one layer)
IMAGES = {
    "old": ("2023-05-01T10:00:00Z", 10),
    "mid": ("2024-02-29T12:30:00Z", 30_000),
    "new": ("2025-11-20T08:15:00Z", 2_000),
}
TAGS = {"v1": "old", "v2": "mid", "latest": "new", "stable": "new", "v3": "new"}


def _layer(name: str, size: int) -> bytes:
    # Random-looking (incompressible) payload so the three sizes order as chosen.
    payload = b"".join(
        hashlib.sha256(f"{name}{i}".encode()).digest() for i in range(size // 32 + 1)
    )[:size]
    tar = TarBuilder().file(f"srv/{name}", payload).bytes()
    return gzip.compress(tar, mtime=0)


@pytest.fixture(scope="module")
def tagged(registry: RegistryServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """Push the images; returns image name -> {digest, size, created}."""
    root = tmp_path_factory.mktemp("tagslong") / "layout"
    w = LayoutWriter(root)
    built: dict[str, dict] = {}
    for name, (created, size) in IMAGES.items():
        blob = _layer(name, size)
        layer = w.add_blob(blob, mt.OCI_LAYER_GZIP)
        tar = gzip.decompress(blob)
        config = {
            "created": created,
            "architecture": "amd64",
            "os": "linux",
            "rootfs": {
                "type": "layers",
                "diff_ids": ["sha256:" + hashlib.sha256(tar).hexdigest()],
            },
        }
        cfg = w.add_json(config, mt.OCI_CONFIG)
        manifest = {
            "schemaVersion": 2,
            "mediaType": mt.OCI_MANIFEST,
            "config": {"mediaType": mt.OCI_CONFIG, "digest": cfg.digest, "size": cfg.size},
            "layers": [{"mediaType": mt.OCI_LAYER_GZIP, "digest": layer.digest, "size": len(blob)}],
        }
        desc = w.add_json(manifest, mt.OCI_MANIFEST)
        built[name] = {"digest": desc.digest, "size": len(blob), "created": created}
        for tag, image in TAGS.items():
            if image == name:
                w.tag(desc, tag)
    w.close()
    run_parallel([skopeo_copy_args(f"oci:{root}:{tag}", registry.ref(REPO, tag)) for tag in TAGS])
    return built


def _expected_row(tag: str, built: dict[str, dict]) -> dict:
    image = built[TAGS[tag]]
    return {
        "tag": tag,
        "digest": image["digest"],
        "mediaType": mt.OCI_MANIFEST,
        "kind": "image",
        "size": image["size"],
        "platforms": 1,
        "created": image["created"],
    }


def test_long_json_by_name(
    regview: Regview, registry: RegistryServer, tagged: dict[str, dict]
) -> None:
    obj = regview("tags", registry.ref(REPO), "--long", "--json").ok().json()
    assert obj["repository"] == registry.ref(REPO)
    # Natural name order, as plain `tags` lists them.
    assert [r["tag"] for r in obj["tags"]] == ["latest", "stable", "v1", "v2", "v3"]
    assert obj["tags"] == [_expected_row(t, tagged) for t in ["latest", "stable", "v1", "v2", "v3"]]


def test_sort_created_and_size(
    regview: Regview, registry: RegistryServer, tagged: dict[str, dict]
) -> None:
    by_date = regview("tags", registry.ref(REPO), "--sort", "created", "--json").ok().json()
    # Newest first; ties keep name order.
    assert [r["tag"] for r in by_date["tags"]] == ["latest", "stable", "v3", "v2", "v1"]
    by_size = regview("tags", registry.ref(REPO), "--sort", "size", "--json").ok().json()
    assert [r["tag"] for r in by_size["tags"]] == ["v2", "latest", "stable", "v3", "v1"]


def test_group_by_digest(
    regview: Regview, registry: RegistryServer, tagged: dict[str, dict]
) -> None:
    obj = (
        regview("tags", registry.ref(REPO), "--group", "digest", "--sort", "created", "--json")
        .ok()
        .json()
    )
    assert [(g["digest"], g["tags"]) for g in obj["digests"]] == [
        (tagged["new"]["digest"], ["latest", "stable", "v3"]),
        (tagged["mid"]["digest"], ["v2"]),
        (tagged["old"]["digest"], ["v1"]),
    ]
    assert obj["digests"][0]["created"] == "2025-11-20T08:15:00Z"
    text = regview("tags", registry.ref(REPO), "--group", "digest").ok().text.splitlines()
    assert text[0].split() == ["DIGEST", "MEDIA", "TYPE", "SIZE", "PLATFORMS", "CREATED", "TAGS"]
    new_line = next(line for line in text if "latest" in line)
    assert new_line.endswith("latest, stable, v3")
    assert tagged["new"]["digest"][:19] in new_line  # sha256: + 12 hex digits
    assert "2025-11-20T08:15:00Z" in new_line


def test_long_text_rows(
    regview: Regview, registry: RegistryServer, tagged: dict[str, dict]
) -> None:
    lines = regview("tags", registry.ref(REPO), "-l").ok().text.splitlines()
    assert len(lines) == 1 + len(TAGS)
    v2 = next(line for line in lines if line.endswith(" v2"))
    cols = v2.split()
    assert cols[0] == tagged["mid"]["digest"][:19]
    assert cols[1] == mt.OCI_MANIFEST
    assert "2024-02-29T12:30:00Z" in cols


def test_unknown_repository_is_one_line(regview: Regview, registry: RegistryServer) -> None:
    result = regview("tags", registry.ref("tagslong/none"), "--long").failed()
    assert result.returncode == 1


def test_json_is_valid_with_pipe(
    regview: Regview, registry: RegistryServer, tagged: dict[str, dict], tmp_path: Path
) -> None:
    out = regview("tags", registry.ref(REPO), "--long", "--json").ok().text
    assert json.loads(out)["tags"][0]["tag"] == "latest"
