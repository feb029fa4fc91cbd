"""The OCI image-spec's own schema fixtures: every verdict, every problem path.

The documents and their ``fail`` flags come from the spec's tests (a pinned copy in
tests/fixtures/image_spec); the problem paths below are written by hand from reading each
document. Valid documents are shown with no problem; invalid ones are either refused with
a one-line error or shown with exactly the listed problems.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from regview.registry import media_types as mt
from regview.registry.errors import MalformedContent
from regview.registry.parsers import parse_config, parse_descriptor, parse_manifest
from regview.registry.validation import (
    config_problems,
    descriptor_problems,
    layout_problems,
    manifest_problems,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "image_spec" / "fixtures.json"
CASES: list[dict[str, Any]] = json.loads(FIXTURES.read_text())
BY_ID = {c["id"]: c for c in CASES}

#: For every document the spec marks invalid: the (path, rule) pairs it must get.
EXPECTED: dict[str, set[tuple[str, str]]] = {
    "descriptor-02": {("mediaType", "required")},
    "descriptor-03": {("mediaType", "media-type")},
    "descriptor-04": {("mediaType", "media-type")},
    "descriptor-05": {("mediaType", "media-type")},
    "descriptor-07": {("mediaType", "media-type")},
    "descriptor-08": {("mediaType", "media-type")},
    "descriptor-09": {("size", "required")},
    "descriptor-10": {("size", "type")},
    "descriptor-11": {("digest", "required")},
    "descriptor-12": {("digest", "digest")},
    "descriptor-13": {("digest", "digest")},
    "descriptor-14": {("digest", "digest")},
    "descriptor-15": {("digest", "digest")},
    "descriptor-17": {("urls[0]", "url")},
    "descriptor-19": {("artifactType", "media-type")},
    "descriptor-26": {("digest", "digest")},
    "descriptor-29": {("data", "base64")},
    "descriptor-30": {("size", "size")},
    "manifest-00": {("config.mediaType", "media-type")},
    "manifest-01": {("", "json")},  # the spec's document has unbalanced braces
    "manifest-02": {("layers[0].size", "type")},
    "manifest-05": {("layers", "layers")},
    "manifest-08": {("subject", "type")},
    "manifest-09": {("layers[0].digest", "digest")},
    "index-00": {("manifests[0].mediaType", "media-type")},
    "index-01": {("manifests[0].size", "type")},
    "index-02": {("manifests[0].digest", "required")},
    "index-03": {("manifests[0].platform.architecture", "required")},
    "index-04": {("manifests[0].mediaType", "media-type")},
    "index-05": {("manifests[0].mediaType", "media-type")},
    "index-11": {("subject", "type")},
    "config-00": {("os", "type")},
    "config-01": {("variant", "type")},
    "config-02": {("config.User", "type")},
    "config-03": {("os", "type"), ("history", "type")},
    "config-04": {("os", "type"), ("config.Env[0]", "type")},
    "config-05": {("os", "type"), ("config.Volumes", "type")},
    "config-06": {("", "json")},
    "config-09": {("config.Env[0]", "env")},
    "layout-00": {("", "json")},
}


def problems_of(case: dict[str, Any]) -> set[tuple[str, str]]:
    raw = case["document"].encode()
    kind = case["kind"]
    if kind == "descriptor":
        found = descriptor_problems(json.loads(raw))
    elif kind in ("manifest", "index"):
        found = manifest_problems(raw)
    elif kind == "config":
        found = config_problems(raw)
    else:
        found = layout_problems(raw)
    for p in found:
        assert p.message and "\n" not in p.message
    return {(p.path, p.rule) for p in found}


def test_every_invalid_fixture_has_an_expected_path() -> None:
    assert {c["id"] for c in CASES if c["fail"]} == set(EXPECTED)
    assert len(CASES) == 71  # as many as the spec's tables hold at the pinned commit


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_the_spec_verdict_and_the_exact_problem_paths(case: dict[str, Any]) -> None:
    assert problems_of(case) == EXPECTED.get(case["id"], set())


def parse(case: dict[str, Any]) -> object:
    raw = case["document"].encode()
    if case["kind"] == "descriptor":
        return parse_descriptor(json.loads(raw))
    if case["kind"] in ("manifest", "index"):
        return parse_manifest(raw)
    if case["kind"] == "config":
        return parse_config(raw)
    return json.loads(raw)


@pytest.mark.parametrize(
    "case", [c for c in CASES if not c["fail"]], ids=[c["id"] for c in CASES if not c["fail"]]
)
def test_every_valid_document_is_read(case: dict[str, Any]) -> None:
    assert parse(case) is not None


@pytest.mark.parametrize(
    "case", [c for c in CASES if c["fail"]], ids=[c["id"] for c in CASES if c["fail"]]
)
def test_an_invalid_document_is_read_or_refused_in_one_line(case: dict[str, Any]) -> None:
    try:
        parse(case)
    except MalformedContent as exc:
        assert str(exc) and "\n" not in str(exc)
    except ValueError:
        assert case["kind"] in ("descriptor", "layout")  # not JSON: no descriptor to parse


@pytest.mark.parametrize(
    ("case_id", "algorithm"),
    [
        ("descriptor-21", "sha256+b64"),
        ("descriptor-23", "sha256+foo-bar"),
        ("descriptor-24", "sha256.foo-bar"),
        ("descriptor-25", "multihash+base58"),
        ("descriptor-27", "sha256+b64u"),
        ("descriptor-28", "sha256+b64u.unknownlength"),
    ],
)
def test_alternate_digest_algorithms_are_read_and_marked(case_id: str, algorithm: str) -> None:
    from regview.registry.digests import unverifiable_reason

    d = parse_descriptor(json.loads(BY_ID[case_id]["document"]))
    assert d.digest.startswith(algorithm + ":")
    assert unverifiable_reason(d.digest) == f"{algorithm}: not verifiable by regview"


def test_a_manifest_of_alternate_digests_is_read_whole() -> None:
    m = parse_manifest(BY_ID["manifest-06"]["document"].encode())
    assert [d.digest.split(":")[0] for d in m.children()] == [
        "sha256+b64",
        "sha256+foo-bar",
        "sha256.foo-bar",
        "multihash+base58",
    ]


@pytest.mark.parametrize("value", [{}, [], "", 0, False, "nope"])
@pytest.mark.parametrize("field", ["platform", "subject"])
def test_a_wrong_type_is_refused_whatever_its_truthiness(field: str, value: object) -> None:
    entry: dict[str, Any] = {
        "mediaType": mt.OCI_MANIFEST,
        "digest": "sha256:" + "a" * 64,
        "size": 1,
    }
    if field == "platform":
        entry["platform"] = value
        doc = {"schemaVersion": 2, "mediaType": mt.OCI_INDEX, "manifests": [entry]}
        where = "manifest.manifests[0].platform"
    else:
        doc = {"schemaVersion": 2, "mediaType": mt.OCI_INDEX, "manifests": [], "subject": value}
        where = "manifest.subject"
    with pytest.raises(MalformedContent, match="^" + re.escape(where)):
        parse_manifest(json.dumps(doc).encode())
    assert problems_of({"kind": "index", "document": json.dumps(doc)})


def test_an_index_keeps_its_own_artifact_type_and_subject() -> None:
    index = parse_manifest(BY_ID["index-10"]["document"].encode())
    assert index.subject is not None
    assert index.subject.digest == json.loads(BY_ID["index-10"]["document"])["subject"]["digest"]
    typed = parse_manifest(BY_ID["index-09"]["document"].encode())
    assert typed.artifact_type == json.loads(BY_ID["index-09"]["document"])["artifactType"]


def test_a_docker_1_12_manifest_with_an_octet_stream_config_is_an_image() -> None:
    m = parse_manifest(BY_ID["docker-01"]["document"].encode())
    assert not getattr(m, "is_artifact", True)
    assert getattr(m, "config_type_generic", False)
