"""Every HTML renderer of the notebook, fed hostile registry content.

The HTML is parsed (``html.parser``) and checked: only the elements and attributes
regview writes exist, styles and classes are regview's constants, the document is
well-formed (an attack cannot close a ``<td>`` or a ``<table>``), and each attack is
present as *text*. A text rendering holds no character that could act on a terminal.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import pytest

from regview.notebook import html as h
from regview.notebook.image_result import ImageResult
from regview.notebook.ipython import one_line_error
from regview.notebook.models_html import (
    descriptor_html,
    fetched_config_html,
    fetched_manifest_html,
    image_config_html,
    inspect_html,
    model_html,
    tag_info_html,
)
from regview.notebook.results import (
    FileRow,
    FilesResult,
    ReferrerRow,
    ReferrersResult,
    TagRow,
    TagsResult,
)
from regview.registry import (
    FetchedConfig,
    FetchedManifest,
    ImageIndex,
    NotFound,
    TagInfo,
    parse_config,
    parse_manifest,
)
from regview.registry import media_types as mt
from regview.textsafe import visible
from tests.hostile.content import DANGEROUS_CHARS, TEXT_ATTACKS

HTML_ATTACKS: dict[str, str] = {
    "script": "<script>alert(1)</script>",
    "img-onerror": "<img src=x onerror=alert(1)>",
    "javascript-url": "javascript:alert(1)",
    "break-out-of-table": "</td></table><style>*{display:none}</style>",
    "double-quote-attr": '" onmouseover="alert(1)" data-x="',
    "single-quote-attr": "' onfocus='alert(1)' autofocus='",
    "svg-onload": "<svg/onload=alert(1)>",
    "iframe": '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "comment": "<!-- --><script>alert(1)</script><!--",
    "entity": "&lt;script&gt;alert(1)&lt;/script&gt;&#x3C;b&#62;",
    "link": '<a href="javascript:alert(1)">click me</a>',
    "css": "x{background:url(javascript:alert(1))} <b style=position:fixed;top:0>x</b>",
    "cdata": "<![CDATA[<script>alert(1)</script>]]>",
    "template": "${alert(1)} {{constructor.constructor('alert(1)')()}}",
    "meta-refresh": '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
}

# Every attack the hostile registry serves too (escapes, markup, bidi, wide, long ones).
ATTACKS: dict[str, str] = {**HTML_ATTACKS, **TEXT_ATTACKS}

ELEMENTS = {"div", "span", "table", "thead", "tbody", "tr", "th", "td", "details", "summary",
            "code", "pre", "b"}
ATTRIBUTES = {"class", "title", "style", "data-regview", "open"}
STYLES = {h.STYLE_TABLE, h.STYLE_CELL, h.STYLE_NUMBER, h.STYLE_NOWRAP, h.STYLE_MUTED,
          h.STYLE_PRE}


class Checked(HTMLParser):
    """Parses regview's HTML; records the text and every violation."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.titles: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ELEMENTS:
            self.problems.append(f"element <{tag}>")
        for name, value in attrs:
            if name not in ATTRIBUTES:
                self.problems.append(f"attribute {name}={value!r} on <{tag}>")
            elif name == "style" and value not in STYLES:
                self.problems.append(f"style {value!r}")
            elif name == "class" and not (value or "").startswith("regview-"):
                self.problems.append(f"class {value!r}")
            elif name == "open" and value is not None:
                self.problems.append(f"open={value!r}")
            elif name == "title":
                self.titles.append(value or "")
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.problems.append(f"self-closing <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:]}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_comment(self, data: str) -> None:
        self.problems.append(f"comment {data!r}")

    def handle_decl(self, decl: str) -> None:
        self.problems.append(f"declaration {decl!r}")

    def handle_pi(self, data: str) -> None:
        self.problems.append(f"processing instruction {data!r}")

    def unknown_decl(self, data: str) -> None:
        self.problems.append(f"declaration {data!r}")


def check(html: str) -> Checked:
    """Parse ``html`` and fail on anything that regview does not write itself."""
    parsed = Checked()
    parsed.feed(html)
    parsed.close()
    assert parsed.problems == [], parsed.problems[:5]
    assert parsed.stack == [], f"unclosed {parsed.stack}"
    assert not any(c in "".join(parsed.text) for c in "\x1b\x07\u202e\u200b")
    return parsed


def shows(parsed: Checked, value: str, *, prefix: int = 30) -> bool:
    """The attack is in the page as text (made visible; long ones clipped)."""
    text = "".join(parsed.text)
    return visible(value)[:prefix] in text or visible(value)[:prefix] in "".join(parsed.titles)


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def test_the_checker_catches_what_it_must() -> None:
    for bad in ('<b onclick="x">y</b>', "<script>x</script>", "<td></table>",
                '<b style="color:red">x</b>', "<!-- x -->", "<img src=x>"):
        parsed = Checked()
        parsed.feed(bad)
        assert parsed.problems, bad
    assert check(str(h.el("b", "<script>"))).text == ["<script>"]


@pytest.mark.parametrize("name", list(ATTACKS))
def test_text_and_attributes_escape_every_attack(name: str) -> None:
    value = ATTACKS[name]
    parsed = check(str(h.join([h.el("b", value, title=value), h.code(value),
                               h.clipped(value, 10), h.mapping_table({value: value})])))
    assert shows(parsed, value)


def tags_result() -> TagsResult:
    rows = [
        TagRow(value, digest(value.encode("utf-8", "backslashreplace")), value, 1,
               (value,), datetime(2024, 1, 1, tzinfo=UTC), value, error=value)
        for value in ATTACKS.values()
    ]
    return TagsResult(rows, repository=HTML_ATTACKS["break-out-of-table"], source="s")


def files_result() -> FilesResult:
    rows = [
        FileRow(value, "symlink", 0, 0o777, 0, 0, 1, link=value, status=value,
                mode_string=value)
        for value in ATTACKS.values()
    ]
    return FilesResult(rows, reference=HTML_ATTACKS["script"], digest=HTML_ATTACKS["link"],
                       layer=None, layer_count=1, deleted=rows[:2])


def referrers_result() -> ReferrersResult:
    rows = [
        ReferrerRow(digest(name.encode()), value, value, value, 1, {value: value, name: value},
                    value)
        for name, value in ATTACKS.items()
    ]
    return ReferrersResult(rows, reference=HTML_ATTACKS["img-onerror"], subject=HTML_ATTACKS["css"])


@pytest.mark.parametrize("make", [tags_result, files_result, referrers_result],
                         ids=["tags", "files", "referrers"])
def test_listings_render_attacks_as_text(make: Callable[[], Any]) -> None:
    result = make()
    result.html_rows = len(ATTACKS)
    parsed = check(result._repr_html_())
    for value in ATTACKS.values():
        assert shows(parsed, value, prefix=10), value
    text = str(result)
    assert not DANGEROUS_CHARS & set(text.replace("\n", "")), "text rendering acts on terminals"
    # What the kernel sends and the notebook saves must encode as UTF-8 (no lone surrogate).
    json.dumps(result._repr_mimebundle_(), ensure_ascii=False).encode("utf-8")


def hostile_config() -> bytes:
    values = list(ATTACKS.values())
    return json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "created": HTML_ATTACKS["script"],
            "author": HTML_ATTACKS["img-onerror"],
            "config": {
                "User": HTML_ATTACKS["double-quote-attr"],
                "WorkingDir": HTML_ATTACKS["break-out-of-table"],
                "Entrypoint": [HTML_ATTACKS["javascript-url"]],
                "Cmd": values,
                "Env": [f"{name.upper()}={v}" for name, v in ATTACKS.items()],
                "Labels": {**ATTACKS, **{v: name for name, v in HTML_ATTACKS.items()}},
                "ExposedPorts": {f"{HTML_ATTACKS['svg-onload']}/tcp": {}},
                "Volumes": {HTML_ATTACKS["iframe"]: {}},
                "StopSignal": HTML_ATTACKS["css"],
            },
            "rootfs": {"type": "layers", "diff_ids": [digest(b"l")]},
            "history": [
                {"created_by": v, "comment": v, "author": v, "created": v, "empty_layer": True}
                for v in values
            ]
            + [{"created_by": HTML_ATTACKS["link"]}],
        }
    ).encode()


