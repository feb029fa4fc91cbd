"""Results of the notebook coroutines, built from hand-written rows: DataFrames, HTML
heads of big listings, text, and the display bundle."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from regview.notebook import (
    DOCUMENT_MIME,
    FileRow,
    FilesResult,
    ReferrerRow,
    ReferrersResult,
    TagRow,
    TagsResult,
)
from regview.notebook.table import Table

SRC = Path(__file__).resolve().parents[2] / "src"


def digest(label: str) -> str:
    return "sha256:" + hashlib.sha256(label.encode()).hexdigest()


A, B = digest("a"), digest("b")
MARCH = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
FEB = datetime(2024, 2, 1, 8, 30, tzinfo=UTC)


def some_tags() -> TagsResult:
    rows = [
        TagRow("latest", A, "application/vnd.oci.image.index.v1+json", 1234,
               ("linux/amd64", "linux/arm64/v8"), MARCH, "index"),
        TagRow("1.0", B, "application/vnd.oci.image.manifest.v1+json", 99, ("linux/amd64",),
               FEB, "image"),
        TagRow("1.1", A, "application/vnd.oci.image.index.v1+json", 1234,
               ("linux/amd64", "linux/arm64/v8"), MARCH, "index"),
        TagRow("broken", error="manifest broken:latest not found"),
    ]
    return TagsResult(rows, repository="127.0.0.1:5000/acme/web", source="127.0.0.1:5000")


class Cells(HTMLParser):
    """Collects the text of every <td> of every <tbody> row."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.in_body = False
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tbody":
            self.in_body = True
        elif tag == "tr" and self.in_body:
            self.rows.append([])
        elif tag == "td" and self.in_body:
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self.in_body = False
        elif tag == "td" and self.cell is not None:
            self.rows[-1].append("".join(self.cell))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def body_rows(html: str) -> list[list[str]]:
    parser = Cells()
    parser.feed(html)
    return parser.rows


def test_tags_frame_has_the_documented_columns_and_types() -> None:
    frame = some_tags().to_pandas()
    assert list(frame.columns)[:6] == [
        "tag", "digest", "media_type", "size", "platforms", "created"
    ]
    assert frame.tag.tolist() == ["latest", "1.0", "1.1", "broken"]
    assert frame.loc[1, "platforms"] == ("linux/amd64",)
    assert str(frame.created.dtype).startswith("datetime64") and "UTC" in str(frame.created.dtype)
    assert frame.loc[0, "created"] == pd.Timestamp("2024-03-01T12:00:00Z")
    assert pd.isna(frame.loc[3, "created"]) and pd.isna(frame.loc[3, "size"])
    assert frame.loc[3, "error"] == "manifest broken:latest not found"


def test_tags_group_by_digest_and_sort_by_created() -> None:
    frame = some_tags().to_pandas().dropna(subset=["digest"])
    groups = frame.groupby("digest").tag.apply(sorted).to_dict()
    assert groups == {A: ["1.1", "latest"], B: ["1.0"]}
    newest_first = frame.sort_values(["created", "tag"], ascending=[False, True]).tag.tolist()
    assert newest_first == ["1.1", "latest", "1.0"]


def test_tags_html_shows_every_small_listing_with_its_error() -> None:
    html = some_tags()._repr_html_()
    rows = body_rows(html)
    assert [r[0] for r in rows] == ["latest", "1.0", "1.1", "broken"]
    assert "1 could not be read" in html
    assert "manifest broken:latest not found" in rows[3]
    assert rows[0][1] == A[:19] + "…"  # digests are shortened, the full one in title
    assert f'title="{A}"' in html


def test_a_hundred_thousand_tags_render_a_head_and_a_count() -> None:
    rows = [TagRow(f"t{i}", A, size=i) for i in range(100_000)]
    result = TagsResult(rows, repository="r", source="s")
    html = result._repr_html_()
    assert len(body_rows(html)) == Table.html_rows == 50
    assert "first 50 of 100,000 tags" in html and ".to_pandas()" in html
    assert len(html) < 60_000
    text = str(result).splitlines()
    assert len(text) == 1 + 1 + Table.text_rows + 1  # title, header, rows, footer
    assert "first 20 of 100,000 tags" in text[-1]
    assert len(result.to_pandas()) == 100_000
    bundle = result._repr_mimebundle_()
    doc = bundle[DOCUMENT_MIME]
    assert len(doc["tags"]) == Table.json_rows and doc["total"] == 100_000 and doc["truncated"]


def test_html_rows_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(TagsResult, "html_rows", 3)
    assert len(body_rows(some_tags()._repr_html_())) == 3


