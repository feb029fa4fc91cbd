"""``lint`` and ``inspect`` over the image-spec's fixtures served from an OCI layout.

Each fixture document is a blob of one layout, tagged with its id; descriptor fixtures
are the one layer of an otherwise valid manifest. Verdicts and problem paths are the
hand-written ones of test_image_spec_fixtures (from the spec's ``fail:`` flags).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from regview.cli import main
from regview.registry import media_types as mt
from tests.unit.test_image_spec_fixtures import BY_ID, CASES, EXPECTED

VALID_CONFIG = BY_ID["config-08"]["document"].encode()
DOCKER_CONFIG = BY_ID["docker-02"]["document"].encode()  # docker:1.12.1, from Docker Hub


def _blob(root: Path, data: bytes) -> dict[str, Any]:
    digest = hashlib.sha256(data).hexdigest()
    (root / "blobs" / "sha256" / digest).write_bytes(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}


def _wrapped(descriptor: str) -> bytes:
    """A valid manifest whose one layer is the descriptor fixture."""
    config = {"mediaType": mt.OCI_CONFIG, **_digest_of(VALID_CONFIG)}
    layer = json.loads(descriptor)
    doc = {"schemaVersion": 2, "mediaType": mt.OCI_MANIFEST, "config": config, "layers": [layer]}
    return json.dumps(doc).encode()


def _digest_of(data: bytes) -> dict[str, Any]:
    return {"digest": "sha256:" + hashlib.sha256(data).hexdigest(), "size": len(data)}


SERVED = [c for c in CASES if c["kind"] in ("manifest", "index", "descriptor")]


@pytest.fixture(scope="module")
def layout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("spec")
    (root / "blobs" / "sha256").mkdir(parents=True)
    (root / "oci-layout").write_text(BY_ID["layout-01"]["document"])
    _blob(root, VALID_CONFIG)
    _blob(root, DOCKER_CONFIG)
    entries = []
    for case in SERVED:
        raw = (
            case["document"].encode()
            if case["kind"] != "descriptor"
            else _wrapped(case["document"])
        )
        tag = {"org.opencontainers.image.ref.name": case["id"]}
        entries.append({"mediaType": mt.OCI_MANIFEST, **_blob(root, raw), "annotations": tag})
    # Docker 1.12: the docker-01 manifest's shape, with a config that is really there.
    docker = json.loads(BY_ID["docker-01"]["document"])
    docker["config"] = {"mediaType": "application/octet-stream", **_digest_of(DOCKER_CONFIG)}
    raw = json.dumps(docker).encode()
    tag = {"org.opencontainers.image.ref.name": "docker-1.12"}
    entries.append({"mediaType": mt.DOCKER_MANIFEST, **_blob(root, raw), "annotations": tag})
    index = {"schemaVersion": 2, "mediaType": mt.OCI_INDEX, "manifests": entries}
    (root / "index.json").write_text(json.dumps(index))
    return root


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("REGVIEW_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))


def _expected(case: dict[str, Any]) -> set[tuple[str, str]]:
    pairs = EXPECTED.get(case["id"], set())
    if case["kind"] == "descriptor":
        return {(f"layers[0].{path}", rule) for path, rule in pairs}
    return pairs


@pytest.mark.parametrize("case", SERVED, ids=[c["id"] for c in SERVED])
def test_lint_gives_the_spec_verdict_and_the_exact_paths(
    case: dict[str, Any], layout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["lint", "--json", f"oci:{layout}:{case['id']}"])
    out, err = capsys.readouterr()
    if not out:  # refused: only an invalid document may be, in one line
        assert case["fail"], err
        assert code == 1
        assert err.startswith("regview: ") and err.count("\n") == 1
        return
    report = json.loads(out)
    layout_doc, document = report["documents"][:2]
    assert layout_doc["kind"] == "oci-layout" and layout_doc["problems"] == []
    found = {(p["path"], p["rule"]) for p in document["problems"] if p["rule"] != "fetch"}
    assert found == _expected(case)
    # The fixtures' configs and children are not in the layout (made-up digests): each is
    # a "fetch" problem of the document naming it, so only the wrapped descriptors pass.
    assert (code == 0) == (report["problems"] == 0)
    if case["kind"] == "descriptor" and not case["fail"]:
        assert code == 0, report


@pytest.mark.parametrize(
    ("case_id", "algorithm"),
    [("descriptor-21", "sha256+b64"), ("descriptor-25", "multihash+base58")],
)
def test_an_unverifiable_digest_is_a_note_not_a_problem(
    case_id: str, algorithm: str, layout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["lint", f"oci:{layout}:{case_id}"]) == 0
    out = capsys.readouterr().out
    assert f"note: layers[0]: {algorithm}: not verifiable by regview" in out
    assert main(["inspect", "--json", f"oci:{layout}:{case_id}"]) == 0
    layer = json.loads(capsys.readouterr().out)["layers"][0]
    assert layer["unverifiable"] == f"{algorithm}: not verifiable by regview"


def test_unverifiable_content_itself_is_refused_saying_why(
    layout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inspect", f"oci:{layout}:manifest-06"]) == 0  # shown, all four digests
    out = capsys.readouterr().out
    assert "sha256+b64: not verifiable by regview" in out
    assert "multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8" in out
    assert main(["config", f"oci:{layout}:manifest-06"]) == 1
    err = capsys.readouterr().err
    assert err == (
        "regview: sha256+b64: not verifiable by regview: it checks only sha256 and sha512 "
        "digests, and content it cannot check is never fetched\n"
    )


def test_inspect_lists_problems_in_json_and_under_a_warning_in_text(
    layout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inspect", "--json", f"oci:{layout}:index-00"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [p["path"] for p in doc["problems"]] == ["manifests[0].mediaType"]
    assert doc["problems"][0]["rule"] == "media-type"
    assert main(["inspect", f"oci:{layout}:index-00"]) == 0
    lines = capsys.readouterr().out.splitlines()
    at = lines.index("⚠ Problems (1, by the OCI image-spec)")
    assert lines[at + 1].startswith("  ⚠ manifests[0].mediaType 'invalid' is not a media type")


def test_an_index_shows_its_own_artifact_type_and_subject(
    layout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for case_id, key in (("index-09", "artifactType"), ("index-10", "subject")):
        assert main(["inspect", "--json", f"oci:{layout}:{case_id}"]) == 0
        doc = json.loads(capsys.readouterr().out)
        given = json.loads(BY_ID[case_id]["document"])[key]
        assert doc[key] == (given if key == "artifactType" else {**given})
        assert main(["inspect", f"oci:{layout}:{case_id}"]) == 0
        text = capsys.readouterr().out
        shown = given if key == "artifactType" else given["digest"]
        assert any(line.endswith(shown) for line in text.splitlines()), text


def test_a_docker_1_12_octet_stream_config_is_read_as_an_image_config(
    layout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inspect", "--json", f"oci:{layout}:docker-1.12"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert "artifactType" not in doc
    config = doc["config"]
    assert (config["os"], config["architecture"]) == ("linux", "amd64")  # from docker-02
    assert config["entrypoint"] == ["docker-entrypoint.sh"]
    assert config["note"] == (
        "media type application/octet-stream: recognised as an image config by its content"
    )
    assert config["problems"] == []
    assert main(["inspect", f"oci:{layout}:docker-1.12"]) == 0
    assert "recognised as an image config by its content" in capsys.readouterr().out
    assert main(["lint", f"oci:{layout}:docker-1.12"]) == 0


def test_an_oci_layout_file_that_is_not_json_is_a_problem(
    layout: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("index.json", "blobs"):
        (broken / name).symlink_to(layout / name)
    (broken / "oci-layout").write_text(BY_ID["layout-00"]["document"])
    assert main(["lint", "--json", f"oci:{broken}:descriptor-00"]) == 1
    report = json.loads(capsys.readouterr().out)
    first = report["documents"][0]
    assert first["kind"] == "oci-layout"
    assert [(p["path"], p["rule"]) for p in first["problems"]] == [("", "json")]
    assert report["problems"] == 1


async def test_the_docker_1_12_image_has_the_date_its_config_gives(layout: Path) -> None:
    from datetime import UTC, datetime

    from regview.registry import OciLayoutSource, read_tag_info

    source = OciLayoutSource(layout)
    info = await read_tag_info(source, layout.name, "docker-1.12")
    assert info.error is None
    # docker-02's "created": "2016-10-10T23:04:00.821781828Z"
    assert info.created == datetime(2016, 10, 10, 23, 4, 0, 821781, tzinfo=UTC)
