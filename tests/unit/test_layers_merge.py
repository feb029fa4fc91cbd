"""The merged filesystem (whiteouts, opaque directories, attribution), the file tree, and
reading one file of an image (``cat``)."""

from __future__ import annotations

import hashlib
import io
import random
from pathlib import Path

import pytest

from regview.registry import media_types as mt
from regview.registry.errors import NotFound
from regview.registry.layers import (
    LayerIndexer,
    LayerToc,
    NotARegularFile,
    image_layers,
    merge_layers,
    read_file,
)
from regview.registry.layers.tarstream import TarParser
from regview.registry.oci_layout import OciLayoutSource
from tests.support.layer_builders import Layer, TarBuilder, gz, write_image, zst
from tests.unit.test_layers_index import Recording


def toc(raw: bytes, digest: str = "sha256:" + "0" * 64) -> LayerToc:
    p = TarParser()
    p.feed(raw)
    p.finish()
    return LayerToc(digest, tuple(p.entries), len(raw), len(raw), "none")


BASE = (
    TarBuilder()
    .dir("etc")
    .file("etc/passwd", b"root:x:0:0\n")
    .file("etc/hosts", b"127.0.0.1 localhost\n")
    .dir("var")
    .dir("var/cache")
    .file("var/cache/a", b"a" * 1000)
    .file("var/cache/b", b"b" * 2000)
    .dir("opt")
    .file("opt/tool", b"t" * 5000)
    .symlink("lib", "usr/lib")
    .dir("usr")
    .dir("usr/lib")
    .file("usr/lib/libc.so", b"c" * 300)
    .bytes()
)
UPPER = (
    TarBuilder()
    .dir("etc")  # repeated parent, same mode: not a change
    .file("etc/passwd", b"root:x:0:0\nuser:x:1000:1000\n")  # changed
    .whiteout("etc/hosts")  # deleted
    .opaque("var/cache")  # everything below from lower layers hidden
    .file("var/cache/c", b"c" * 10)
    .whiteout("opt")  # a whole directory
    .file("new", b"n" * 42)  # added
    .bytes()
)
TOP = TarBuilder().dir("opt", mode=0o700).file("opt/again", b"x").bytes()


def test_merge_attributes_every_path() -> None:
    fs = merge_layers([toc(BASE), toc(UPPER), toc(TOP)])
    status = {p: (m.layer, m.status) for p, m in fs.entries.items()}
    assert status["etc"] == (0, "added")  # repeated as it was by layer 1: not a change
    assert status["etc/passwd"] == (1, "changed")
    assert "etc/hosts" not in fs.entries
    assert status["var/cache"] == (1, "opaque")
    assert status["var/cache/c"] == (1, "added")
    assert "var/cache/a" not in fs.entries and "var/cache/b" not in fs.entries
    assert status["new"] == (1, "added")
    assert status["opt"] == (2, "added")  # deleted in 1, made again in 2
    assert status["opt/again"] == (2, "added")
    assert "opt/tool" not in fs.entries
    assert fs.entries["etc/passwd"].first_layer == 0

    deleted = {d.path: (d.layer, d.kind, d.from_layer, d.size) for d in fs.deletions}
    assert deleted["etc/hosts"] == (1, "whiteout", 0, 20)
    assert deleted["var/cache/a"] == (1, "opaque", 0, 1000)
    assert deleted["opt"] == (1, "whiteout", 0, 5000)
    # opt was deleted by layer 1 and made again by layer 2: what it held stays deleted.
    visible = {d.path: (d.layer, d.kind, d.from_layer, d.size) for d in fs.visible_deletions()}
    assert list(visible) == ["etc/hosts", "opt/tool", "var/cache/a", "var/cache/b"]
    assert visible["opt/tool"] == (1, "whiteout", 0, 5000)

    layer1 = fs.layers[1]
    assert (layer1.added, layer1.changed, layer1.deleted) == (2, 1, 4)
    assert layer1.removed_bytes == 11 + 20 + 1000 + 2000 + 5000
    assert fs.wasted_bytes == layer1.removed_bytes
    assert [m.path for m in fs.largest_files(2)] == ["usr/lib/libc.so", "new"]


def test_whiteouts_never_touch_their_own_layer() -> None:
    same = TarBuilder().file("x", b"1").whiteout("x").opaque("d").file("d/y", b"2").bytes()
    fs = merge_layers([toc(same)])
    assert set(fs.entries) == {"x", "d/y"}
    assert fs.deletions == []


def test_a_file_replacing_a_directory_takes_its_contents() -> None:
    lower = TarBuilder().dir("a").file("a/b", b"123").bytes()
    upper = TarBuilder().file("a", b"now a file").bytes()
    fs = merge_layers([toc(lower), toc(upper)])
    assert set(fs.entries) == {"a"}
    assert fs.entries["a"].status == "changed"
    assert [(d.path, d.kind) for d in fs.deletions] == [("a/b", "replaced")]


def test_tree_is_browsable_and_sortable() -> None:
    fs = merge_layers([toc(BASE), toc(UPPER)])
    tree = fs.tree()
    root = [n.name for n in tree.children("")]
    assert root == ["etc", "usr", "var", "lib", "new"]  # directories first, then by name
    assert next(n.name for n in tree.children("", sort="size")) == "usr"
    usr = tree.node("usr")
    assert usr is not None and usr.total_size == 300 and usr.file_count == 1
    assert tree.node("") is not None
    with_deleted = fs.tree(include_deleted=True)
    hosts = with_deleted.node("etc/hosts")
    assert hosts is not None and (hosts.status, hosts.layer) == ("deleted", 1)
    layer_tree = toc(UPPER).tree()
    marker = layer_tree.node("etc/.wh.hosts")
    assert marker is not None and marker.is_whiteout
    assert [n.path for n in tree.largest_files(1)] == ["usr/lib/libc.so"]
    assert [n.path for n in tree.walk("etc")] == ["etc/passwd"]


