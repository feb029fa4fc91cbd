"""``cat``, the listing and the merged view agree with what GNU tar extracts.

Each layer is written with Python's ``tarfile`` (or GNU tar), extracted with GNU tar
(layers in order, into one directory), and the files regview reads are compared with
the extracted files: their bytes (``cat`` follows symlinks), ``os.lstat`` and
``os.readlink``. Whiteouts are OCI, not tar: those expectations are written by hand.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest

from regview.registry.errors import NotFound
from regview.registry.image_diff import content_sha256, diff_filesystems
from regview.registry.layers import (
    EntryType,
    LayerIndexer,
    LayerToc,
    image_layers,
    merge_layers,
    merged_json,
    read_file,
)
from regview.registry.layers.tarstream import TarParser
from regview.registry.oci_layout import OciLayoutSource
from tests.support.gnu_tar import (
    SPARSE_FORMATS,
    Extracted,
    extract_layers,
    gnu_tar,
    sparse_layer,
)
from tests.support.layer_builders import Layer, TarBuilder, gz, write_image


def member(
    t: tarfile.TarFile, name: str, kind: bytes, data: bytes = b"", link: str = "", **kw: Any
) -> None:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    info.mode = kw.get("mode", 0o755 if kind == tarfile.DIRTYPE else 0o644)
    info.mtime = kw.get("mtime", 1_700_000_000)
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    t.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)


def links_layer() -> bytes:
    """Duplicates, hard links between copies, to symlinks, in chains, forwards, to dirs."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as t:
        member(t, "a", tarfile.REGTYPE, b"first")
        member(t, "b", tarfile.LNKTYPE, link="a")  # made while a is the first copy
        member(t, "a", tarfile.REGTYPE, b"second copy")  # the last copy wins
        member(t, "d", tarfile.DIRTYPE)
        member(t, "d/s", tarfile.SYMTYPE, link="a")  # d/s -> d/a (which does not exist)
        member(t, "h", tarfile.LNKTYPE, link="d/s")  # a symlink "a", but in the root
        member(t, "c", tarfile.LNKTYPE, link="b")  # a chain: c -> b -> first a
        member(t, "chain", tarfile.LNKTYPE, link="h")  # a chain ending in the symlink
        member(t, "early", tarfile.LNKTYPE, link="late")  # its target comes later
        member(t, "late", tarfile.REGTYPE, b"late!")
        member(t, "hd", tarfile.LNKTYPE, link="d")  # to a directory: not created
        member(t, "lower-link", tarfile.LNKTYPE, link="base")  # to a lower layer's file
        member(t, "base", tarfile.REGTYPE, b"base, replaced")  # replaced after the link
    return out.getvalue()


def base_layer() -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as t:
        member(t, "base", tarfile.REGTYPE, b"base of layer 1")
        member(t, "late", tarfile.REGTYPE, b"lower late")
    return out.getvalue()


async def image(tmp_path: Path, *raws: bytes) -> tuple[OciLayoutSource, Any]:
    write_image(tmp_path / "img", [Layer(gz(raw)) for raw in raws])
    source = OciLayoutSource(tmp_path / "img")
    _, layers = await image_layers(source, "img", "latest")
    return source, layers


async def cat(source: OciLayoutSource, layers: Any, path: str, indexer: Any = None) -> bytes:
    out = io.BytesIO()
    await read_file(source, "img", layers, path, out.write, indexer=indexer)
    return out.getvalue()


def toc_of(raw: bytes) -> LayerToc:
    parser = TarParser(hash_files=True)
    parser.feed(raw)
    parser.finish()
    return LayerToc(
        "sha256:" + hashlib.sha256(raw).hexdigest(),
        tuple(parser.entries),
        len(raw),
        len(raw),
        "none",
    )


PATHS = ("a", "b", "c", "h", "chain", "early", "late", "hd", "lower-link", "base", "d/s")


async def compare_cat(tmp_path: Path, extracted: Extracted, *raws: bytes) -> None:
    source, layers = await image(tmp_path, *raws)
    indexer = LayerIndexer(source)
    for path in PATHS:
        expected = extracted.content(path)
        if expected is None:
            with pytest.raises(NotFound):
                await cat(source, layers, path, indexer)
        else:
            assert await cat(source, layers, path, indexer) == expected, path


async def test_cat_of_one_layer_gives_what_gnu_tar_extracts(tmp_path: Path) -> None:
    raw = links_layer()
    extracted = extract_layers(tmp_path, raw)
    assert extracted.status == 2  # GNU tar cannot make "early" nor "hd"
    assert "early" in extracted.stderr and "hd" in extracted.stderr
    assert os.readlink(extracted.root / "h") == "a"  # a hard link to a symlink is one
    assert extracted.content("a") == b"second copy"
    assert extracted.content("b") == extracted.content("c") == b"first"
    assert extracted.content("h") == extracted.content("chain") == b"second copy"
    assert extracted.content("d/s") is None  # d/a does not exist
    await compare_cat(tmp_path, extracted, raw)


