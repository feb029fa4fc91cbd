"""analyze_efficiency on hand-written tables of contents: hard links (in the same layer,
across layers, chained), a path repeated in one tar, symlinks and directories (no
content), an image that ships nothing. Every figure is worked out by hand."""

from __future__ import annotations

import pytest

from regview.registry import FileCopy, LayerToc, analyze_efficiency, merge_layers
from regview.registry.layers import Entry, EntryType

F, D, L, S = EntryType.FILE, EntryType.DIR, EntryType.HARDLINK, EntryType.SYMLINK


def toc(n: int, *entries: Entry) -> LayerToc:
    return LayerToc(f"sha256:{n:064x}", tuple(entries), 100 + n, None, "gzip")


def f(path: str, size: int) -> Entry:
    return Entry(path, F, size)


def link(path: str, target: str) -> Entry:
    return Entry(path, L, 0, link=target)


def test_a_chain_of_hard_links_keeps_the_content_alive() -> None:
    # layer 1: a (1000); layer 2: b -> a, c -> b (same layer chain); layer 3 deletes a, b.
    # c still names a's content: nothing is wasted.
    result = analyze_efficiency(
        [
            toc(0, f("a", 1000)),
            toc(1, link("b", "a"), link("c", "b")),
            toc(2, f(".wh.a", 0), f(".wh.b", 0)),
        ]
    )
    assert result.wasted_bytes == 0
    assert result.score == 1.0
    assert result.shipped_bytes == 1000 and result.user_bytes == 0
    assert result.user_wasted_ratio == 0.0
    assert result.inefficient == ()


def test_a_hard_link_to_a_copy_that_was_later_replaced() -> None:
    # layer 1: a (100); layer 2: k -> a (names the 100-byte copy); layer 3: a (300).
    # Both copies are kept (k shows the old one, a the new one).
    result = analyze_efficiency(
        [
            toc(0, f("a", 100)),
            toc(1, link("k", "a")),
            toc(2, f("a", 300)),
        ]
    )
    assert result.wasted_bytes == 0
    # Without the link, the 100 bytes are wasted.
    plain = analyze_efficiency([toc(0, f("a", 100)), toc(1), toc(2, f("a", 300))])
    assert plain.wasted_bytes == 100
    assert plain.score == pytest.approx(300 / 400)
    assert plain.user_wasted_ratio == pytest.approx(100 / 300)
    (only,) = plain.inefficient
    assert only.copies == (FileCopy(0, 100, False), FileCopy(2, 300, True))


def test_a_path_written_twice_in_one_tar_wastes_the_first() -> None:
    result = analyze_efficiency([toc(0, f("x", 50), f("x", 70))])
    assert result.wasted_bytes == 50
    assert result.shipped_bytes == 120
    (only,) = result.inefficient
    assert only.copies == (FileCopy(0, 50, False), FileCopy(0, 70, True))


def test_links_directories_and_empty_files_carry_no_waste() -> None:
    result = analyze_efficiency(
        [
            toc(0, Entry("d", D), Entry("s", S, link="t"), f("empty", 0)),
            toc(1, f(".wh.d", 0), f(".wh.s", 0), f(".wh.empty", 0)),
        ]
    )
    assert result.wasted_bytes == 0 and result.inefficient == ()
    assert result.score == 1.0  # nothing shipped: dive says 1 too
    assert [s.files for s in result.layers] == [1, 0]  # whiteout markers are not files


def test_a_directory_deleted_wastes_each_file_under_it() -> None:
    # d/sub is never listed in the tar: its file goes with d all the same.
    layers = [toc(0, Entry("d", D), f("d/a", 10), f("d/sub/b", 20)), toc(1, f(".wh.d", 0))]
    assert merge_layers(layers).entries == {}
    result = analyze_efficiency(layers)
    assert [(i.path, i.wasted_bytes, i.deleted_by) for i in result.inefficient] == [
        ("d/sub/b", 20, 1),
        ("d/a", 10, 1),
    ]
    assert result.wasted_bytes == 30 and result.score == 0.0


def test_a_link_agrees_with_the_merged_filesystem_when_its_target_was_replaced() -> None:
    # layer 2 writes x/y, which needs x to be a directory: the lower file x (10) goes
    # (merge's rule), and the link a -> x that follows finds no file there. The merged
    # filesystem gives a no content, so x's 10 bytes are not kept.
    layers = [toc(0, f("x", 10)), toc(1, f("x/y", 30), link("a", "x"))]
    a = merge_layers(layers).find("a")
    assert a is not None and a.content is None
    result = analyze_efficiency(layers)
    assert result.wasted_bytes == 10 and result.shipped_bytes == 40
    (only,) = result.inefficient
    assert (only.path, only.copies, only.deleted_by) == ("x", (FileCopy(0, 10, False),), 1)
