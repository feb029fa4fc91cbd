"""The layer builders the layer tests rely on make archives other tools accept."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest
import zstandard

from tests.support.layer_builders import (
    estargz,
    gz,
    sample_tar,
    tar_members,
    tar_tv,
    zstd_chunked,
    zstd_chunked_files,
)


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


def test_zstd_chunked_files_inflates_to_the_tar_and_its_chunks_to_the_files(
    tmp_path: Path,
) -> None:
    if shutil.which("zstd") is None:
        pytest.skip("needs the zstd program")
    raw = sample_tar()
    blob, annotations = zstd_chunked_files(raw, chunk_size=30_000)
    (tmp_path / "blob.zst").write_bytes(blob)
    inflated = subprocess.run(
        ["zstd", "-dc", str(tmp_path / "blob.zst")], check=True, capture_output=True
    ).stdout
    assert inflated == raw
    offset, length, _, _ = (
        int(n)
        for n in annotations["io.github.containers.zstd-chunked.manifest-position"].split(":")
    )
    toc = json.loads(zstandard.ZstdDecompressor().decompress(blob[offset : offset + length]))
    big = [r for r in toc["entries"] if r["name"] == "etc/big"]
    assert [r["type"] for r in big] == ["reg", "chunk", "chunk"]  # 70,000 bytes in 30,000s
    content = b""
    for r in big:
        frame = zstandard.ZstdDecompressor().decompressobj().decompress(blob[r["offset"] :])
        chunk = frame[: r["chunkSize"]]
        assert "sha256:" + hashlib.sha256(chunk).hexdigest() == r["chunkDigest"]
        content += chunk
    assert content == b"x" * 70_000
    assert big[0]["digest"] == "sha256:" + hashlib.sha256(b"x" * 70_000).hexdigest()
