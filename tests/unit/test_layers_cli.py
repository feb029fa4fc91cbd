"""``regview files`` and ``regview cat``, in process, on OCI layouts built by the tests."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from regview.cli import find_command, main
from regview.demo import demo_path
from regview.registry import media_types as mt
from regview.registry.settings import Settings
from tests.support.layer_builders import (
    Layer,
    TarBuilder,
    estargz,
    gz,
    sample_tar,
    tar_tv,
    write_image,
    zst,
)
from tests.unit.test_layers_merge import BASE, UPPER


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("REGVIEW_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))


@pytest.fixture
def multiarch(tmp_path: Path) -> str:
    layers = [Layer(gz(BASE)), Layer(zst(UPPER), mt.OCI_LAYER_ZSTD)]
    write_image(tmp_path / "multi", layers, platforms=("linux/amd64", "linux/arm64"))
    return f"oci:{tmp_path / 'multi'}:latest"


def test_files_and_cat_are_commands() -> None:
    assert find_command(["files", "x"]) == "files"
    assert find_command(["--layer", "1", "cat", "x", "/p"]) == "cat"


def test_files_merged_text_on_a_multi_arch_image(
    multiarch: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["files", multiarch, "--platform", "linux/arm64"]) == 0
    lines = capsys.readouterr().out.splitlines()
    by_path = {line.split()[-1]: line.split()[:2] for line in lines if "->" not in line}
    # Layers are numbered for people as in the explorer: 1 is the bottom layer.
    assert by_path["usr/lib/libc.so"] == ["1", "added"]
    assert by_path["etc/passwd"] == ["2", "changed"]
    assert by_path["etc/hosts"] == ["2", "deleted"]
    assert by_path["etc/arch"] == ["3", "added"]
    assert by_path["var/cache"] == ["2", "opaque"]
    assert any(line.endswith("lib -> usr/lib") for line in lines)


def test_files_merged_json(multiarch: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["files", multiarch, "--platform", "linux/amd64", "--json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert [layer["index"] for layer in obj["layers"]] == [0, 1, 2]
    assert obj["layers"][1]["compression"] == "zstd"
    entries = {e["path"]: e for e in obj["entries"]}
    assert (entries["etc/passwd"]["layer"], entries["etc/passwd"]["status"]) == (1, "changed")
    assert entries["etc/hosts"]["status"] == "deleted"
    assert entries["etc/hosts"]["deletedBy"] == "whiteout"
    assert entries["lib"]["linkTarget"] == "usr/lib"
    assert obj["largest"][0] == "opt/tool" or obj["largest"][0] == "usr/lib/libc.so"


def test_files_of_one_layer_matches_gnu_tar(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    raw = sample_tar()
    blob = gz(raw)
    write_image(tmp_path / "one", [Layer(blob)])
    assert main(["files", f"oci:{tmp_path / 'one'}", "--layer", "1"]) == 0
    ours = capsysbinary.readouterr().out.decode().splitlines()
    theirs = tar_tv(blob, tmp_path)
    assert len(ours) == len(theirs)
    for line, (mode, owner, size, _name) in zip(ours, theirs, strict=True):
        fields = line.split(None, 5)
        assert fields[0] == mode and fields[1] == owner
        if "," not in fields[2]:
            assert int(fields[2]) == size
    # Non-UTF-8 names come out as visible escapes, never raw bytes.
    assert any("caf\\xe9.txt" in line for line in ours)


def test_files_layer_by_digest_json_and_sorting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blob = gz(sample_tar())
    write_image(tmp_path / "one", [Layer(blob)])
    ref = f"oci:{tmp_path / 'one'}"
    import hashlib

    prefix = hashlib.sha256(blob).hexdigest()[:12]
    assert main(["files", ref, "--layer", prefix, "--json", "--sort", "size"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["layer"]["uncompressedSize"] == len(sample_tar())
    assert obj["entries"][0]["path"] == "etc/big"
    weird = next(e for e in obj["entries"] if e["path"].startswith("caf"))
    assert weird["pathBase64"] == "Y2Fm6S50eHQ="
    tool = next(e for e in obj["entries"] if e["path"] == "bin/tool2")
    assert (tool["type"], tool["linkTarget"]) == ("hardlink", "bin/tool")
    assert main(["files", ref, "--layer", "7"]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_layer_numbers_start_at_1_for_the_bottom_layer(
    multiarch: str, capsys: pytest.CaptureFixture[str]
) -> None:
    def layer(which: str) -> dict[str, object]:
        assert main(["files", multiarch, "--layer", which, "--json"]) == 0, which
        obj: dict[str, object] = json.loads(capsys.readouterr().out)["layer"]
        return obj

    bottom, middle, top = layer("1"), layer("2"), layer("3")
    assert [bottom["index"], middle["index"], top["index"]] == [0, 1, 2]  # JSON: positions
    assert middle["compression"] == "zstd"
    assert layer("-1") == top and layer("-3") == bottom
    for wrong in ("4", "-4"):
        assert main(["files", multiarch, "--layer", wrong]) == 1
        err = capsys.readouterr().err
        assert f"layer {wrong} does not exist (the image has 3;" in err
    for zero in ("0", "-0", "00"):
        assert main(["files", multiarch, "--layer", zero]) == 2
        err = capsys.readouterr().err
        assert "layers are numbered from 1 (the bottom layer); -1 is the top layer" in err
        assert err.count("\n") == 1


def test_files_uses_an_estargz_toc_and_the_cache(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blob, annotations = estargz(sample_tar())
    write_image(tmp_path / "lazy", [Layer(blob, annotations=annotations)])
    ref = f"oci:{tmp_path / 'lazy'}"
    assert main(["files", ref, "--layer", "-1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["layer"]["origin"] == "estargz"
    assert list((tmp_path / "cache" / "layers").rglob("*.json.gz"))
    assert main(["files", ref, "--layer", "-1", "--json", "--full"]) == 0
    assert json.loads(capsys.readouterr().out)["layer"]["origin"] == "tar"


def test_cat_writes_raw_bytes_to_a_pipe(
    multiarch: str, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert main(["cat", multiarch, "/etc/passwd"]) == 0
    assert capsysbinary.readouterr().out == b"root:x:0:0\nuser:x:1000:1000\n"
    assert main(["cat", multiarch, "/etc/arch", "--platform", "linux/arm64"]) == 0
    assert capsysbinary.readouterr().out == b"linux/arm64"


def test_cat_errors_are_one_line(multiarch: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cat", multiarch, "/etc/hosts"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("regview: /etc/hosts is not in the image (deleted by etc/.wh.hosts)")
    assert err.count("\n") == 1
    assert main(["cat", multiarch, "/var"]) == 1
    assert "is a directory" in capsys.readouterr().err


class _Tty:
    """A stdout that says it is a terminal, collecting what is written."""

    def __init__(self) -> None:
        import io

        self.buffer = io.BytesIO()
        self.text: list[str] = []

    def isatty(self) -> bool:
        return True

    def write(self, s: str) -> int:
        self.text.append(s)
        return len(s)

    def flush(self) -> None:
        pass


def test_cat_to_a_terminal_refuses_binary_and_escapes_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = TarBuilder().file("bin", b"\x7fELF\0\0\1").file("txt", b"hi \x1b[2J there\n").bytes()
    write_image(tmp_path / "t", [Layer(gz(raw))])
    ref = f"oci:{tmp_path / 't'}"
    tty = _Tty()
    monkeypatch.setattr(sys, "stdout", tty)
    assert main(["cat", ref, "bin"]) == 2
    assert "binary" in capsys.readouterr().err
    assert main(["cat", ref, "txt"]) == 0
    assert "".join(tty.text) == "hi \\x1b[2J there\n"
    assert main(["cat", ref, "bin", "--force"]) == 0
    assert tty.buffer.getvalue() == b"\x7fELF\0\0\1"


def test_files_on_the_demo(capsys: pytest.CaptureFixture[str]) -> None:
    ref = f"oci:{demo_path(Settings.from_environment().cache_root())}/acme/web:latest"
    assert main(["files", ref, "--platform", "linux/arm/v7"]) == 0
    out = capsys.readouterr().out
    assert "etc/os-release" in out and "usr/bin/web" in out
    assert main(["cat", ref, "/etc/os-release"]) == 0
    assert "Demo Linux" in capsys.readouterr().out


def test_cat_of_a_dangling_link_names_where_it_points(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # As in a Debian layer without usr/lib: /etc/os-release -> ../usr/lib/os-release.
    raw = TarBuilder().dir("etc").symlink("etc/os-release", "../usr/lib/os-release").bytes()
    write_image(tmp_path / "t", [Layer(gz(raw))])
    assert main(["cat", f"oci:{tmp_path / 't'}", "/etc/os-release"]) == 1
    assert capsys.readouterr().err == (
        "regview: /etc/os-release is not in the image "
        "(it links to /usr/lib/os-release, which is not in the image)\n"
    )