# --- cat ----------------------------------------------------------------------------------


async def image(tmp_path: Path, *layers: bytes) -> tuple[Recording, tuple[object, ...]]:
    write_image(tmp_path / "img", [Layer(gz(raw)) for raw in layers])
    source = Recording(OciLayoutSource(tmp_path / "img"))
    _, descriptors = await image_layers(source, "img", "latest")  # type: ignore[arg-type]
    return source, descriptors


async def cat(source: Recording, layers: tuple[object, ...], path: str, **kw: object) -> bytes:
    out = io.BytesIO()
    await read_file(source, "img", layers, path, out.write, **kw)  # type: ignore[arg-type]
    return out.getvalue()


async def test_cat_returns_the_file_of_the_merged_filesystem(tmp_path: Path) -> None:
    source, layers = await image(tmp_path, BASE, UPPER)
    assert await cat(source, layers, "/etc/passwd") == b"root:x:0:0\nuser:x:1000:1000\n"
    assert await cat(source, layers, "var/cache/c") == b"c" * 10
    assert await cat(source, layers, "/lib/libc.so") == b"c" * 300  # through the symlink
    for gone in ("/etc/hosts", "/var/cache/a", "/opt/tool", "/nope"):
        with pytest.raises(NotFound):
            await cat(source, layers, gone)
    with pytest.raises(NotARegularFile, match="directory"):
        await cat(source, layers, "/etc")


async def test_cat_reads_an_unknown_layer_whole_once_then_stops_early(tmp_path: Path) -> None:
    noise = random.Random(0).randbytes(4 * 1024 * 1024)  # does not compress
    first = TarBuilder().file("first", b"hello").file("rest", noise).bytes()
    source, layers = await image(tmp_path, first)
    size = layers[0].size  # type: ignore[attr-defined]
    indexer = LayerIndexer(source)  # type: ignore[arg-type]
    # A later copy of "first" could follow the noise: the layer is read to its end.
    assert await cat(source, layers, "first", indexer=indexer) == b"hello"
    assert size <= source.bytes <= size + 512 * 1024  # once whole, then a chunk or two
    before = source.bytes
    assert await cat(source, layers, "first", indexer=indexer) == b"hello"
    assert source.bytes - before <= 512 * 1024  # its TOC is known: a chunk or two
    before = source.bytes
    assert await cat(source, layers, "first", indexer=indexer, verify=True) == b"hello"
    assert source.bytes - before == size


async def test_cat_follows_hard_links_and_uses_known_tocs(tmp_path: Path) -> None:
    raw = TarBuilder().file("data", b"payload").hardlink("alias", "data").file("z", b"z").bytes()
    source, layers = await image(tmp_path, raw)
    indexer = LayerIndexer(source)  # type: ignore[arg-type]
    assert await cat(source, layers, "alias", indexer=indexer) == b"payload"
    with pytest.raises(NotFound):
        await cat(source, layers, "missing", indexer=indexer)
    # The layer was read to its end while looking: its TOC is known now.
    assert indexer.cached(layers[0].digest) is not None  # type: ignore[attr-defined]
    reads = len(source.reads)
    with pytest.raises(NotFound):
        await cat(source, layers, "missing", indexer=indexer)
    assert len(source.reads) == reads  # answered from the TOC alone
    assert await cat(source, layers, "alias", indexer=indexer) == b"payload"


async def test_cat_from_a_zstd_layer(tmp_path: Path) -> None:
    write_image(
        tmp_path / "img",
        [Layer(zst(TarBuilder().file("z/file", b"zstd!").bytes()), mt.OCI_LAYER_ZSTD)],
    )
    source = OciLayoutSource(tmp_path / "img")
    _, layers = await image_layers(source, "img", "latest")
    out = io.BytesIO()
    found = await read_file(source, "img", layers, "/z/file", out.write)
    assert out.getvalue() == b"zstd!" and found.layer == 0


def test_summary_sizes_use_the_decimal_units_the_explorer_shows() -> None:
    from regview.registry.layers import format_size

    assert format_size(None) == "unknown"
    assert format_size(124) == "124 B"
    assert format_size(999) == "999 B"
    assert format_size(14_458) == "14.5 kB"
    assert format_size(304_100) == "304.1 kB"
    assert format_size(1_500_000) == "1.5 MB"
    assert format_size(3_000_000_000) == "3.0 GB"


def test_an_opaque_marker_under_a_file_leaves_the_file_its_content() -> None:
    # A hostile layer: an opaque marker below what a lower layer made a regular file.
    data = b"the file's own bytes\n"
    hashed = TarParser(hash_files=True)
    hashed.feed(TarBuilder().file("d", data).bytes())
    hashed.finish()
    lower = LayerToc("sha256:" + "0" * 64, tuple(hashed.entries), 1, 1, "none")
    fs = merge_layers([lower, toc(TarBuilder().opaque("d").bytes(), "sha256:" + "1" * 64)])
    m = fs.find("d")
    assert m is not None and m.status == "opaque"
    assert m.content is not None
    assert m.content.sha256 == hashlib.sha256(data).hexdigest()