def test_the_bundle_holds_text_html_and_the_document_not_application_json() -> None:
    bundle = some_tags()._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html", DOCUMENT_MIME}
    doc = bundle[DOCUMENT_MIME]
    json.dumps(doc)  # JSON-ready
    assert doc["repository"] == "127.0.0.1:5000/acme/web"
    assert doc["tags"][0] == {
        "tag": "latest",
        "digest": A,
        "media_type": "application/vnd.oci.image.index.v1+json",
        "size": 1234,
        "platforms": ["linux/amd64", "linux/arm64/v8"],
        "created": "2024-03-01T12:00:00+00:00",
        "kind": "index",
        "error": None,
    }
    asked = some_tags()._repr_mimebundle_(include=["application/json", "text/plain"])
    assert set(asked) == {"application/json", "text/plain"}
    assert asked["application/json"] == doc


def file_rows() -> list[FileRow]:
    return [
        FileRow("bin", "dir", 0, 0o755, 0, 0, 1, status="added", mode_string="drwxr-xr-x"),
        FileRow("bin/sh", "file", 4096, 0o755, 0, 0, 1, status="added",
                mode_string="-rwxr-xr-x"),
        FileRow("etc/passwd", "file", 120, 0o644, 0, 0, 2, status="changed",
                mode_string="-rw-r--r--"),
        FileRow("bin/ash", "symlink", 0, 0o777, 0, 0, 2, link="sh", status="added",
                mode_string="lrwxrwxrwx"),
        FileRow("opt/big", "file", 10_000, 0o600, 1000, 1000, 3, status="added",
                mode_string="-rw-------"),
    ]


def test_files_frame_columns_are_in_the_documented_order_with_1_based_layers() -> None:
    result = FilesResult(file_rows(), reference="r:1", digest=A, layer=None, layer_count=3)
    frame = result.to_pandas()
    assert list(frame.columns)[:8] == ["path", "type", "size", "mode", "uid", "gid", "layer",
                                       "link"]
    assert frame.set_index("path").layer.to_dict() == {
        "bin": 1, "bin/sh": 1, "etc/passwd": 2, "bin/ash": 2, "opt/big": 3,
    }
    assert frame.set_index("path").loc["bin/ash", "link"] == "sh"
    largest = frame[frame.type == "file"].nlargest(2, "size").path.tolist()
    assert largest == ["opt/big", "bin/sh"]


def test_files_largest_and_total() -> None:
    result = FilesResult(file_rows(), reference="r:1", digest=A, layer=None, layer_count=3)
    assert [r.path for r in result.largest(2)] == ["opt/big", "bin/sh"]
    assert result.total_size == 10_000 + 4096 + 120
    html = result._repr_html_()
    assert "merged filesystem of 3 layers" in html
    rows = body_rows(html)
    assert rows[1][:5] == ["-rwxr-xr-x", "0", "0", "4.1 kB", "1"]


def test_one_layer_says_which_and_how_layers_are_numbered() -> None:
    result = FilesResult(file_rows()[:2], reference="r:1", digest=A, layer=1, layer_count=3)
    assert "layer 1 of 3 (1 is the bottom layer)" in result._repr_html_()
    assert "layer 1 of 3" in str(result)


def test_referrers_frame_and_text() -> None:
    rows = [
        ReferrerRow(A, "signature", "application/vnd.dev.cosign.artifact.sig.v1+json",
                    "application/vnd.oci.image.manifest.v1+json", 700,
                    {"dev.cosignproject.cosign/signature": "MEUC"}),
        ReferrerRow(B, "sbom", "application/spdx+json",
                    "application/vnd.oci.image.manifest.v1+json", 600),
    ]
    result = ReferrersResult(rows, reference="h/r:1", subject=digest("s"))
    frame = result.to_pandas()
    assert list(frame.columns)[:6] == ["kind", "digest", "artifact_type", "media_type", "size",
                                       "annotations"]
    assert frame.kind.tolist() == ["signature", "sbom"]
    assert frame.loc[0, "annotations"] == {"dev.cosignproject.cosign/signature": "MEUC"}
    text = str(result)
    assert "signature" in text and "application/spdx+json" in text
    assert "2 referrers" in text


def test_empty_listings_say_so() -> None:
    assert "no referrers" in ReferrersResult([], reference="x", subject=A)._repr_html_()
    assert "no tags" in str(TagsResult([], repository="r", source="s"))
    assert len(TagsResult([], repository="r", source="s").to_pandas().columns) == 8


def test_importing_regview_notebook_imports_neither_textual_nor_pandas() -> None:
    script = (
        "import sys, regview.notebook\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('textual', 'pandas', 'IPython', 'ipywidgets', 'anywidget')]\n"
        "print(bad)"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        check=True,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
    ).stdout
    assert out.strip() == "[]"
