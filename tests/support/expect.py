"""Checks of regview's JSON output against bytes fetched independently (skopeo, raw HTTP).

Each ``check_*`` function parses the raw manifest/config bytes itself and asserts that
regview's ``inspect --json`` object agrees, field by field, so a failure names the field.
Where the contract leaves a representation open, the check accepts the reasonable forms
and says so.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

IMAGE_CONFIG_KEYS = (
    "digest",
    "size",
    "os",
    "architecture",
    "variant",
    "created",
    "user",
    "workingDir",
    "entrypoint",
    "cmd",
    "env",
    "labels",
    "exposedPorts",
    "history",
)


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def platform_string(platform: Mapping[str, Any] | None) -> str | None:
    if not platform:
        return None
    parts = [platform["os"], platform["architecture"]]
    if platform.get("variant"):
        parts.append(platform["variant"])
    return "/".join(parts)


def parse_time(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    return dt.datetime.fromisoformat(value)


def digest_of(value: Any) -> str | None:
    """A digest given either as a string or as a descriptor object."""
    if value is None or isinstance(value, str):
        return value
    assert isinstance(value, Mapping), f"expected a digest or a descriptor, got {value!r}"
    digest = value.get("digest")
    assert isinstance(digest, str)
    return digest


def port_names(value: Any) -> set[str]:
    """``exposedPorts`` as a set: a list of ``"8080/tcp"`` or the config's own mapping."""
    if value is None:
        return set()
    if isinstance(value, Mapping):
        return set(value)
    assert isinstance(value, list), f"exposedPorts should be a list or a mapping: {value!r}"
    return {str(v) for v in value}


def empty_to_none(value: Any) -> Any:
    return None if value in (None, "", [], {}) else value


def check_manifest_header(obj: Mapping[str, Any], raw: bytes) -> None:
    manifest = json.loads(raw)
    assert obj["digest"] == sha256(raw)
    assert obj["size"] == len(raw)
    assert obj["mediaType"] == manifest["mediaType"]


def check_layers(obj: Mapping[str, Any], raw: bytes) -> None:
    manifest = json.loads(raw)
    want = [(d["digest"], d["mediaType"], d["size"]) for d in manifest["layers"]]
    got = [(d["digest"], d["mediaType"], d["size"]) for d in obj["layers"]]
    assert got == want
    assert obj["layersSize"] == sum(d["size"] for d in manifest["layers"])


def check_image(obj: Mapping[str, Any], manifest_raw: bytes, config_raw: bytes) -> None:
    """``inspect --json`` of an image against its raw manifest and config."""
    check_manifest_header(obj, manifest_raw)
    manifest = json.loads(manifest_raw)
    config = json.loads(config_raw)
    cfg = obj["config"]
    missing = [k for k in IMAGE_CONFIG_KEYS if k not in cfg]
    assert not missing, f"inspect config lacks {missing}"
    assert cfg["digest"] == manifest["config"]["digest"] == sha256(config_raw)
    assert cfg["size"] == len(config_raw)
    assert cfg["os"] == config.get("os")
    assert cfg["architecture"] == config.get("architecture")
    assert empty_to_none(cfg["variant"]) == config.get("variant")
    assert parse_time(cfg["created"]) == parse_time(config.get("created"))
    run = config.get("config") or {}
    assert empty_to_none(cfg["user"]) == empty_to_none(run.get("User"))
    assert empty_to_none(cfg["workingDir"]) == empty_to_none(run.get("WorkingDir"))
    assert empty_to_none(cfg["entrypoint"]) == empty_to_none(run.get("Entrypoint"))
    assert empty_to_none(cfg["cmd"]) == empty_to_none(run.get("Cmd"))
    assert empty_to_none(cfg["env"]) == empty_to_none(run.get("Env"))
    assert (cfg["labels"] or {}) == (run.get("Labels") or {})
    assert port_names(cfg["exposedPorts"]) == port_names(run.get("ExposedPorts"))
    history = config.get("history") or []
    assert len(cfg["history"]) == len(history)
    for got, want in zip(cfg["history"], history, strict=True):
        assert parse_time(got.get("created")) == parse_time(want.get("created"))
        assert got.get("createdBy") == want.get("created_by")
        assert bool(got.get("emptyLayer")) == bool(want.get("empty_layer"))
        assert empty_to_none(got.get("comment")) == want.get("comment")
    check_layers(obj, manifest_raw)


def check_index(obj: Mapping[str, Any], raw: bytes) -> None:
    """``inspect --json`` of an index or manifest list against its raw bytes."""
    check_manifest_header(obj, raw)
    index = json.loads(raw)
    want = [
        {
            "digest": d["digest"],
            "mediaType": d["mediaType"],
            "size": d["size"],
            "platform": platform_string(d.get("platform")),
            "annotations": d.get("annotations") or {},
        }
        for d in index["manifests"]
    ]
    got = [
        {
            "digest": d["digest"],
            "mediaType": d["mediaType"],
            "size": d["size"],
            "platform": d["platform"],
            "annotations": d["annotations"] or {},
        }
        for d in obj["manifests"]
    ]
    assert got == want


def check_artifact(obj: Mapping[str, Any], raw: bytes) -> None:
    """``inspect --json`` of an OCI artifact (``artifactType`` and ``subject``)."""
    check_manifest_header(obj, raw)
    manifest = json.loads(raw)
    assert obj["artifactType"] == manifest["artifactType"]
    assert digest_of(obj["subject"]) == manifest["subject"]["digest"]
    check_layers(obj, raw)