def fetched(raw: bytes, repository: str = "text/attack") -> FetchedManifest:
    m = parse_manifest(raw)
    return FetchedManifest(repository, digest(raw), m.media_type, raw, m)


def hostile_image() -> tuple[FetchedManifest, FetchedConfig, FetchedManifest]:
    config = hostile_config()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": mt.OCI_MANIFEST,
            "config": {"mediaType": mt.OCI_CONFIG, "digest": digest(config), "size": len(config)},
            "layers": [{"mediaType": mt.OCI_LAYER_GZIP, "digest": digest(b"l"), "size": 1,
                        "annotations": dict(ATTACKS)}],
            "annotations": dict(ATTACKS),
        }
    ).encode()
    index = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": mt.OCI_INDEX,
            "manifests": [
                {"mediaType": mt.OCI_MANIFEST, "digest": digest(manifest),
                 "size": len(manifest),
                 "platform": {"os": HTML_ATTACKS["script"], "architecture": "amd64"},
                 "artifactType": HTML_ATTACKS["link"], "annotations": dict(ATTACKS)},
                {"mediaType": mt.OCI_MANIFEST, "digest": digest(b"att"), "size": 5,
                 "platform": {"os": "unknown", "architecture": "unknown"},
                 "annotations": {mt.DOCKER_REFERENCE_TYPE: mt.ATTESTATION_MANIFEST,
                                 mt.DOCKER_REFERENCE_DIGEST: HTML_ATTACKS["comment"]}},
            ],
            "annotations": dict(ATTACKS),
        }
    ).encode()
    return fetched(manifest), FetchedConfig(digest(config), config, parse_config(config)), \
        fetched(index)


