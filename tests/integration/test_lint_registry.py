"""``lint`` and ``inspect`` against the real registry: documents it stores byte for byte
although the OCI image-spec rejects them, pushed with raw PUTs.

The registry checks that what a manifest references exists, not the image-spec rules, so
the problems here are ones it lets through: an ``Env`` entry without ``=``, a ``created``
that is not RFC 3339, a manifest with no layers, a bad ``artifactType`` on an index. The
Docker 1.12 case is the spec's own: the ``docker:1.12.1`` config from Docker Hub
(backwards_compatibility_test.go), pushed with the ``application/octet-stream`` media type
its manifest gave it. Expected paths are written by hand; digests are hashlib's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import Regview
from tests.support.layer_builders import gz, sample_tar
from tests.support.publish import HttpPusher
from tests.support.registry import RegistryServer

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "image_spec" / "fixtures.json"
SPEC = {c["id"]: c for c in json.loads(FIXTURES.read_text())}
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
REPO = "lint/spec"


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _descriptor(media_type: str, data: bytes) -> dict[str, Any]:
    return {"mediaType": media_type, "digest": _digest(data), "size": len(data)}


class Pushed:
    def __init__(self, registry: RegistryServer) -> None:
        self.registry = registry
        self.digests: dict[str, str] = {}
        self.configs: dict[str, str] = {}


@pytest.fixture(scope="module")
def pushed(registry: RegistryServer) -> Iterator[Pushed]:
    out = Pushed(registry)
    layer = gz(sample_tar())
    bad_config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "created": "yesterday",
            "config": {"Env": ["PATH=/usr/bin", "BROKEN"]},
            "rootfs": {"type": "layers", "diff_ids": [_digest(sample_tar())]},
        }
    ).encode()
    docker_config = SPEC["docker-02"]["document"].encode()
    with HttpPusher(registry.url) as pusher:
        for blob in (layer, bad_config, docker_config):
            pusher.upload_blob(REPO, blob, _digest(blob))
        docs: dict[str, tuple[bytes, str]] = {
            "env": (
                json.dumps(
                    {
                        "schemaVersion": 2,
                        "mediaType": OCI_MANIFEST,
                        "config": _descriptor(OCI_CONFIG, bad_config),
                        "layers": [_descriptor("application/vnd.oci.image.layer.v1.tar+gzip",
                                               layer)],
                    }
                ).encode(),
                OCI_MANIFEST,
            ),
            "no-layers": (
                json.dumps(
                    {
                        "schemaVersion": 2,
                        "mediaType": OCI_MANIFEST,
                        "config": _descriptor(OCI_CONFIG, docker_config),
                        "layers": [],
                    }
                ).encode(),
                OCI_MANIFEST,
            ),
            "docker-1.12": (
                json.dumps(
                    {
                        "schemaVersion": 2,
                        "mediaType": DOCKER_MANIFEST,
                        "config": _descriptor("application/octet-stream", docker_config),
                        "layers": [_descriptor(DOCKER_LAYER, layer)],
                    },
                    indent=3,
                ).encode(),
                DOCKER_MANIFEST,
            ),
        }
        # The spec's descriptor fixtures whose digests are of real bytes: the empty blob,
        # and the 34 bytes of descriptor-20's (valid) and descriptor-29's (bad) base64 data.
        pusher.upload_blob(REPO, b"", _digest(b""))
        data = b"https://github.com/opencontainers\n"
        pusher.upload_blob(REPO, data, _digest(data))
        for tag, ids in (("spec-data", ("descriptor-01", "descriptor-20")),
                         ("spec-bad-data", ("descriptor-01", "descriptor-29"))):
            layers = [json.loads(SPEC[i]["document"]) for i in ids]
            raw = json.dumps(
                {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                 "config": _descriptor(OCI_CONFIG, docker_config), "layers": layers}
            ).encode()
            docs[tag] = (raw, OCI_MANIFEST)
        for tag, (raw, media_type) in docs.items():
            pusher.put_manifest(REPO, tag, raw, media_type)
            out.digests[tag] = _digest(raw)
        index = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": OCI_INDEX,
                "artifactType": "foo/.bar",
                "manifests": [
                    {**_descriptor(docs[t][1], docs[t][0]),
                     "platform": {"os": "linux", "architecture": "amd64"}}
                    for t in ("env", "docker-1.12")
                ],
            }
        ).encode()
        pusher.put_manifest(REPO, "index", index, OCI_INDEX)
        out.digests["index"] = _digest(index)
    out.configs = {"env": _digest(bad_config), "docker": _digest(docker_config)}
    yield out


def _paths(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(p["path"], p["rule"]) for p in document["problems"]}


def test_lint_walks_the_index_and_lists_each_documents_problems(
    regview: Regview, pushed: Pushed
) -> None:
    result = regview("lint", "--json", pushed.registry.ref(REPO, "index"))
    assert result.returncode == 1, result.describe()
    report = result.json()
    by_digest = {d["digest"]: d for d in report["documents"]}
    assert list(by_digest) == [
        pushed.digests["index"],
        pushed.digests["env"],
        pushed.configs["env"],
        pushed.digests["docker-1.12"],
        pushed.configs["docker"],
    ]
    assert _paths(by_digest[pushed.digests["index"]]) == {("artifactType", "media-type")}
    assert _paths(by_digest[pushed.digests["env"]]) == set()
    assert _paths(by_digest[pushed.configs["env"]]) == {
        ("created", "date-time"),
        ("config.Env[1]", "env"),
    }
    assert _paths(by_digest[pushed.digests["docker-1.12"]]) == set()
    assert _paths(by_digest[pushed.configs["docker"]]) == set()
    assert by_digest[pushed.digests["docker-1.12"]]["notes"] == [
        "config media type application/octet-stream: recognised as an image config by its content"
    ]
    assert report["problems"] == 3


def test_lint_text_and_exit_status(regview: Regview, pushed: Pushed) -> None:
    bad = regview("lint", pushed.registry.ref(REPO, "no-layers"))
    assert bad.returncode == 1, bad.describe()
    assert "⚠ layers is empty" in bad.text
    good = regview("lint", pushed.registry.ref(REPO, "docker-1.12")).ok()
    assert good.text.splitlines()[0].endswith(": no problems in 2 documents")


def test_inspect_shows_the_docker_1_12_image_and_its_problems(
    regview: Regview, pushed: Pushed
) -> None:
    doc = regview("inspect", "--json", pushed.registry.ref(REPO, "docker-1.12")).ok().json()
    assert "artifactType" not in doc
    assert doc["config"]["cmd"] == ["sh"]  # what the spec's docker:1.12.1 config says
    assert doc["config"]["note"].endswith("recognised as an image config by its content")
    env = regview("inspect", "--json", pushed.registry.ref(REPO, "env")).ok().json()
    assert env["problems"] == []
    assert [p["path"] for p in env["config"]["problems"]] == ["created", "config.Env[1]"]
    text = regview("inspect", pushed.registry.ref(REPO, "index")).ok().text
    assert "⚠ Problems (1, by the OCI image-spec)" in text
    assert "Artifact     foo/.bar" in text


def test_the_specs_descriptor_fixtures_served_by_the_registry(
    regview: Regview, pushed: Pushed
) -> None:
    assert SPEC["descriptor-20"]["fail"] is False and SPEC["descriptor-29"]["fail"] is True
    regview("lint", pushed.registry.ref(REPO, "spec-data")).ok()
    result = regview("lint", "--json", pushed.registry.ref(REPO, "spec-bad-data"))
    assert result.returncode == 1, result.describe()
    manifest = result.json()["documents"][0]
    assert _paths(manifest) == {("layers[1].data", "base64")}