async def test_cat_over_a_lower_layer_gives_what_gnu_tar_extracts(tmp_path: Path) -> None:
    # Extracted over layer 1, "early" links to the lower "late", "lower-link" to the
    # lower "base" (then replaced): both are the lower files.
    lower, upper = base_layer(), links_layer()
    extracted = extract_layers(tmp_path, lower, upper)
    assert extracted.content("early") == b"lower late"
    assert extracted.content("lower-link") == b"base of layer 1"
    assert extracted.content("base") == b"base, replaced"
    await compare_cat(tmp_path, extracted, lower, upper)


async def test_cat_says_why_a_forward_hard_link_is_missing(tmp_path: Path) -> None:
    source, layers = await image(tmp_path, links_layer())
    with pytest.raises(NotFound, match="comes before its target"):
        await cat(source, layers, "early")
    with pytest.raises(NotFound, match="hard link to the directory"):
        await cat(source, layers, "hd")


def test_the_listing_and_merged_view_keep_the_last_copy(tmp_path: Path) -> None:
    raw = links_layer()
    extracted = extract_layers(tmp_path, raw)
    toc = toc_of(raw)
    merged = merge_layers([toc])
    for path in ("a", "late", "base"):
        entry = toc.find(path)
        m = merged.find(path)
        assert entry is not None and m is not None
        assert entry.size == m.entry.size == extracted.lstat(path).st_size
        assert entry.sha256 == m.entry.sha256 == extracted.sha256(path)
    tree = toc.tree()
    node = tree.node("a")
    assert node is not None and node.entry is not None and node.entry.size == 11


@pytest.mark.parametrize("fmt", sorted(SPARSE_FORMATS))
async def test_cat_of_sparse_files_gives_them_whole(tmp_path: Path, fmt: str) -> None:
    raw = sparse_layer(tmp_path, fmt)
    extracted = extract_layers(tmp_path, raw)
    source, layers = await image(tmp_path, raw)
    indexer = LayerIndexer(source)
    toc = await indexer.index("img", layers[0])
    for entry in toc.entries:
        got = await cat(source, layers, entry.path, indexer)
        assert len(got) == extracted.lstat(entry.path).st_size, entry.path
        assert hashlib.sha256(got).hexdigest() == extracted.sha256(entry.path), entry.path
        assert entry.sha256 == extracted.sha256(entry.path)


# --- directories across layers ---------------------------------------------------------------


def dirs_layer(mtime: int, mode: int, *files: str) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as t:
        # Files first: GNU tar sets an existing directory's times when it meets its
        # entry, and a file created in it afterwards would move them to now.
        for name in files:
            member(t, name, tarfile.REGTYPE, name.encode(), mtime=mtime)
        member(t, "etc", tarfile.DIRTYPE, mtime=mtime, mode=mode)
        member(t, "srv", tarfile.DIRTYPE, mtime=mtime, mode=0o755)
    return out.getvalue()


def test_a_directory_belongs_to_the_topmost_layer_that_declares_it(tmp_path: Path) -> None:
    layers = [
        dirs_layer(1_000_000_000, 0o755, "etc/one"),
        dirs_layer(1_500_000_000, 0o755, "etc/two"),  # merely repeated: same mode
        dirs_layer(1_600_000_000, 0o750),  # etc again, another mode; srv repeated
        dirs_layer(1_600_000_000, 0o750),  # the very same again: nothing changes
    ]
    extracted = extract_layers(tmp_path, *layers)
    assert extracted.status == 0, extracted.stderr
    merged = merge_layers([toc_of(raw) for raw in layers])
    for path in ("etc", "srv"):
        m = merged.find(path)
        st = extracted.lstat(path)
        assert m is not None and m.layer == 2, path  # layer 3 is indistinguishable
        assert (m.entry.mtime, m.entry.mode) == (int(st.st_mtime), st.st_mode & 0o7777), path
        assert (m.status, m.first_layer) == ("changed", 0), path
    # Only etc's new mode counts as a change; srv's new mtime alone does not.
    assert [c.changed for c in merged.layers] == [0, 0, 1, 0]
    assert (merged.layers[1].added, merged.layers[1].changed) == (1, 0)  # etc/two alone
    # After layer 2 alone, etc/srv of layer 1 show layer 1's metadata, as extracted.
    two = merge_layers([toc_of(raw) for raw in layers[:2]])
    first_two = extract_layers(tmp_path, *layers[:2], name="two")
    for path in ("etc", "srv"):
        m = two.find(path)
        assert m is not None and m.layer == 1 and m.status == "changed"
        assert m.entry.mtime == int(first_two.lstat(path).st_mtime) == 1_500_000_000


