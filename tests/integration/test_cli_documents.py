"""What ``referrers`` and ``inspect`` say of signatures, SBOMs and attestations, in
JSON and in text, against the real registry. The expected kinds and pairs come from
the test data (``tests.support.images``: which artifact is an SBOM, which attestation
was built for which image) and the digests from skopeo."""

from __future__ import annotations

import json

import pytest

from tests.support.cli import Regview
from tests.support.content import Published
from tests.support.images import Kinds
from tests.support.publish import skopeo_inspect

pytestmark = pytest.mark.integration


def test_referrers_json_keeps_the_kind_the_text_shows(
    regview: Regview, content: Published, kinds: Kinds
) -> None:
    want = {kinds.sbom.digest: "sbom", kinds.signature.digest: "signature"}
    ref = content.ref("oci-image")
    obj = regview("referrers", ref, "--json").ok().json()
    assert {r["digest"]: r["kind"] for r in obj["referrers"]} == want
    rows = [line.split() for line in regview("referrers", ref).ok().text.splitlines()]
    assert {row[1]: row[0] for row in rows} == want


def _attestations(kinds: Kinds) -> dict[str, str]:
    """Attestation manifest digest -> the digest of the image it was built for: the
    test index lists its images, then one attestation for each, in the same order."""
    children = kinds.oci_index.children
    images = [c for c in children if c.kind != "attestation"]
    attestations = [c for c in children if c.kind == "attestation"]
    assert len(images) == len(attestations) == 2
    return {a.digest: i.digest for a, i in zip(attestations, images, strict=True)}


@pytest.mark.parametrize("recursive", [False, True], ids=["flat", "recursive"])
def test_inspect_json_marks_attestation_entries(
    regview: Regview, content: Published, kinds: Kinds, recursive: bool
) -> None:
    want = _attestations(kinds)
    args = ["--recursive"] if recursive else []
    obj = regview("inspect", content.ref("oci-index"), "--json", *args).ok().json()
    marked = {m["digest"]: m["attests"] for m in obj["manifests"] if m.get("attestation")}
    assert marked == want
    for m in obj["manifests"]:
        assert m.get("attestation") is (True if m["digest"] in want else None)


def _platform(p: dict[str, str]) -> str:
    return "/".join(x for x in (p["os"], p["architecture"], p.get("variant")) if x)


def test_inspect_text_rows_of_an_index_are_aligned(
    regview: Regview, content: Published, kinds: Kinds
) -> None:
    ref = content.ref("oci-index")
    listed = json.loads(skopeo_inspect(ref))["manifests"]
    lines = regview("inspect", ref).ok().text.splitlines()
    start = lines.index("Manifests") + 1
    rows = lines[start : start + len(listed)]
    digest_columns = {row.index(d["digest"]) for row, d in zip(rows, listed, strict=True)}
    assert len(digest_columns) == 1, "\n".join(rows)
    type_columns = {row.index("OCI manifest") for row in rows}
    assert len(type_columns) == 1, "\n".join(rows)
    assert all(len(row) <= 120 for row in rows), "\n".join(rows)  # fits 120 columns

    platform_of = {d["digest"]: _platform(d["platform"]) for d in listed}
    attests = _attestations(kinds)
    (column,) = digest_columns
    labels = {d["digest"]: row[:column].strip() for row, d in zip(rows, listed, strict=True)}
    assert labels == {
        digest: f"attests {platform_of[attests[digest]]}" if digest in attests else platform
        for digest, platform in platform_of.items()
    }
    assert set(labels.values()) == {
        "linux/amd64",
        "linux/arm64/v8",
        "attests linux/amd64",
        "attests linux/arm64/v8",
    }
