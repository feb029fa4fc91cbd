"""regview against a real registry, one image kind at a time, checked against skopeo.

For every kind (a)-(f) of ``tests.support.images``: ``regview manifest`` and
``regview config`` must print exactly the bytes ``skopeo inspect --raw [--config]`` gets
(which are also the bytes that were generated and pushed), and ``regview inspect --json``
must agree with those bytes field by field (``tests.support.expect``).
"""

from __future__ import annotations

import json

import pytest

from tests.support import expect
from tests.support.cli import Regview
from tests.support.content import Published
from tests.support.images import PLATFORMS, Kinds, referrers_tag
from tests.support.publish import skopeo_inspect

pytestmark = pytest.mark.integration

IMAGE_KINDS = ["oci-image", "docker-image"]
INDEX_KINDS = ["oci-index", "docker-list"]
ARTIFACT_KINDS = ["sbom", "signature"]
ALL_KINDS = [*IMAGE_KINDS, *INDEX_KINDS, *ARTIFACT_KINDS, "referrers"]


# --------------------------------------------------------------------------- manifest


@pytest.mark.parametrize("by_digest", [False, True], ids=["tag", "digest"])
@pytest.mark.parametrize("kind", ALL_KINDS)
def test_manifest_is_served_bytes(
    regview: Regview, content: Published, kind: str, by_digest: bool
) -> None:
    ref = content.ref(kind, by_digest=by_digest)
    raw = skopeo_inspect(ref)
    assert raw == content.manifest(kind).raw  # the registry serves what was generated
    result = regview("manifest", ref).ok()
    assert result.stdout == raw
    assert expect.sha256(result.stdout) == content.manifest(kind).digest


# --------------------------------------------------------------------------- config


@pytest.mark.parametrize("kind", IMAGE_KINDS + ARTIFACT_KINDS)
def test_config_is_served_bytes(regview: Regview, content: Published, kind: str) -> None:
    ref = content.ref(kind)
    raw = skopeo_inspect(ref, config=True)
    config = content.manifest(kind).config
    assert config is not None and raw == config.data
    result = regview("config", ref).ok()
    assert result.stdout == raw


@pytest.mark.parametrize("kind", INDEX_KINDS)
def test_config_of_index_defaults_to_linux_amd64(
    regview: Regview, content: Published, kind: str
) -> None:
    ref = content.ref(kind)
    raw = skopeo_inspect(ref, config=True, platform="linux/amd64")
    result = regview("config", ref).ok()
    assert result.stdout == raw
    assert json.loads(result.stdout)["architecture"] == "amd64"


@pytest.mark.parametrize("platform", [*PLATFORMS, "linux/arm64"])
@pytest.mark.parametrize("kind", INDEX_KINDS)
def test_config_of_index_for_platform(
    regview: Regview, content: Published, kind: str, platform: str
) -> None:
    """``--platform linux/arm64`` matches the ``linux/arm64/v8`` entry (v8 is the default)."""
    ref = content.ref(kind)
    wanted = "linux/arm64/v8" if platform == "linux/arm64" else platform
    raw = skopeo_inspect(ref, config=True, platform=wanted)
    child_config = content.manifest(kind).child(wanted).config
    assert child_config is not None and raw == child_config.data
    result = regview("config", ref, "--platform", platform).ok()
    assert result.stdout == raw


# --------------------------------------------------------------------------- inspect


@pytest.mark.parametrize("kind", IMAGE_KINDS)
def test_inspect_image(regview: Regview, content: Published, kind: str) -> None:
    ref = content.ref(kind)
    obj = regview("inspect", ref, "--json").ok().json()
    manifest_raw = skopeo_inspect(ref)
    config_raw = skopeo_inspect(ref, config=True)
    expect.check_image(obj, manifest_raw, config_raw)
    assert content.repo(kind) in obj["reference"]


@pytest.mark.parametrize("kind", INDEX_KINDS)
def test_inspect_index(regview: Regview, content: Published, kind: str) -> None:
    ref = content.ref(kind)
    obj = regview("inspect", ref, "--json").ok().json()
    expect.check_index(obj, skopeo_inspect(ref))
    assert content.repo(kind) in obj["reference"]
    platforms = [m["platform"] for m in obj["manifests"]]
    if kind == "oci-index":
        # Attestation manifests carry a platform too: unknown/unknown, not null.
        assert platforms == [*PLATFORMS, "unknown/unknown", "unknown/unknown"]
    else:
        assert platforms == list(PLATFORMS)


@pytest.mark.parametrize("kind", INDEX_KINDS)
def test_inspect_index_recursive(regview: Regview, content: Published, kind: str) -> None:
    ref = content.ref(kind)
    obj = regview("inspect", ref, "--recursive", "--json").ok().json()
    expect.check_index(obj, skopeo_inspect(ref))
    repo_ref = content.registry.ref(content.repo(kind))
    for entry in obj["manifests"]:
        child_ref = f"{repo_ref}@{entry['digest']}"
        image = entry["image"]
        manifest_raw = skopeo_inspect(child_ref)
        if entry["platform"] == "unknown/unknown":
            # An attestation manifest: an OCI manifest of in-toto layers.
            expect.check_manifest_header(image, manifest_raw)
            expect.check_layers(image, manifest_raw)
            assert image["config"]["digest"] == json.loads(manifest_raw)["config"]["digest"]
        else:
            config_raw = skopeo_inspect(child_ref, config=True)
            expect.check_image(image, manifest_raw, config_raw)