def test_a_deletion_stays_listed_when_the_directory_is_made_again() -> None:
    lower = TarBuilder().dir("a").file("a/x", b"x" * 10).dir("a/sub").file("a/sub/y", b"yy")
    whiteout = TarBuilder().whiteout("a")
    again = TarBuilder().dir("a").file("a/z", b"new")
    merged = merge_layers([toc_of(t.bytes()) for t in (lower, whiteout, again)])
    assert sorted(merged.entries) == ["a", "a/z"]
    assert merged.find("a").layer == 2  # type: ignore[union-attr]
    visible = {
        d.path: (d.layer, d.kind, d.from_layer, d.size, d.files, d.entry.type)
        for d in merged.visible_deletions()
    }
    assert visible == {
        "a/sub": (1, "whiteout", 0, 2, 1, EntryType.DIR),
        "a/x": (1, "whiteout", 0, 10, 1, EntryType.FILE),
    }
    tree = merged.tree(include_deleted=True)
    node = tree.node("a/sub")
    assert node is not None and (node.status, node.layer) == ("deleted", 1)
    live = tree.node("a/z")
    assert live is not None and live.status == "added"


async def test_a_cancelled_cat_of_an_exabyte_sparse_file_stops_its_worker(
    tmp_path: Path,
) -> None:
    from tests.unit.test_sparse_files import pax_sparse

    exabyte = 1 << 60
    raw = pax_sparse(
        {"GNU.sparse.map": f"0,4,{exabyte - 4},4", "GNU.sparse.realsize": str(exabyte)},
        b"headtail",
        name="huge",
    )
    source, layers = await image(tmp_path, raw)
    loop = asyncio.get_running_loop()
    written = 0

    def write(piece: bytes) -> None:  # in the worker thread
        nonlocal written
        written += len(piece)
        if written >= 4 * 1024 * 1024 and written - len(piece) < 4 * 1024 * 1024:
            loop.call_soon_threadsafe(task.cancel)

    task = asyncio.ensure_future(read_file(source, "img", layers, "huge", write))
    with pytest.raises(asyncio.CancelledError):
        await task
    # The worker expanding the hole notices and ends: waiting for it is a hang guard.
    await asyncio.wait_for(loop.shutdown_default_executor(), 120)
    assert 4 * 1024 * 1024 <= written < exabyte


# --- the content hash of a hard link (files --json, diff) ------------------------------


def gnu_overwritten_link_layer(tmp: Path) -> bytes:
    """GNU tar writes ``a`` (X) and ``b``, its hard link, then ``a`` again (Y) appended:
    the link is made while ``a`` holds X."""
    src = tmp / "gnu-link-src"
    src.mkdir()
    (src / "a").write_bytes(b"X: a as it was when b was linked to it\n")
    os.link(src / "a", src / "b")
    out = tmp / "gnu-link.tar"
    tar = [gnu_tar(), "--format=gnu", "--owner=0", "--group=0", "-C", str(src)]
    subprocess.run([*tar, "-cf", str(out), "a", "b"], check=True)
    (src / "a").unlink()  # a new file at a, so b keeps X
    (src / "a").write_bytes(b"Y: a overwritten later in the same layer\n")
    subprocess.run([*tar, "-rf", str(out), "a"], check=True)
    return out.read_bytes()


def regular_files(extracted: Extracted) -> dict[str, str]:
    """Path -> sha256 of every regular file GNU tar extracted."""
    out = {}
    for dirpath, _dirs, names in os.walk(extracted.root):
        for name in names:
            full = Path(dirpath) / name
            if full.is_file() and not full.is_symlink():
                out[full.relative_to(extracted.root).as_posix()] = extracted.sha256(
                    full.relative_to(extracted.root).as_posix()
                )
    return out


@pytest.mark.parametrize("maker", ["tarfile", "tarfile-over-a-lower-layer", "gnu-tar"])
def test_a_hard_link_hashes_as_its_target_was_when_it_was_made(tmp_path: Path, maker: str) -> None:
    if maker == "gnu-tar":
        raws = [gnu_overwritten_link_layer(tmp_path)]
    elif maker == "tarfile":
        raws = [links_layer()]
    else:
        raws = [base_layer(), links_layer()]
    extracted = extract_layers(tmp_path, *raws)
    expected = regular_files(extracted)
    # The case of the issue, whichever way the layer was made: b is a's first content.
    assert expected["b"] != expected["a"]
    assert expected["b"] == hashlib.sha256(extracted.content("b") or b"").hexdigest()
    merged = merge_layers([toc_of(raw) for raw in raws])
    for path, sha in expected.items():
        m = merged.find(path)
        assert m is not None, path
        assert content_sha256(m) == sha, path
        assert merged_json(m)["sha256"] == sha, path
    # What GNU tar made no regular file of (links to a symlink, to a directory, to a
    # later entry with nothing below) has no content hash.
    for path in PATHS:
        m = merged.find(path)
        if m is not None and path not in expected:
            assert content_sha256(m) is None, path


