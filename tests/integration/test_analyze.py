"""``regview analyze``: dive's efficiency figures, without dive's double counting (#684),
on an image pushed to the real registry whose layers modify, change mode only, delete,
re-add, change type, use an opaque directory and keep a file alive through a hard link.

Every expected figure below is worked out by hand from the layer contents listed in
``LAYERS``; none comes from regview.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import Regview
from tests.support.layer_builders import Layer, TarBuilder, gz, write_image
from tests.support.publish import run_parallel, skopeo_copy_args
from tests.support.registry import RegistryServer

pytestmark = pytest.mark.integration


def _bytes(n: int, fill: bytes) -> bytes:
    return fill * n


def layer0() -> bytes:
    return (
        TarBuilder()
        .dir("etc")
        .file("etc/config", _bytes(100, b"a"))  # modified in layer 2
        .dir("bin")
        .file("bin/tool", _bytes(200, b"b"))  # same content, mode only, in layer 2
        .dir("data")
        .file("data/big", _bytes(1000, b"c"))  # hard-linked in 2, path deleted in 3
        .dir("tmp")
        .file("tmp/junk", _bytes(300, b"d"))  # deleted in layer 2
        .dir("var")
        .dir("var/cache")
        .file("var/cache/a", _bytes(50, b"e"))  # opaque dir in 3, re-added (70 B)
        .file("var/cache/b", _bytes(60, b"f"))  # opaque dir in 3, gone
        .dir("opt")
        .file("opt/thing", _bytes(400, b"g"))  # becomes a directory in layer 2
        .dir("srv")
        .file("srv/re", _bytes(80, b"h"))  # deleted in 2, re-added (90 B) in 3
        .bytes()
    )


def layer1() -> bytes:
    return (
        TarBuilder()
        .file("etc/config", _bytes(120, b"A"))
        .file("bin/tool", _bytes(200, b"b"), mode=0o755)
        .dir("keep")
        .hardlink("keep/big", "data/big")
        .whiteout("tmp/junk")
        .dir("opt/thing")
        .file("opt/thing/inner", _bytes(10, b"i"))
        .whiteout("srv/re")
        .bytes()
    )


def layer2() -> bytes:
    return (
        TarBuilder()
        .whiteout("data/big")
        .opaque("var/cache")
        .file("var/cache/a", _bytes(70, b"E"))
        .file("srv/re", _bytes(90, b"H"))
        .bytes()
    )


# By hand. Content bytes per layer (regular files; whiteouts and links carry none):
#   layer 1: 100 + 200 + 1000 + 300 + 50 + 60 + 400 + 80 = 2190 (8 files)
#   layer 2: 120 + 200 + 10 = 330 (3 files)
#   layer 3: 70 + 90 = 160 (2 files)
#   shipped 2680; user (above the base layer) 490.
# Wasted, the copies minus the one kept:
#   opt/thing 400 (now a directory), tmp/junk 300 (deleted by 2), bin/tool 200 (mode
#   only: the content ships again), etc/config 100, srv/re 80 (the 90-byte copy of 3 is
#   kept), var/cache/b 60 (opaque in 3), var/cache/a 50 (the 70-byte copy of 3 is kept).
#   data/big: 0 — keep/big, a hard link to it, keeps its content.
#   Total 1190. (dive would count 2200+: every copy, kept or not, and deletions twice.)
SHIPPED, USER, WASTED = 2680, 490, 1190
INEFFICIENT = [
    # path, wasted, copies (0-based layer, size, kept), deleted by (0-based layer)
    ("opt/thing", 400, [(0, 400, False)], None),
    ("tmp/junk", 300, [(0, 300, False)], 1),
    ("bin/tool", 200, [(0, 200, False), (1, 200, True)], None),
    ("etc/config", 100, [(0, 100, False), (1, 120, True)], None),
    ("srv/re", 80, [(0, 80, False), (2, 90, True)], None),
    ("var/cache/b", 60, [(0, 60, False)], 2),
    ("var/cache/a", 50, [(0, 50, False), (2, 70, True)], None),
]
LARGEST = [
    ("bin/tool", 200, 1),
    ("etc/config", 120, 1),
    ("srv/re", 90, 2),
    ("var/cache/a", 70, 2),
    ("opt/thing/inner", 10, 1),
]


@pytest.fixture(scope="module")
def image(registry: RegistryServer, tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("analyze") / "layout"
    write_image(root, [Layer(gz(layer0())), Layer(gz(layer1())), Layer(gz(layer2()))])
    ref = registry.ref("analyze/cases", "latest")
    run_parallel([skopeo_copy_args(f"oci:{root}:latest", ref)])
    return ref


def test_figures_written_by_hand(regview: Regview, image: str) -> None:
    obj = regview("analyze", image, "--json").ok().json()
    assert obj["shippedBytes"] == SHIPPED
    assert obj["userBytes"] == USER
    assert obj["wastedBytes"] == WASTED
    assert obj["efficiency"] == pytest.approx((SHIPPED - WASTED) / SHIPPED)  # 0.55597
    assert obj["userWastedPercent"] == pytest.approx(WASTED / USER)  # 2.4286
    assert [layer["size"] for layer in obj["layers"]] == [2190, 330, 160]
    assert [layer["files"] for layer in obj["layers"]] == [8, 3, 2]
    got = [
        (
            f["path"],
            f["wastedBytes"],
            [(c["layer"], c["size"], c["kept"]) for c in f["copies"]],
            f["deletedBy"],
        )
        for f in obj["inefficientFiles"]
    ]
    assert got == INEFFICIENT
    assert [(f["path"], f["size"], f["layer"]) for f in obj["largestFiles"]] == LARGEST


def test_text_report(regview: Regview, image: str) -> None:
    text = regview("analyze", image).ok().text
    assert "efficiency: 55.60 %" in text
    assert "wasted bytes: 1190 (1.2 kB)" in text
    assert "user wasted percent: 242.86 %" in text
    inefficient = text.split("inefficient files:")[1].split("largest files:")[0]
    rows = {line.split()[-1]: line.split() for line in inefficient.splitlines() if line.strip()}
    # Layer numbers for people start at 1; * marks the copy kept.
    assert rows["tmp/junk"][:3] == ["300", "1:300", "deleted:2"]
    assert rows["srv/re"][:3] == ["80", "1:80", "3:90*"]


def test_ci_rules_pass_and_fail(regview: Regview, image: str, tmp_path: Path) -> None:
    ok = regview(
        "analyze",
        image,
        "--ci",
        "--lowest-efficiency",
        "0.5",
        "--highest-wasted-bytes",
        "1190",
        "--highest-user-wasted-percent",
        "disabled",
    ).ok()
    assert "PASS lowest-efficiency" in ok.text and "PASS highest-wasted-bytes" in ok.text
    assert "highest-user-wasted-percent" not in ok.text

    bad = regview(
        "analyze", image, "--ci", "--lowest-efficiency", "0.6", "--highest-wasted-bytes", "1kB"
    )
    assert bad.returncode == 1 and "Traceback" not in bad.stderr, bad.describe()
    assert "FAIL lowest-efficiency" in bad.text
    failed = [line for line in bad.stderr.splitlines() if "CI rule" in line]
    # dive's default for the user wasted ratio (0.1) applies too: three failures.
    assert len(failed) == 3
    assert "lowest-efficiency" in failed[0] and "0.5560" in failed[0]
    assert "highest-wasted-bytes" in failed[1] and "1190" in failed[1]
    assert "highest-user-wasted-percent" in failed[2]


def test_ci_config_file(regview: Regview, image: str, tmp_path: Path) -> None:
    config = tmp_path / "dive-ci.yaml"
    config.write_text(
        "plugins:\n  - plugin1\nrules:\n"
        "  # as dive's own example\n"
        "  lowestEfficiency: 0.95\n"
        "  highest-wasted-bytes: disabled\n"
        "  highest-user-wasted-percent: 'off'\n"
    )
    bad = regview("analyze", image, "--ci-config", str(config)).failed()
    assert [line for line in bad.stderr.splitlines() if "CI rule" in line] == [
        "regview: CI rule lowest-efficiency failed: efficiency 0.5560 is below the lowest "
        "allowed 0.95"
    ]
    # A flag overrides the file.
    regview("analyze", image, "--ci-config", str(config), "--lowest-efficiency", "0.55").ok()
    obj = regview("analyze", image, "--ci-config", str(config), "--json").failed().json()
    assert obj["ci"] == [{"rule": "lowest-efficiency", "passed": False}]


def test_bad_rule_values_are_usage_errors(regview: Regview, image: str) -> None:
    for flags, word in (
        (["--lowest-efficiency", "1.5"], "between 0 and 1"),
        (["--highest-wasted-bytes", "lots"], "20MB"),
        (["--ci-config", "/nonexistent/.dive-ci"], "cannot read"),
    ):
        result = regview("analyze", image, *flags).failed()
        assert result.returncode == 2
        assert word in result.stderr
