"""Indexing records each regular file's content sha256 (TOC format 2), so a diff can tell
two files of the same size apart. Expected hashes are hashlib over the bytes written by
hand here, never read back from the code under test."""

from __future__ import annotations

import gzip
import hashlib
import json
import tarfile
from pathlib import Path

from regview.registry.layers import LayerIndexer, TocStore, entry_json, image_layers
from regview.registry.layers.embedded import parse_toc_json
from regview.registry.layers.store import TOC_FORMAT
from regview.registry.layers.tarstream import TarParser
from regview.registry.oci_layout import OciLayoutSource
from tests.support.layer_builders import Layer, TarBuilder, gz, write_image

ALPHA = b"alpha content\n"
BETA = b"betas content\n"  # the same length as ALPHA
BIG = bytes(range(256)) * 1000  # spans many tar blocks and feed pieces


def hexsha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def a_layer() -> bytes:
    return (
        TarBuilder()
        .dir("etc")
        .file("etc/a", ALPHA)
        .file("etc/b", BETA)
        .file("etc/empty", b"")
        .file("big", BIG)
        .symlink("etc/link", "a")
        .hardlink("etc/hard", "etc/a")
        .bytes()
    )


def test_every_regular_file_gets_the_sha256_of_its_content() -> None:
    parser = TarParser(hash_files=True)
    parser.feed(a_layer())
    parser.finish()
    hashes = {e.path: e.sha256 for e in parser.entries}
    assert hashes == {
        "etc": None,
        "etc/a": hexsha(ALPHA),
        "etc/b": hexsha(BETA),
        "etc/empty": hexsha(b""),
        "big": hexsha(BIG),
        "etc/link": None,
        "etc/hard": None,
    }
    assert len(ALPHA) == len(BETA) and hashes["etc/a"] != hashes["etc/b"]


def test_the_hash_does_not_depend_on_how_the_stream_is_cut() -> None:
    raw = a_layer()
    parser = TarParser(hash_files=True)
    for i in range(0, len(raw), 7):
        parser.feed(raw[i : i + 7])
    parser.finish()
    assert {e.path: e.sha256 for e in parser.entries if e.is_file} == {
        "etc/a": hexsha(ALPHA),
        "etc/b": hexsha(BETA),
        "etc/empty": hexsha(b""),
        "big": hexsha(BIG),
    }


def test_without_hash_files_nothing_is_hashed() -> None:
    parser = TarParser()
    parser.feed(a_layer())
    parser.finish()
    assert all(e.sha256 is None for e in parser.entries)


def test_a_sparse_file_is_hashed_with_its_holes(tmp_path: Path) -> None:
    # GNU tar stores only the data chunks; the hash is the one of the content it extracts.
    import shutil
    import subprocess

    tar = shutil.which("tar")
    assert tar is not None
    src = tmp_path / "src"
    src.mkdir()
    with (src / "holes").open("wb") as f:
        f.seek(1 << 20)
        f.write(b"end")
    out = tmp_path / "sparse.tar"
    subprocess.run([tar, "--sparse", "-cf", str(out), "-C", str(src), "holes"], check=True)
    dest = tmp_path / "x"
    dest.mkdir()
    subprocess.run([tar, "-xf", str(out), "-C", str(dest)], check=True)
    extracted = hashlib.sha256((dest / "holes").read_bytes()).hexdigest()
    parser = TarParser(hash_files=True)
    parser.feed(out.read_bytes())
    parser.finish()
    (entry,) = parser.entries
    assert (entry.path, entry.size, entry.sha256) == ("holes", (1 << 20) + 3, extracted)


async def test_the_stored_toc_keeps_the_hashes_and_files_json_shows_them(
    tmp_path: Path,
) -> None:
    write_image(tmp_path / "img", [Layer(gz(a_layer()))])
    source = OciLayoutSource(tmp_path / "img")
    _, layers = await image_layers(source, "img", "latest")
    await LayerIndexer(source, store=TocStore(tmp_path / "cache")).index("img", layers[0])
    again = TocStore(tmp_path / "cache").get(layers[0].digest)
    assert again is not None
    by_path = {e.path: e for e in again.entries}
    assert by_path["etc/b"].sha256 == hexsha(BETA)
    assert entry_json(by_path["etc/b"])["sha256"] == hexsha(BETA)
    assert "sha256" not in entry_json(by_path["etc/link"])


async def test_a_toc_stored_in_the_old_format_is_indexed_again_not_misread(
    tmp_path: Path,
) -> None:
    assert TOC_FORMAT == 3
    write_image(tmp_path / "img", [Layer(gz(a_layer()))])
    source = OciLayoutSource(tmp_path / "img")
    _, layers = await image_layers(source, "img", "latest")
    layer = layers[0]
    store = TocStore(tmp_path / "cache")
    path = store.path_for(layer.digest)
    assert path is not None
    path.parent.mkdir(parents=True)
    # What regview wrote before content hashes: format 1, rows of 12 fields.
    old = {
        "format": 1,
        "digest": layer.digest,
        "mediaType": layer.media_type,
        "compression": "gzip",
        "origin": "tar",
        "compressedSize": layer.size,
        "uncompressedSize": 10240,
        "diffId": None,
        "entries": [["etc/a", "file", 14, 420, 0, 0, 1_700_000_000, None, "", "", 0, 0]],
    }
    path.write_bytes(gzip.compress(json.dumps(old).encode()))
    fresh = TocStore(tmp_path / "cache")
    assert fresh.get(layer.digest) is None and fresh.dropped == 1
    toc = await LayerIndexer(source, store=fresh).index("img", layer)
    assert {e.path: e.sha256 for e in toc.entries}["etc/a"] == hexsha(ALPHA)
    stored = json.loads(gzip.decompress(path.read_bytes()))
    assert stored["format"] == 3
    assert stored["entries"][1][:6] == ["etc/a", "file", 14, 420, 0, 0]
    assert stored["entries"][1][12] == hexsha(ALPHA)


def test_an_embedded_toc_gives_the_digest_it_lists_for_a_file() -> None:
    digest = "sha256:" + hexsha(ALPHA)
    raw = json.dumps(
        {
            "version": 1,
            "entries": [
                {"name": "a", "type": "reg", "size": 14, "digest": digest},
                {"name": "b", "type": "reg", "size": 1, "digest": "md5:abc"},
                {"name": "c", "type": "symlink", "linkName": "a", "digest": digest},
            ],
        }
    ).encode()
    assert [(e.path, e.sha256) for e in parse_toc_json(raw)] == [
        ("a", hexsha(ALPHA)),
        ("b", None),
        ("c", None),
    ]


def test_pax_and_gnu_formats_hash_the_same() -> None:
    for fmt in (tarfile.GNU_FORMAT, tarfile.USTAR_FORMAT, tarfile.PAX_FORMAT):
        parser = TarParser(hash_files=True)
        parser.feed(TarBuilder(format=fmt).file("x", BETA).bytes())
        parser.finish()
        assert [e.sha256 for e in parser.entries] == [hexsha(BETA)]
