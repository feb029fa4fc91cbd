"""Pure helpers: natural tag order, literal text, filtering, references, columns."""

from __future__ import annotations

import re

import pytest

from regview.natural import natural_key, sort_tags
from regview.registry import ImageConfig
from regview.tui.commands import (
    Elsewhere,
    Invalid,
    Jump,
    find_matches,
    parse_reference,
    read_reference,
)
from regview.tui.filtering import fuzzy_pattern, match_chunk
from regview.tui.screens.pane_layout import pane_window
from regview.tui.screens.raw_json import pretty_json
from regview.tui.text import error_text, human_size, literal, visible
from regview.tui.widgets.details import config_renderables
from regview.tui.widgets.tags import columns_for


def test_natural_sort_numbers_compare_as_numbers() -> None:
    assert sort_tags(["v1.10", "v1.9", "v1.2"]) == ["v1.2", "v1.9", "v1.10"]
    assert sort_tags(["3.10", "3.9", "3.19", "3.2"]) == ["3.2", "3.9", "3.10", "3.19"]


def test_natural_sort_latest_first_then_mixed() -> None:
    tags = ["alpine", "1.0", "latest", "stable", "v2", "sha256-abc.sig", "10.0"]
    assert sort_tags(tags) == ["latest", "stable", "1.0", "10.0", "alpine", "sha256-abc.sig", "v2"]


def test_natural_sort_is_total_and_stable_for_odd_input() -> None:
    tags = ["v01", "v1", "V1", "", "1" * 60, "a1b2", "a1b10", "-", "_"]
    ordered = sort_tags(tags)
    assert sorted(ordered, key=natural_key) == ordered
    assert ordered.index("a1b2") < ordered.index("a1b10")


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("[bold]x[/]", "[bold]x[/]"),
        ("[@click=app.quit]x[/]", "[@click=app.quit]x[/]"),
        ("a\x1b]52;c;aGk=\x07b", "a␛]52;c;aGk=␇b"),
        ("tab\there\nnl", "tab␉here␊nl"),
        ("del\x7f c1\x9b", "del␡ c1\\x9b"),
        ("bidi\u202eevil\u2066", "bidi\\u202eevil\\u2066"),
        ("zero\u200bwidth\ufeff", "zero\\u200bwidth\\ufeff"),
        ("ünïcødé 日本", "ünïcødé 日本"),
    ],
)
def test_literal_makes_controls_visible_and_never_parses_markup(raw: str, shown: str) -> None:
    text = literal(raw)
    assert text.plain == shown
    assert visible(raw) == shown
    assert not text.spans or all(span.style for span in text.spans)


def test_literal_clips_long_strings() -> None:
    text = literal("x" * 1000, limit=10)
    assert text.plain == "x" * 9 + "…"
    assert literal("x" * 1000, limit=0).plain == "x" * 1000


def test_error_text_is_literal() -> None:
    assert error_text("[red]boom\x1b").plain == "⚠ [red]boom␛"


def test_filter_substring_then_fuzzy() -> None:
    items = ["alpine", "nginx", "apline", "team/alp", "xyz"]
    lower = [s.lower() for s in items]
    assert match_chunk(lower, None, 0, len(items), "alp", None) == [0, 3]
    assert match_chunk(lower, None, 0, len(items), "alp", fuzzy_pattern("alp")) == [0, 3]
    assert match_chunk(lower, None, 0, len(items), "apn", fuzzy_pattern("apn")) == [0, 2]
    assert match_chunk(lower, [4, 2, 0], 0, 3, "p", None) == [2, 0]


@pytest.mark.parametrize("query", ["]", "^", "\\", "a-b", ".*", "[x]"])
def test_fuzzy_pattern_escapes_regex_syntax(query: str) -> None:
    pattern = fuzzy_pattern(query)
    assert pattern.search(query.lower())
    assert not pattern.search("")


def test_parse_reference() -> None:
    assert parse_reference("library/alpine:3.19") == ("library/alpine", "3.19")
    assert parse_reference("host:5000/app") == ("host:5000/app", None)
    assert parse_reference("app@sha256:abc") == ("app", "sha256:abc")
    assert parse_reference("a b") is None
    assert parse_reference("") is None


def test_find_matches_stops_early() -> None:
    items = [f"repo-{i}" for i in range(1000)]
    assert find_matches(items, "REPO-99", limit=3) == ["repo-99", "repo-990", "repo-991"]