def test_inspect_attestations_point_at_their_images(regview: Regview, content: Published) -> None:
    obj = regview("inspect", content.ref("oci-index"), "--json").ok().json()
    by_platform = {m["platform"]: m for m in obj["manifests"] if m["platform"] != "unknown/unknown"}
    attested = [
        m["annotations"]["vnd.docker.reference.digest"]
        for m in obj["manifests"]
        if m["annotations"].get("vnd.docker.reference.type") == "attestation-manifest"
    ]
    assert sorted(attested) == sorted(m["digest"] for m in by_platform.values())


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("kind", INDEX_KINDS)
def test_inspect_index_with_platform_shows_that_image(
    regview: Regview, content: Published, kind: str, platform: str
) -> None:
    """``inspect --platform P`` of an index is the inspect object of P's image."""
    ref = content.ref(kind)
    child = content.manifest(kind).child(platform)
    obj = regview("inspect", ref, "--platform", platform, "--json").ok().json()
    child_ref = f"{content.registry.ref(content.repo(kind))}@{child.digest}"
    manifest_raw = skopeo_inspect(child_ref)
    config_raw = skopeo_inspect(ref, config=True, platform=platform)
    expect.check_image(obj, manifest_raw, config_raw)
    want = platform.split("/")
    assert [obj["config"]["os"], obj["config"]["architecture"]] == want[:2]


@pytest.mark.parametrize("kind", ARTIFACT_KINDS)
def test_inspect_artifact(regview: Regview, content: Published, kinds: Kinds, kind: str) -> None:
    ref = content.ref(kind)  # artifacts are untagged: this is repo@digest
    obj = regview("inspect", ref, "--json").ok().json()
    expect.check_artifact(obj, skopeo_inspect(ref))
    assert obj["artifactType"] == content.manifest(kind).artifact_type
    assert expect.digest_of(obj["subject"]) == kinds.oci_image.digest


def test_inspect_referrers_tag_index(regview: Regview, content: Published, kinds: Kinds) -> None:
    """(f) The referrers tag schema index: an index of artifacts, no platforms."""
    ref = content.ref("referrers")
    assert ref.endswith(":" + referrers_tag(kinds.oci_image.digest))
    obj = regview("inspect", ref, "--json").ok().json()
    expect.check_index(obj, skopeo_inspect(ref))
    assert [m["platform"] for m in obj["manifests"]] == [None, None]


def test_inspect_referrers_tag_index_recursive(
    regview: Regview, content: Published, kinds: Kinds
) -> None:
    obj = regview("inspect", content.ref("referrers"), "--recursive", "--json").ok().json()
    repo_ref = content.registry.ref(content.repo("referrers"))
    artifact_types = []
    for entry in obj["manifests"]:
        image = entry["image"]
        expect.check_artifact(image, skopeo_inspect(f"{repo_ref}@{entry['digest']}"))
        artifact_types.append(image["artifactType"])
    assert artifact_types == [kinds.sbom.artifact_type, kinds.signature.artifact_type]


# --------------------------------------------------------------------------- referrers


def _referrers_from_tag_index(content: Published, subject_digest: str) -> list[dict[str, object]]:
    """What the registry holds for ``subject_digest``, read with skopeo (no referrers API)."""
    tag_ref = content.registry.ref(content.repo("oci-image"), referrers_tag(subject_digest))
    index = json.loads(skopeo_inspect(tag_ref))
    return [
        {
            "digest": d["digest"],
            "mediaType": d["mediaType"],
            "size": d["size"],
            "artifactType": d.get("artifactType"),
            "annotations": d.get("annotations") or {},
        }
        for d in index["manifests"]
    ]


def _normalise_referrers(items: list[dict[str, object]]) -> list[dict[str, object]]:
    out = [
        {
            "digest": r["digest"],
            "mediaType": r["mediaType"],
            "size": r["size"],
            "artifactType": r["artifactType"],
            "annotations": r["annotations"] or {},
        }
        for r in items
    ]
    return sorted(out, key=lambda r: str(r["digest"]))


@pytest.mark.parametrize("by_digest", [False, True], ids=["tag", "digest"])
def test_referrers(regview: Regview, content: Published, kinds: Kinds, by_digest: bool) -> None:
    ref = content.ref("oci-image", by_digest=by_digest)
    obj = regview("referrers", ref, "--json").ok().json()
    assert obj["subject"] == kinds.oci_image.digest
    want = _referrers_from_tag_index(content, kinds.oci_image.digest)
    assert _normalise_referrers(obj["referrers"]) == _normalise_referrers(want)
    assert {r["artifactType"] for r in obj["referrers"]} == {
        kinds.sbom.artifact_type,
        kinds.signature.artifact_type,
    }


def test_referrers_of_image_without_any(regview: Regview, content: Published) -> None:
    obj = regview("referrers", content.ref("docker-image"), "--json").ok().json()
    assert obj["subject"] == content.manifest("docker-image").digest
    assert obj["referrers"] == []
