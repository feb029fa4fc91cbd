"""``referrers`` and ``inspect`` on OCI layouts written by hand: the kinds of referrers,
attestations marked at every level of an index, and rows that stay aligned."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from regview.cli import main
from regview.registry import Descriptor
from regview.registry import media_types as mt
from regview.registry.oci_layout import LayoutWriter, descriptor_json

EMPTY = {"mediaType": "application/vnd.oci.empty.v1+json", "size": 2}


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("REGVIEW_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))


def _image(w: LayoutWriter, arch: str) -> Descriptor:
    config = w.add_json(
        {"architecture": arch, "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}},
        mt.OCI_CONFIG,
    )
    return w.add_json(
        {
            "schemaVersion": 2,
            "mediaType": mt.OCI_MANIFEST,
            "config": descriptor_json(config),
            "layers": [],
        },
        mt.OCI_MANIFEST,
        platform={"os": "linux", "architecture": arch},
    )


def _attestation(w: LayoutWriter, subject: Descriptor) -> Descriptor:
    config = w.add_json({"architecture": "unknown", "os": "unknown"}, mt.OCI_CONFIG)
    return w.add_json(
        {
            "schemaVersion": 2,
            "mediaType": mt.OCI_MANIFEST,
            "config": descriptor_json(config),
            "layers": [],
        },
        mt.OCI_MANIFEST,
        platform={"os": "unknown", "architecture": "unknown"},
        annotations={
            "vnd.docker.reference.type": "attestation-manifest",
            "vnd.docker.reference.digest": subject.digest,
        },
    )


def _index(w: LayoutWriter, entries: list[Descriptor]) -> Descriptor:
    return w.add_json(
        {
            "schemaVersion": 2,
            "mediaType": mt.OCI_INDEX,
            "manifests": [descriptor_json(d) for d in entries],
        },
        mt.OCI_INDEX,
    )


def _referrer(w: LayoutWriter, subject: Descriptor, artifact_type: str) -> Descriptor:
    d = w.add_json(
        {
            "schemaVersion": 2,
            "mediaType": mt.OCI_MANIFEST,
            "artifactType": artifact_type,
            "config": {**EMPTY, "digest": w.add_blob(b"{}", EMPTY["mediaType"]).digest},
            "layers": [],
            "subject": descriptor_json(subject),
        },
        mt.OCI_MANIFEST,
    )
    w.tag(d, None)
    return d


def test_referrers_json_has_each_kind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    w = LayoutWriter(tmp_path / "app")
    image = _image(w, "amd64")
    w.tag(image, "v1")
    want = {
        _referrer(w, image, "application/vnd.dev.cosign.artifact.sig.v1+json").digest: "signature",
        _referrer(w, image, "application/spdx+json").digest: "sbom",
        _referrer(w, image, "application/vnd.in-toto+json").digest: "attestation",
        _referrer(w, image, "application/vnd.example.thing").digest: "artifact",
    }
    w.close()
    assert main(["referrers", "--json", f"oci:{tmp_path}/app:v1"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert {r["digest"]: r["kind"] for r in obj["referrers"]} == want
    assert main(["referrers", f"oci:{tmp_path}/app:v1"]) == 0
    assert {row.split()[1]: row.split()[0] for row in capsys.readouterr().out.splitlines()} == want


def test_attestations_of_a_nested_index_are_marked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    w = LayoutWriter(tmp_path / "app")
    amd64, arm64 = _image(w, "amd64"), _image(w, "arm64")
    att = _attestation(w, arm64)
    inner = _index(w, [amd64, arm64, att])
    outer = _index(w, [inner])
    w.tag(outer, "v1")
    w.close()
    assert main(["inspect", "--json", "--recursive", f"oci:{tmp_path}/app:v1"]) == 0
    obj = json.loads(capsys.readouterr().out)
    (entry,) = obj["manifests"]
    assert "attestation" not in entry
    listed = entry["image"]["manifests"]
    assert [(m["digest"], m.get("attestation"), m.get("attests")) for m in listed] == [
        (amd64.digest, None, None),
        (arm64.digest, None, None),
        (att.digest, True, arm64.digest),
    ]


def test_an_attestation_that_names_no_image(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    w = LayoutWriter(tmp_path / "app")
    amd64 = _image(w, "amd64")
    orphan = _attestation(w, Descriptor(mt.OCI_MANIFEST, "sha256:" + "ab" * 32, 1))
    w.tag(_index(w, [amd64, orphan]), "v1")
    w.close()
    ref = f"oci:{tmp_path}/app:v1"
    assert main(["inspect", "--json", ref]) == 0
    listed = json.loads(capsys.readouterr().out)["manifests"]
    assert listed[1]["attestation"] is True and listed[1]["attests"] == "sha256:" + "ab" * 32
    assert main(["inspect", ref]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = lines[lines.index("Manifests") + 1 :]
    assert rows[1].split()[:2] == ["attests", "abababababab"]  # not among the entries
    assert rows[0].index(amd64.digest) == rows[1].index(orphan.digest)


def test_a_long_platform_does_not_widen_every_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    w = LayoutWriter(tmp_path / "app")
    amd64 = _image(w, "amd64")
    config = w.add_json({"architecture": "x" * 300, "os": "linux"}, mt.OCI_CONFIG)
    odd = w.add_json(
        {
            "schemaVersion": 2,
            "mediaType": mt.OCI_MANIFEST,
            "config": descriptor_json(config),
            "layers": [],
        },
        mt.OCI_MANIFEST,
        platform={"os": "linux", "architecture": "x" * 300},
    )
    w.tag(_index(w, [amd64, odd]), "v1")
    w.close()
    assert main(["inspect", f"oci:{tmp_path}/app:v1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = lines[lines.index("Manifests") + 1 :]
    assert rows[1].split()[0] == "linux/" + "x" * 33 + "…"  # 40 characters
    assert rows[0].index(amd64.digest) == rows[1].index(odd.digest) == 2 + 40 + 2