def test_pane_window_slides_with_focus() -> None:
    assert list(pane_window(200, 0)) == [0, 1, 2, 3]
    assert list(pane_window(120, 0)) == [0, 1, 2]
    assert list(pane_window(120, 3)) == [1, 2, 3]
    assert list(pane_window(80, 0)) == [0, 1]
    assert list(pane_window(80, 2)) == [2, 3]
    assert list(pane_window(80, 3)) == [2, 3]


def test_columns_drop_when_narrow() -> None:
    assert [c for c, _ in columns_for(80)] == ["digest", "size", "plat", "created"]
    assert columns_for(20) == []


def test_pretty_json_is_indented_and_made_visible() -> None:
    text, is_json = pretty_json(b'{"a": "\\u001b[31m\\u202e", "b": [1]}')
    assert is_json
    assert '"a": "\\u001b[31m\\u202e"' in text
    text, is_json = pretty_json(b"not json \x1b")
    assert not is_json
    assert text == "not json ␛"


@pytest.mark.parametrize(("n", "shown"), [(0, "0 B"), (124, "124 B"), (999, "999 B"),
                                          (1000, "1.0 kB"), (12_482, "12.5 kB"),
                                          (3_400_000, "3.4 MB"), (None, "?")])
def test_sizes_read_as_units(n: int | None, shown: str) -> None:
    assert human_size(n) == shown


@pytest.mark.parametrize(
    ("text", "here", "meant"),
    [
        ("127.0.0.1:5002/seed/tiny:latest", "127.0.0.1:5001",
         Elsewhere("127.0.0.1:5002/seed/tiny:latest", "127.0.0.1:5002")),
        ("127.0.0.1:5001/seed/tiny:latest", "127.0.0.1:5001", Jump("seed/tiny", "latest")),
        ("seed/tiny:latest", "127.0.0.1:5001", Jump("seed/tiny", "latest")),
        ("alpine:3.19", "127.0.0.1:5001", Jump("alpine", "3.19")),
        ("alpine:3.19", "docker.io", Jump("library/alpine", "3.19")),
        ("docker.io/library/alpine", "127.0.0.1:5001",
         Elsewhere("docker.io/library/alpine", "docker.io")),
        ("ghcr.io/acme/app", "oci:/tmp/layout", Elsewhere("ghcr.io/acme/app", "ghcr.io")),
        (f"app@sha256:{'a' * 64}", "registry.test", Jump("app", f"sha256:{'a' * 64}")),
        ("team/app", "registry.test", Jump("team/app", None)),
        ("a b", "registry.test", None),
    ],
)
def test_read_reference(text: str, here: str, meant: object) -> None:
    assert read_reference(text, here) == meant


def test_read_reference_refuses_what_the_cli_refuses() -> None:
    meant = read_reference("repo:1.0+x", "registry.test")
    assert isinstance(meant, Invalid)
    assert meant.message.startswith("invalid reference 'repo:1.0+x': invalid tag '1.0+x'")


def _render(renderables: list[object], width: int = 100) -> str:
    from rich.console import Console

    console = Console(width=width, record=True, file=open("/dev/null", "w"),  # noqa: SIM115
                      color_system=None)
    for r in renderables:
        console.print(r)
    return console.export_text()


def test_details_say_which_config_fields_are_not_set() -> None:
    bare = _render(config_renderables(ImageConfig(architecture="amd64", os="linux",
                                                  entrypoint=("/app",)), None))
    for field in ("Cmd", "User", "Workdir", "Ports", "Volumes"):
        assert re.search(rf"^{field} +not set *$", bare, re.M), (field, bare)
    assert "Entrypoint /app" in " ".join(bare.split())
    for absent in ("Author", "Env", "Stop signal", "Labels"):
        assert absent not in bare
    full = _render(config_renderables(ImageConfig(
        cmd=("nginx",), user="app", working_dir="/srv", exposed_ports=("80/tcp",),
        volumes=("/data",)), None))
    assert "not set" not in full
    for value in ("nginx", "app", "/srv", "80/tcp", "/data"):
        assert value in full


def test_merged_summary_counts_in_the_singular_too() -> None:
    from regview.registry.layers import LayerToc, merge_layers
    from regview.registry.layers.entry import Entry, EntryType
    from regview.tui.widgets.file_info import merged_summary

    one = LayerToc("sha256:" + "a" * 64, (Entry("f", EntryType.FILE, 3),), 10, 512, "gzip")
    two = LayerToc("sha256:" + "b" * 64, (Entry("g", EntryType.FILE, 4),), 10, 512, "gzip")
    assert merged_summary(merge_layers([one]), 0, None).plain == "1 layer · 1 file · 3 B"
    assert merged_summary(merge_layers([one, two]), 0, None).plain == "2 layers · 2 files · 7 B"
