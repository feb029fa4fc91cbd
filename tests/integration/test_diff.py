"""``regview diff`` against the real registry.

The images (tests/support/diff_images.py) are built with tarfile, pushed unchanged with
``skopeo copy --preserve-digests``, and compared by regview. Every expected difference
below is written down by hand from the layer contents: whiteouts, a re-add with the
same content (no difference) and with new content, a change of content at the same
size, a change of mode only, file -> symlink, file -> directory, an opaque directory,
hardlinks to a file of a lower layer. Layer positions in the JSON are 0-based.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import Regview
from tests.support.diff_images import (
    CONFIG_A,
    PAYLOAD,
    layers_a,
    layers_b,
    write_a,
    write_b,
)
from tests.support.layer_builders import write_image
from tests.support.publish import run_parallel, skopeo_copy_args, skopeo_inspect
from tests.support.registry import RegistryServer

pytestmark = pytest.mark.integration


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def pushed(registry: RegistryServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("diff")
    a, b = write_a(work / "a"), write_b(work / "b")
    multi = write_image(
        work / "multi", layers_a(), platforms=("linux/amd64", "linux/arm64"), config_fields=CONFIG_A
    )
    run_parallel(
        [
            skopeo_copy_args(f"oci:{multi}:latest", registry.ref("diff/multi", "1")),
            skopeo_copy_args(f"oci:{a}:latest", registry.ref("diff/app", "1")),
            skopeo_copy_args(f"oci:{b}:latest", registry.ref("diff/app", "2")),
            skopeo_copy_args(f"oci:{b}:latest", registry.ref("diff/other", "copy")),
        ]
    )
    return {
        "a": registry.ref("diff/app", "1"),
        "b": registry.ref("diff/app", "2"),
        "other": registry.ref("diff/other", "copy"),
        "multi": registry.ref("diff/multi", "1"),
        "layout_a": a,
        "layout_b": b,
    }


# What changes from A to B in the merged filesystems, by hand: path -> (change,
# attributes, layer in A, layer in B), layers 0-based.
EXPECTED_FILES = {
    "app": ("removed", [], 1, None),
    "app/a-only": ("removed", [], 1, None),
    "bin/tool": ("changed", ["type", "mode", "link"], 0, 1),
    "data/copy": ("changed", ["type", "link"], 1, 1),
    "data/link": ("added", [], None, 1),
    "etc/conf": ("changed", ["content"], 0, 1),
    "etc/gone": ("removed", [], 0, None),
    "etc/mode": ("changed", ["mode"], 0, 1),
    "etc/readd": ("changed", ["size", "content"], 0, 2),
    "opt/thing": ("changed", ["type", "mode"], 0, 1),
    "opt/thing/inner": ("added", [], None, 1),
    "var/cache/a": ("removed", [], 0, None),
    "var/cache/b": ("removed", [], 0, None),
    "var/cache/c": ("added", [], None, 1),
}


def test_the_files_section_lists_every_change_by_hand(
    regview: Regview, pushed: dict[str, Any]
) -> None:
    result = regview("diff", pushed["a"], pushed["b"], "--json")
    assert result.returncode == 1, result.describe()
    doc = result.json()
    assert doc["equal"] is False
    got = {
        f["path"]: (
            f["change"],
            f["attributes"],
            f["a"]["layer"] if f["a"] else None,
            f["b"]["layer"] if f["b"] else None,
        )
        for f in doc["files"]
    }
    assert got == EXPECTED_FILES
    files = {f["path"]: f for f in doc["files"]}
    # Same size, other content: only the hash tells them apart.
    conf = files["etc/conf"]
    assert (conf["a"]["size"], conf["b"]["size"]) == (11, 11)
    assert (conf["a"]["sha256"], conf["b"]["sha256"]) == (
        sha(b"colour=red\n"),
        sha(b"colour=tan\n"),
    )
    assert (files["etc/mode"]["a"]["mode"], files["etc/mode"]["b"]["mode"]) == (0o644, 0o755)
    assert files["bin/tool"]["b"]["linkTarget"] == "busybox"
    assert (files["opt/thing"]["a"]["type"], files["opt/thing"]["b"]["type"]) == ("file", "dir")
    # A hardlink to a lower layer's file carries that file's content.
    link = files["data/link"]["b"]
    assert (link["type"], link["linkTarget"], link["sha256"]) == (
        "hardlink",
        "data/orig",
        sha(PAYLOAD),
    )
    copy = files["data/copy"]
    assert copy["a"]["sha256"] == copy["b"]["sha256"] == sha(PAYLOAD)
    # etc/back was deleted and re-added with the same content, etc/keep never touched.
    assert "etc/back" not in files and "etc/keep" not in files
    assert doc["uncomparedContent"] == []


def test_the_manifest_config_history_and_size_sections(
    regview: Regview, pushed: dict[str, Any], registry: RegistryServer
) -> None:
    doc = regview("diff", pushed["a"], pushed["b"], "--json").json()
    a_blobs = [layer.blob for layer in layers_a()]
    b_blobs = [layer.blob for layer in layers_b()]
    digest = [f"sha256:{sha(blob)}" for blob in (*a_blobs, *b_blobs[1:])]
    assert doc["manifest"]["layers"] == [
        {
            "digest": digest[0],
            "change": "shared",
            "size": len(a_blobs[0]),
            "positionA": 0,
            "positionB": 0,
        },
        {
            "digest": digest[1],
            "change": "removed",
            "size": len(a_blobs[1]),
            "positionA": 1,
            "positionB": None,
        },
        {
            "digest": digest[2],
            "change": "added",
            "size": len(b_blobs[1]),
            "positionA": None,
            "positionB": 1,
        },
        {
            "digest": digest[3],
            "change": "added",
            "size": len(b_blobs[2]),
            "positionA": None,
            "positionB": 2,
        },
    ]
    assert doc["manifest"]["mediaTypes"] == []
    config = [
        (c["field"], c.get("key"), c["change"], c["before"], c["after"]) for c in doc["config"]
    ]
    assert config == [
        ("created", None, "changed", "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z"),
        ("user", None, "added", None, "app"),
        ("workdir", None, "changed", "/", "/srv"),
        ("entrypoint", None, "added", None, '["/init"]'),
        ("cmd", None, "changed", '["sh"]', '["sh", "-c", "run"]'),
        ("env", "EXTRA", "added", None, "1"),
        ("env", "MODE", "removed", "a", None),
        ("ports", "443/tcp", "added", None, "443/tcp"),
        ("volumes", "/data", "added", None, "/data"),
        ("labels", "new", "added", None, "y"),
        ("labels", "version", "changed", "1", "2"),
    ]
    assert [(h["change"], h["index"], h["createdBy"]) for h in doc["history"]] == [
        ("removed", 1, "COPY app /app"),
        ("added", 1, "RUN patch"),
        ("added", 2, "RUN fix"),
    ]
    sizes = {s["name"]: (s["a"], s["b"]) for s in doc["sizes"]}
    # Sums of the file contents written in diff_images.py, counted by hand.
    assert sizes["files"] == (76, 48)
    assert sizes["fileCount"] == (13, 8)
    assert sizes["layers"] == (sum(map(len, a_blobs)), sum(map(len, b_blobs)))
    served = [skopeo_inspect(pushed[side]) for side in ("a", "b")]
    assert sizes["manifest"] == (len(served[0]), len(served[1]))
    assert doc["a"]["digest"] == f"sha256:{sha(served[0])}"


def test_the_text_form_has_every_section_and_exits_1(
    regview: Regview, pushed: dict[str, Any]
) -> None:
    result = regview("diff", pushed["a"], pushed["b"])
    assert result.returncode == 1, result.describe()
    text = result.text
    for header in ("== manifest", "== config", "== history", "== sizes", "== files"):
        assert header in text
    assert "~ etc/conf  [file] layer 1 → 2  content" in text
    assert "~ etc/mode  [file] layer 1 → 2  mode -rw-r--r-- → -rwxr-xr-x" in text
    assert "+ env EXTRA = 1" in text
    assert text.rstrip().endswith("the images differ")


def test_the_same_image_by_tag_digest_repository_and_layout_is_equal(
    regview: Regview, pushed: dict[str, Any], registry: RegistryServer
) -> None:
    digest = f"sha256:{sha(skopeo_inspect(pushed['b']))}"
    by_digest = registry.ref("diff/app", digest)
    for other in (pushed["b"], by_digest, pushed["other"], f"oci:{pushed['layout_b']}:latest"):
        result = regview("diff", pushed["b"], other)
        assert result.returncode == 0, result.describe()
        assert result.text.rstrip().endswith("the images are equal")
    doc = regview("diff", f"oci:{pushed['layout_b']}", pushed["b"], "--json")
    assert doc.returncode == 0 and doc.json()["equal"] is True
    assert doc.json()["files"] == [] and doc.json()["config"] == []


def test_a_layout_against_the_registry_shows_the_same_files(
    regview: Regview, pushed: dict[str, Any]
) -> None:
    result = regview("diff", f"oci:{pushed['layout_a']}", pushed["b"], "--json")
    assert result.returncode == 1, result.describe()
    assert [f["path"] for f in result.json()["files"]] == sorted(EXPECTED_FILES)


def test_errors_exit_2_with_one_line(
    regview: Regview, pushed: dict[str, Any], tmp_path: Path
) -> None:
    missing = regview("diff", pushed["a"], pushed["a"].rsplit(":", 1)[0] + ":nope").failed()
    assert missing.returncode == 2
    bad = regview("diff", pushed["a"], "Not A Reference").failed()
    assert bad.returncode == 2
    layout = regview("diff", pushed["a"], f"oci:{tmp_path / 'none'}").failed()
    assert layout.returncode == 2


def test_the_second_diff_reads_no_blob(regview: Regview, pushed: dict[str, Any]) -> None:
    first = regview("diff", pushed["a"], pushed["b"], "--json", "-v")
    assert first.returncode == 1
    second = regview("diff", pushed["a"], pushed["b"], "--json", "-v")
    assert second.returncode == 1

    def blob_gets(stderr: str) -> list[str]:
        return [
            line
            for line in stderr.splitlines()
            if line.startswith("GET ") and line.split()[1].isdigit() and "/blobs/" in line
        ]

    # 4 distinct layers (one shared) and 2 configs.
    assert len(blob_gets(first.stderr)) == 6, first.stderr
    # TOCs and configs are cached by digest: no blob is read the second time.
    assert blob_gets(second.stderr) == [], second.stderr
    assert first.json()["files"] == second.json()["files"]


def test_platform_picks_the_image_of_an_index_on_both_sides(
    regview: Regview, pushed: dict[str, Any]
) -> None:
    # The index's images are A's layers plus a last layer holding etc/arch (the platform's
    # name, tests/support/layer_builders.py write_image); A itself has no etc/arch.
    doc = regview("diff", pushed["a"], pushed["multi"], "--platform", "linux/arm64", "--json")
    assert doc.returncode == 1, doc.describe()
    files = doc.json()["files"]
    assert [(f["path"], f["change"], f["b"]["layer"]) for f in files] == [("etc/arch", "added", 2)]
    assert files[0]["b"]["sha256"] == sha(b"linux/arm64")
    same = regview("diff", pushed["multi"], pushed["multi"], "--platform", "linux/arm64", "--json")
    assert same.returncode == 0, same.describe()
    index = json.loads(skopeo_inspect(pushed["multi"]))
    (arm,) = [m["digest"] for m in index["manifests"] if m["platform"]["architecture"] == "arm64"]
    assert same.json()["a"]["digest"] == arm


def test_files_json_shows_each_files_sha256(regview: Regview, pushed: dict[str, Any]) -> None:
    entries = regview("files", pushed["b"], "--json").ok().json()["entries"]
    by_path = {e["path"]: e for e in entries}
    assert by_path["etc/conf"]["sha256"] == sha(b"colour=tan\n")
    assert by_path["etc/readd"]["sha256"] == sha(b"new!\n")
    assert "sha256" not in by_path["bin/tool"]  # a symlink has no content
