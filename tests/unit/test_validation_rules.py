"""Rules of validation.py beyond the spec's own fixtures, each with a hand-written case
(the expected paths come from reading the image-spec and Docker's manifest list spec)."""

from __future__ import annotations

import json
from typing import Any

from regview.registry import media_types as mt
from regview.registry.validation import config_problems, layout_problems, manifest_problems
from tests.unit.test_image_spec_fixtures import BY_ID

D = "sha256:" + "a" * 64


def _pairs(raw: bytes, media_type: str | None = None) -> set[tuple[str, str]]:
    return {(p.path, p.rule) for p in manifest_problems(raw, media_type)}


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj).encode()


def test_a_docker_manifest_list_entry_needs_its_platform() -> None:
    doc = json.loads(BY_ID["docker-00"]["document"])
    assert _pairs(_dumps(doc)) == set()
    del doc["manifests"][0]["platform"]
    assert _pairs(_dumps(doc)) == {("manifests[0].platform", "docker-platform")}


def test_an_index_entry_must_not_be_a_config_or_a_layer() -> None:
    entries = [
        {"mediaType": mt.OCI_CONFIG, "digest": D, "size": 1},
        {"mediaType": mt.OCI_MANIFEST, "digest": D, "size": 1},
        {"mediaType": mt.OCI_LAYER_GZIP, "digest": D, "size": 1},
    ]
    doc = {"schemaVersion": 2, "mediaType": mt.OCI_INDEX, "manifests": entries}
    assert _pairs(_dumps(doc)) == {
        ("manifests[0].mediaType", "index-entry"),
        ("manifests[2].mediaType", "index-entry"),
    }


def test_the_empty_config_needs_an_artifact_type() -> None:
    doc = json.loads(BY_ID["manifest-11"]["document"])
    assert _pairs(_dumps(doc)) == set()
    del doc["artifactType"]
    assert _pairs(_dumps(doc)) == {("artifactType", "artifact-type")}


def test_schema_version_and_required_fields() -> None:
    assert _pairs(_dumps({"mediaType": mt.OCI_INDEX, "manifests": []})) == {
        ("schemaVersion", "required")
    }
    assert _pairs(_dumps({"schemaVersion": 3, "config": {}, "layers": []})) == {
        ("schemaVersion", "schema-version"),
        ("config.mediaType", "required"),
        ("config.digest", "required"),
        ("config.size", "required"),
        ("layers", "layers"),
    }


def test_data_must_hold_size_bytes() -> None:
    layer = json.loads(BY_ID["descriptor-20"]["document"])  # 34 bytes of data, size 34
    layer["size"] = 35
    config = {"mediaType": mt.OCI_CONFIG, "digest": D, "size": 2}
    doc = {"schemaVersion": 2, "mediaType": mt.OCI_MANIFEST, "config": config, "layers": [layer]}
    assert _pairs(_dumps(doc)) == {("layers[0].data", "data-size")}


def test_config_rules() -> None:
    assert {(p.path, p.rule) for p in config_problems(b'{"os": "linux"}')} == {
        ("architecture", "required"),
        ("rootfs", "required"),
    }
    bad = {
        "architecture": "amd64",
        "os": "linux",
        "rootfs": {"type": "zfs", "diff_ids": []},
        "history": [{"created": "2024-13-01", "empty_layer": "yes"}],
        "config": {"Env": ["=x", "A="], "ExposedPorts": {"80/tcp": []}},
    }
    assert {(p.path, p.rule) for p in config_problems(_dumps(bad))} == {
        ("rootfs.type", "rootfs-type"),
        ("history[0].created", "date-time"),
        ("history[0].empty_layer", "type"),
        ("config.Env[0]", "env"),
        ("config.ExposedPorts['80/tcp']", "type"),
    }


def test_layout_rules() -> None:
    assert [(p.path, p.rule) for p in layout_problems(b"{}")] == [
        ("imageLayoutVersion", "required")
    ]
    assert [(p.path, p.rule) for p in layout_problems(b'{"imageLayoutVersion": "2.0"}')] == [
        ("imageLayoutVersion", "layout-version")
    ]


def test_a_schema1_manifest_is_not_checked_and_hostile_input_does_not_raise() -> None:
    assert _pairs(_dumps({"schemaVersion": 1, "fsLayers": []})) == set()
    assert _pairs(b"[" * 100_000) == {("", "json")}
    assert _pairs(b"\xff\xfe") == {("", "json")}
    assert _pairs(b"[]") == {("", "type")}
    many = {"schemaVersion": 2, "mediaType": mt.OCI_INDEX, "manifests": [1] * 10_000}
    found = manifest_problems(_dumps(many))
    assert len(found) == 201 and found[-1].rule == "too-many"  # bounded, and says so
