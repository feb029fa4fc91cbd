"""``regview cat`` and ``regview files`` through the real registry agree with GNU tar.

The layers (duplicates, hard links to copies, to symbolic links, in chains, forwards;
sparse files of every GNU format; a directory repeated with new metadata; a whiteout of
a directory that a later layer makes again) are pushed unchanged with skopeo, then read
by the CLI; the expected bytes, sizes, sha256s and mtimes come from GNU tar extracting
the same layers in order, and from Python's ``tarfile`` listing them.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import Regview
from tests.support.gnu_tar import SPARSE_FORMATS, Extracted, extract_layers, sparse_layer
from tests.support.layer_builders import Layer, TarBuilder, gz, write_image
from tests.support.publish import run_parallel, skopeo_copy_args
from tests.support.registry import RegistryServer
from tests.unit.test_tar_semantics import PATHS, base_layer, dirs_layer, links_layer

pytestmark = pytest.mark.integration

FORMATS = sorted(SPARSE_FORMATS)
SPARSE_FIRST = 6  # the 0-based index of the first sparse layer below


def raw_layers(tmp: Path) -> list[bytes]:
    gone = TarBuilder().dir("gone").file("gone/x", b"x" * 10).file("gone/sub/y", b"yy")
    return [
        base_layer(),  # base, late: what the hard links of layer 4 find below
        dirs_layer(1_000_000_000, 0o755, "etc/one"),
        gone.bytes(),
        links_layer(),
        TarBuilder().whiteout("gone").bytes(),
        dirs_layer(1_500_000_000, 0o755, "etc/two"),  # etc repeated, a new mtime
        *(sparse_layer(tmp, fmt, under=fmt) for fmt in FORMATS),
        TarBuilder().dir("gone").file("gone/new", b"again").bytes(),  # made again
    ]


@pytest.fixture(scope="module")
def semantics(
    registry: RegistryServer, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, list[bytes], Extracted]:
    work = tmp_path_factory.mktemp("semantics")
    raws = raw_layers(work)
    layout = write_image(work / "img", [Layer(gz(raw)) for raw in raws])
    ref = registry.ref("semantics/tar", "latest")
    run_parallel([skopeo_copy_args(f"oci:{layout}:latest", ref)])
    return ref, raws, extract_layers(work, *raws)


def test_cat_gives_what_gnu_tar_extracts(
    regview: Regview, semantics: tuple[str, list[bytes], Extracted]
) -> None:
    ref, _raws, extracted = semantics
    for path in PATHS:
        expected = extracted.content(path)
        result = regview("cat", ref, "/" + path)
        if expected is None:
            result.failed()
            assert "not in the image" in result.stderr, (path, result.describe())
            assert len(result.stderr.strip().splitlines()) == 1, result.describe()
        else:
            assert result.ok().stdout == expected, path
    for fmt in FORMATS:
        for name in ("big.bin", "tail-hole.bin", "all-hole.bin", "data-at-end.bin", "many.bin"):
            path = f"{fmt}/{name}"
            out = regview("cat", ref, path).ok().stdout
            assert len(out) == extracted.lstat(path).st_size, path
            assert hashlib.sha256(out).hexdigest() == extracted.sha256(path), path
    regview("cat", ref, "/gone/x").failed()


def test_the_merged_listing_agrees_with_gnu_tar(
    regview: Regview, semantics: tuple[str, list[bytes], Extracted]
) -> None:
    ref, _raws, extracted = semantics
    merged = regview("files", ref, "--json").ok().json()
    entries: dict[str, dict[str, Any]] = {}
    deleted: dict[str, dict[str, Any]] = {}
    for e in merged["entries"]:
        (deleted if e["status"] == "deleted" else entries)[e["path"]] = e
    # The last copy of a path wins.
    for path in ("a", "base", "late"):
        assert entries[path]["size"] == extracted.lstat(path).st_size, path
        assert entries[path]["sha256"] == extracted.sha256(path), path
    # Sparse files: their real size, and the sha256 of the content GNU tar extracts.
    for fmt in FORMATS:
        for name in ("big.bin", "many.bin", "all-hole.bin"):
            e = entries[f"{fmt}/{name}"]
            assert e["size"] == extracted.lstat(f"{fmt}/{name}").st_size
            assert e["sha256"] == extracted.sha256(f"{fmt}/{name}")
            assert e["layer"] == SPARSE_FIRST + FORMATS.index(fmt)
    # etc: the layer that declared it last, with its mtime (which GNU tar leaves).
    assert (entries["etc"]["layer"], entries["etc"]["status"]) == (5, "changed")
    assert entries["etc"]["mtime"] == int(extracted.lstat("etc").st_mtime) == 1_500_000_000
    # gone/ deleted by layer 5 (0-based 4), made again by the top layer: what it held
    # stays listed as deleted by that whiteout.
    assert entries["gone"]["layer"] == len(merged["layers"]) - 1
    assert {p: (d["layer"], d["deletedBy"]) for p, d in deleted.items()} == {
        "gone/x": (4, "whiteout"),
        "gone/sub/y": (4, "whiteout"),  # gone/sub was never an entry of its own
    }


def test_each_layer_lists_sparse_files_with_their_real_size(
    regview: Regview, semantics: tuple[str, list[bytes], Extracted]
) -> None:
    ref, raws, _extracted = semantics
    for i, fmt in enumerate(FORMATS):
        index = SPARSE_FIRST + i
        listed = regview("files", ref, "--layer", str(index + 1), "--json").ok().json()
        with tarfile.open(fileobj=io.BytesIO(raws[index])) as t:
            expected = {m.name.rstrip("/"): m.size for m in t if m.isfile()}
        got = {e["path"]: e["size"] for e in listed["entries"] if e["type"] == "file"}
        assert got == expected, fmt
