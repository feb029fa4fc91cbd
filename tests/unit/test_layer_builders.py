"""The layer builders the layer tests rely on make archives other tools accept."""

from __future__ import annotations

import shutil
import zlib
from pathlib import Path

import pytest

from tests.support.layer_builders import estargz, gz, sample_tar, tar_members, tar_tv, zstd_chunked


def test_sample_tar_is_read_by_tarfile_and_gnu_tar(tmp_path: Path) -> None:
    raw = sample_tar()
    names = [m.name for m in tar_members(raw)]
    assert "bin/tool2" in names
    assert len(tar_tv(gz(raw), tmp_path)) == len(names)


def test_estargz_blob_is_a_valid_tar_gz(tmp_path: Path) -> None:
    blob, _ = estargz(sample_tar())
    names = [row[3] for row in tar_tv(blob, tmp_path)]
    assert names[-1] == "stargz.index.json"
    assert zlib.decompressobj(31).decompress(blob[-51:]) == b""


def test_zstd_chunked_blob_is_a_valid_tar_zst(tmp_path: Path) -> None:
    if shutil.which("zstd") is None:
        pytest.skip("GNU tar needs the zstd program for --zstd")
    blob, _ = zstd_chunked(sample_tar())
    assert len(tar_tv(blob, tmp_path, zstd=True)) == len(tar_members(sample_tar()))