def test_diff_compares_a_hard_link_by_what_gnu_tar_extracts(tmp_path: Path) -> None:
    # A: a and b, two regular files, both X. B: a (X), b linked to it, then a (Y).
    upper = gnu_overwritten_link_layer(tmp_path)
    made = extract_layers(tmp_path, upper, name="b-side")
    x = made.content("b")
    assert x is not None and x != made.content("a")
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as t:
        member(t, "a", tarfile.REGTYPE, x)
        member(t, "b", tarfile.REGTYPE, x)
    lower = out.getvalue()
    before = extract_layers(tmp_path, lower, name="a-side")
    fs_a, fs_b = merge_layers([toc_of(lower)]), merge_layers([toc_of(upper)])
    changes, unhashed = diff_filesystems(fs_a, fs_b)
    found = {c.path: c.attributes for c in changes}
    assert unhashed == ()
    # By GNU tar: a's size and bytes differ, b's do not (b became a hard link: its type
    # and link target changed).
    assert before.lstat("a").st_size != made.lstat("a").st_size
    assert before.sha256("a") != made.sha256("a") and before.sha256("b") == made.sha256("b")
    assert found == {"a": ("size", "content"), "b": ("type", "link")}


# --- a hard link whose target a whiteout removes (files --json, diff) ------------------

LINKED = b"X: the bytes a held when b was linked to it\n"
OTHER = b"Y: another a, after the link\n"
TARGET_REMOVED = {
    # Layer 2 adds a and b linked to it; layer 3 whites a out.
    "whiteout-above": [
        TarBuilder().file("a", LINKED).hardlink("b", "a").bytes(),
        TarBuilder().whiteout("a").bytes(),
    ],
    # b's own layer whites out the lower a, after the link or before it.
    "own-layer-after": [
        TarBuilder().file("a", LINKED).bytes(),
        TarBuilder().hardlink("b", "a").whiteout("a").bytes(),
    ],
    "own-layer-before": [
        TarBuilder().file("a", LINKED).bytes(),
        TarBuilder().whiteout("a").hardlink("b", "a").bytes(),
    ],
    # ... with its directory, or an opaque marker of it.
    "own-layer-parent": [
        TarBuilder().dir("d").file("d/a", LINKED).bytes(),
        TarBuilder().whiteout("d").hardlink("b", "d/a").bytes(),
    ],
    "own-layer-opaque": [
        TarBuilder().dir("d").file("d/a", LINKED).bytes(),
        TarBuilder().opaque("d").hardlink("b", "d/a").bytes(),
    ],
    # ... and writes a new a after the link: that one is a's, not b's.
    "own-layer-new-target": [
        TarBuilder().file("a", LINKED).bytes(),
        TarBuilder().hardlink("b", "a").whiteout("a").file("a", OTHER).bytes(),
    ],
}


def _cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    from regview.cli import main

    main(list(args))
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("case", sorted(TARGET_REMOVED))
def test_a_hard_link_keeps_the_bytes_of_a_target_a_whiteout_removed(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    case: str,
) -> None:
    monkeypatch.setenv("REGVIEW_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))
    linked = hashlib.sha256(LINKED).hexdigest()
    raws = TARGET_REMOVED[case]
    write_image(tmp_path / "linked", [Layer(gz(raw)) for raw in raws])
    # The same files with b a plain copy of the bytes (and a as the case leaves it).
    plain = TarBuilder().file("b", LINKED)
    if case == "own-layer-new-target":
        plain.file("a", OTHER)
    write_image(tmp_path / "plain", [Layer(gz(plain.bytes()))])

    listed = _cli_json(capsys, "files", f"oci:{tmp_path / 'linked'}", "--json")
    entries = {e["path"]: e for e in listed["entries"] if e.get("status") != "deleted"}
    assert entries["b"]["type"] == "hardlink"
    assert entries["b"]["sha256"] == linked
    if case == "own-layer-new-target":
        assert entries["a"]["sha256"] == hashlib.sha256(OTHER).hexdigest()

    diff = _cli_json(
        capsys, "diff", f"oci:{tmp_path / 'plain'}", f"oci:{tmp_path / 'linked'}", "--json"
    )
    (b,) = [f for f in diff["files"] if f["path"] == "b"]
    # A link now, to the same bytes: its type changed, not its content.
    assert b["attributes"] == ["type", "link"]
    assert b["b"]["sha256"] == linked == b["a"]["sha256"]
    assert diff["uncomparedContent"] == []