def test_an_image_result_renders_attacks_as_text() -> None:
    manifest, config, index = hostile_image()
    document = {"reference": HTML_ATTACKS["script"], "annotations": dict(ATTACKS),
                "index": {"reference": HTML_ATTACKS["css"], "manifests": []}}
    result = ImageResult(reference=HTML_ATTACKS["break-out-of-table"], source="s",
                         manifest=manifest, index=index, config_blob=config, document=document)
    for table in (result.layers, result.history, result.platforms):
        table.html_rows = 1000
    parsed = check(result._repr_html_())
    for value in HTML_ATTACKS.values():
        assert shows(parsed, value, prefix=10), value
    assert result.platforms[1].attestation and result.platforms[1].attests == \
        HTML_ATTACKS["comment"]
    assert not DANGEROUS_CHARS & set(str(result).replace("\n", ""))


def test_the_registry_models_render_attacks_as_text() -> None:
    manifest, config, index = hostile_image()
    assert isinstance(index.manifest, ImageIndex)
    pages = [
        fetched_manifest_html(manifest),
        fetched_manifest_html(index),
        fetched_config_html(config),
        image_config_html(config.config),
        model_html(index.manifest),
        descriptor_html(index.manifest.manifests[0]),
        tag_info_html(TagInfo(error=HTML_ATTACKS["script"], kind=HTML_ATTACKS["css"])),
        inspect_html({"reference": HTML_ATTACKS["break-out-of-table"],
                      "annotations": dict(ATTACKS)}),
    ]
    for page in pages:
        check(page)
    everything = check("".join(pages))
    for value in HTML_ATTACKS.values():
        assert shows(everything, value, prefix=10), value


def test_an_error_line_is_one_inert_line() -> None:
    line = one_line_error(NotFound(TEXT_ATTACKS["csi-clear"] + "\n" + HTML_ATTACKS["script"]))
    assert "\n" not in line and "\x1b" not in line
    assert line.startswith("NotFound: ")
