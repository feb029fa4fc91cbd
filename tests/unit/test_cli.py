"""The scripting CLI, in process, on OCI layouts (the real registry is in tests/integration)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from regview.cli import find_command, main
from regview.demo import demo_path
from regview.registry import media_types as mt
from regview.registry.oci_layout import LayoutWriter


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_path(tmp_path_factory.mktemp("cache"))


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("REGVIEW_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))


def test_find_command_skips_flag_values() -> None:
    assert find_command(["--cache-dir", "tags", "inspect", "x"]) == "inspect"
    assert find_command(["-v", "tags", "r"]) == "tags"
    assert find_command(["127.0.0.1:5000"]) is None
    assert find_command([]) is None


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("regview ")


def test_inspect_text_and_json(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", f"oci:{demo}/acme/api:v3"]) == 0
    text = capsys.readouterr().out
    assert "Docker manifest v2" in text and "WorkingDir /app" in text and "History" in text
    assert main(["inspect", "--json", f"oci:{demo}/acme/api:v3"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["mediaType"] == mt.DOCKER_MANIFEST
    assert obj["config"]["user"] == "api"
    assert obj["config"]["volumes"] == ["/data"]


def test_inspect_text_numbers_layers_from_1(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ref = f"oci:{demo}/acme/api:v3"
    assert main(["inspect", "--json", ref]) == 0
    obj = json.loads(capsys.readouterr().out)
    digests = [layer["digest"] for layer in obj["layers"]]
    steps = [(h.get("emptyLayer"), h.get("layerIndex")) for h in obj["config"]["history"]]
    assert [i for empty, i in steps if not empty] == [0, 1, 2]  # JSON: positions in layers
    assert main(["inspect", ref]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = [line.split() for line in lines]
    listed = [row[:2] for row in rows if len(row) > 1 and row[1] in digests]
    assert listed == [[str(n), d] for n, d in enumerate(digests, start=1)]
    history = lines[lines.index("History") + 1 :]
    layers = [" ".join(line.split()[:2]) for line in history if line.split()[0] != "empty"]
    assert layers == ["layer 1", "layer 2", "layer 3"]
    assert history[0].split()[-1] == "/" and history[2].endswith("in /app")


def test_inspect_several_references_prints_json_lines_in_order(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    refs = [f"oci:{demo}/acme/api:v{i}" for i in (3, 1, 2)]
    assert main(["inspect", "--json", *refs]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["reference"] for line in lines] == refs


def test_inspect_platform_of_an_index(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["inspect", "--json", "--platform", "linux/arm64", f"oci:{demo}/acme/web:1.9.3"]) == 0
    )
    obj = json.loads(capsys.readouterr().out)
    assert obj["mediaType"] == mt.OCI_MANIFEST
    assert (obj["config"]["architecture"], obj["config"]["variant"]) == ("arm64", "v8")


def test_missing_platform_is_a_one_line_error(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config", "--platform", "windows/amd64", f"oci:{demo}/acme/web:latest"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "no image for platform windows/amd64" in err and "linux/arm/v7" in err
    assert "Traceback" not in err


def test_manifest_is_raw_bytes(demo: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert main(["manifest", f"oci:{demo}/acme/worker:stable"]) == 0
    out = capsysbinary.readouterr().out
    assert json.loads(out)["mediaType"] == mt.DOCKER_MANIFEST_LIST


def test_tags_are_sorted_naturally(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tags", "--json", f"oci:{demo}/acme/web"]) == 0
    tags = json.loads(capsys.readouterr().out)["tags"]
    releases = [t for t in tags if t[0].isdigit()]
    assert releases == ["1.8.0", "1.9.0", "1.9.3", "1.10.0", "2.0.0-rc.1"]


def test_invalid_reference_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", "Not A Ref!"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("regview: ") and "Traceback" not in err


def test_password_flags_must_go_together(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", "-u", "bob", "127.0.0.1:1/x:y"]) == 2
    assert "--password-stdin" in capsys.readouterr().err


def test_hostile_names_are_escaped_in_text_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    w = LayoutWriter(tmp_path / "repo")
    d = w.add_json({"schemaVersion": 2, "mediaType": mt.OCI_INDEX, "manifests": []}, mt.OCI_INDEX)
    w.tag(d, "evil\x1b]52;c;SGVsbG8=\x07\x1b[2J")
    w.close()
    assert main(["tags", f"oci:{tmp_path}/repo"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "evil\\x1b]52;c;SGVsbG8=\\x07\\x1b[2J" in out


def test_connection_refused_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--timeout", "5", "tags", "127.0.0.1:1/nothing"]) == 1
    err = capsys.readouterr().err
    assert "cannot connect to 127.0.0.1:1" in err and err.count("\n") == 1
