"""``regview tags`` and ``regview catalog`` on listings that never end, over loopback.

The fake (:mod:`tests.support.listing_server`) paginates as distribution does, 1,000
entries a page; its endless listings link to a new page for ever. Expected names are
built here from the fake's naming rule, not read back from regview.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from regview.cli.dispatch import main as cli_main
from regview.cli.json_stream import JsonListing
from tests.support.listing_server import ListingServer, endless_name, page_body, tag_name

MILLION_HERE = 2_345  # bench/million holds this many tags in this module


@pytest.fixture(scope="module")
def server() -> Iterator[ListingServer]:
    s = ListingServer(total=MILLION_HERE).start()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture
def fake(server: ListingServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ListingServer:
    server.reset()
    monkeypatch.setenv("REGVIEW_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))
    monkeypatch.setenv("REGISTRY_AUTH_FILE", str(tmp_path / "auth.json"))
    return server


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli_main([*args, "--timeout", "10"])
    out, err = capsys.readouterr()
    return code, out, err


def endless(count: int, *, long: bool = False) -> list[str]:
    return [endless_name(i // 1000, i % 1000, long=long) for i in range(count)]


def test_tags_stop_at_the_entry_limit_and_print_what_was_listed(
    fake: ListingServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "--max-entries", "2500", "tags", f"{fake.host}/endless/short")
    assert code == 1
    assert out.splitlines() == endless(2500)
    assert err == (
        "regview: the tag list of endless/short goes on past 2,500 entries; stopped there, "
        "so the list is incomplete: raise the limit with --max-entries\n"
    )
    assert len(fake.pages) == 3  # three pages: none after the limit


def test_tags_stop_at_the_byte_limit(
    fake: ListingServer, capsys: pytest.CaptureFixture[str]
) -> None:
    three = sum(
        len(page_body("tags", [endless_name(p, j, long=True) for j in range(1000)],
                      "endless/long"))
        for p in range(3)
    )
    code, out, err = run(
        capsys, "--max-list-bytes", str(three), "tags", f"{fake.host}/endless/long"
    )
    assert code == 1
    assert out.splitlines() == endless(3000, long=True)
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"goes on past {three:,} bytes; stopped there, so the list is incomplete" in err
    assert err.rstrip().endswith("raise the limit with --max-list-bytes")


def test_tags_json_of_a_stopped_listing_is_valid_and_says_it_is_incomplete(
    fake: ListingServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "--max-entries", "1200", "tags", f"{fake.host}/endless/short", "--json"
    )
    assert code == 1
    obj = json.loads(out)
    assert obj["tags"] == endless(1200)
    assert obj["repository"] == f"{fake.host}/endless/short"
    assert obj["incomplete"] == err.removeprefix("regview: ").rstrip("\n")
    assert "past 1,200 entries" in obj["incomplete"]


def test_the_catalog_streams_and_stops_at_the_entry_limit(
    fake: ListingServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "--max-entries", "1500", "catalog", fake.host)
    assert code == 1
    assert out.splitlines() == endless(1500)
    assert err == (
        "regview: the catalog goes on past 1,500 entries; stopped there, so the list is "
        "incomplete: raise the limit with --max-entries\n"
    )


def test_the_catalog_json_stops_at_the_byte_limit_and_stays_valid(
    fake: ListingServer, capsys: pytest.CaptureFixture[str]
) -> None:
    first = len(page_body("repositories", [endless_name(0, j) for j in range(1000)]))
    code, out, err = run(
        capsys, "--max-list-bytes", str(first + 1), "catalog", fake.host, "--json"
    )
    assert code == 1
    obj = json.loads(out)
    assert obj["repositories"] == endless(1000)
    assert "bytes; stopped there" in obj["incomplete"] and "--max-list-bytes" in err


def test_a_complete_listing_is_unchanged_byte_for_byte(
    fake: ListingServer, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = f"{fake.host}/bench/million"
    expected = [tag_name(i) for i in range(MILLION_HERE)]  # already in natural order
    code, out, err = run(capsys, "tags", ref, "--json")
    assert (code, err) == (0, "")
    assert out == json.dumps({"repository": ref, "tags": expected}, indent=2) + "\n"
    code, out, err = run(capsys, "tags", ref)
    assert (code, err) == (0, "")
    assert out == "".join(t + "\n" for t in expected)
    assert len(fake.pages) >= 3  # it did follow the Link of 1,000-tag pages


@pytest.mark.parametrize("entries", [[], ["a"], ["b", "a\u00e9\"\\\n"]])
def test_the_streamed_json_is_what_json_dumps_writes(entries: list[str]) -> None:
    out = io.StringIO()
    listing = JsonListing({"repository": "r\u00e9po"}, "tags", out)
    listing.add(entries)
    listing.close()
    assert out.getvalue() == json.dumps({"repository": "r\u00e9po", "tags": entries},
                                        indent=2) + "\n"
    out = io.StringIO()
    listing = JsonListing({"registry": "h"}, "repositories", out)
    listing.add(entries)
    listing.close({"incomplete": "stopped"})
    expected = {"registry": "h", "repositories": entries, "incomplete": "stopped"}
    assert out.getvalue() == json.dumps(expected, indent=2) + "\n"
    assert sys.stdout is not out
