"""HTML for notebook outputs, built so that registry text can only ever be text.

A registry is untrusted, and a notebook is a document people save and share: a tag,
label or annotation holding ``<script>``, ``<img onerror=…>``, a ``javascript:`` URL or
CSS must show as the characters it is and never act. So:

* every piece of HTML here is an :class:`Html` value, built by :func:`el` (an element
  whose tag and attribute *names* are literals in this package) from children that are
  :class:`Html` or plain strings; plain strings are always escaped (``html.escape`` with
  ``quote=True``, after :func:`regview.textsafe.visible` made control, bidi and
  zero-width characters visible), attribute values too;
* there are no links, no scripts, no event handlers and no ``<style>`` element: the only
  styling is a few constant inline ``style`` values written in this module;
* long values are clipped, so a 10,000-character label cannot flood a page;
* credentials the kernel used are hidden (:mod:`regview.notebook.secrets`).

Nothing here imports IPython; :mod:`regview.notebook.ipython` registers the renderers.
"""

from __future__ import annotations

import html as _html
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from regview.notebook.secrets import hide
from regview.registry.layers import format_size
from regview.textsafe import visible

__all__ = [
    "Html",
    "clipped",
    "code",
    "details",
    "el",
    "field_table",
    "join",
    "mapping_table",
    "note",
    "size_text",
    "table",
    "text",
    "time_text",
]

MAX_TEXT = 2000
"""Characters of one registry value shown in HTML before it is clipped."""

_ALLOWED_ELEMENTS = frozenset(
    ["div", "span", "table", "thead", "tbody", "tr", "th", "td", "details", "summary",
     "code", "pre", "b"]
)
_ALLOWED_ATTRIBUTES = frozenset({"class", "title", "style", "data-regview", "open"})

# The only styles used: constants, never built from data.
STYLE_TABLE = "border-collapse:collapse;font-size:0.9em;margin:0.25em 0"
STYLE_CELL = "text-align:left;vertical-align:top;padding:0.1em 0.6em 0.1em 0"
STYLE_NUMBER = (
    "text-align:right;vertical-align:top;padding:0.1em 0.6em 0.1em 0;white-space:nowrap"
)
STYLE_NOWRAP = "text-align:left;vertical-align:top;padding:0.1em 0.6em 0.1em 0;white-space:nowrap"
STYLE_MUTED = "opacity:0.7"
STYLE_PRE = "white-space:pre-wrap;word-break:break-all;max-height:30em;overflow:auto"


class Html(str):
    """A string of HTML that is safe to emit: only :func:`el` and friends make one."""

    __slots__ = ()


def text(value: object, *, limit: int = MAX_TEXT, keep_newlines: bool = False) -> Html:
    """``value`` as escaped text: controls made visible, clipped to ``limit`` characters."""
    shown = visible(hide(str(value)), limit=limit, keep_newlines=keep_newlines)
    return Html(_html.escape(shown, quote=True))


def _child(value: Html | str | int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, Html):
        return str(value)
    return text(value)


def join(parts: Iterable[Html | str | None], sep: str = "") -> Html:
    """Children concatenated (plain strings escaped); ``sep`` is a literal separator."""
    return Html(_html.escape(sep, quote=True).join(_child(p) for p in parts if p is not None))


def el(name: str, *children: Html | str | int | None, **attrs: str | bool | None) -> Html:
    """``<name attrs>children</name>``: every child and attribute value escaped.

    ``name`` and the attribute names must be among the few this module uses (a
    programming error otherwise); ``cls`` stands for ``class`` and ``data`` for
    ``data-regview``. True writes a bare attribute, None and False leave it out.
    """
    if name not in _ALLOWED_ELEMENTS:
        raise ValueError(f"element {name!r} is not one regview writes")
    rendered = []
    for key, value in attrs.items():
        attr = {"cls": "class", "data": "data-regview"}.get(key, key)
        if attr not in _ALLOWED_ATTRIBUTES:
            raise ValueError(f"attribute {attr!r} is not one regview writes")
        if value is None or value is False:
            continue
        if value is True:
            rendered.append(f" {attr}")
        else:
            rendered.append(f' {attr}="{text(value, limit=MAX_TEXT)}"')
    body = "".join(_child(c) for c in children)
    return Html(f"<{name}{''.join(rendered)}>{body}</{name}>")


def code(value: object, *, limit: int = MAX_TEXT) -> Html:
    """Monospaced text (digests, commands, paths)."""
    return el("code", text(value, limit=limit))


def clipped(value: str, width: int, *, as_code: bool = False) -> Html:
    """``value`` cut to its first ``width`` characters and ``…``; the whole in ``title``."""
    shown = visible(hide(value))
    if len(shown) <= width:
        inner = text(shown)
        return el("code", inner) if as_code else inner
    inner = text(shown, limit=width + 1)
    return el("code" if as_code else "span", inner, title=shown[:MAX_TEXT])


def note(value: Html | str) -> Html:
    """A muted line under a table (counts, how to get everything)."""
    return el("div", value, cls="regview-note", style=STYLE_MUTED)


def size_text(n: int | None) -> Html:
    """``1.5 MB`` with the exact byte count in ``title``."""
    if n is None:
        return Html("")
    return el("span", format_size(n), title=f"{n:,} bytes")


def time_text(value: datetime | str | None, *, short: bool = False) -> Html:
    """A date as ``YYYY-MM-DD HH:MM:SS UTC`` (or the text as given when unreadable);
    ``short``: ``YYYY-MM-DD HH:MM``, the whole date in ``title``."""
    if value is None:
        return Html("")
    if not isinstance(value, datetime):
        return text(value)
    zone = ""
    if value.tzinfo is not None:
        from datetime import UTC

        value = value.astimezone(UTC)
        zone = " UTC"
    full = value.strftime("%Y-%m-%d %H:%M:%S") + zone
    if short:
        return el("span", value.strftime("%Y-%m-%d %H:%M"), title=full)
    return text(full)


def details(summary: Html | str, body: Html | str, *, open_: bool = False) -> Html:
    """A collapsible section (``<details>``: no script needed)."""
    return el(
        "details",
        el("summary", el("b", summary)),
        body,
        open=open_ or None,
        cls="regview-section",
    )


Cell = Html | str | int | None


_ALIGN = {"left": STYLE_CELL, "right": STYLE_NUMBER, "nowrap": STYLE_NOWRAP}


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    numeric: Sequence[bool] | None = None,
    align: Sequence[str] | None = None,
    cls: str = "regview-table",
) -> Html:
    """A table; cells that are plain strings are escaped, :class:`Html` cells kept.

    ``align`` gives each column ``left``, ``right`` (numbers) or ``nowrap``;
    ``numeric`` is the short form (True for ``right``).
    """
    if align is None:
        align = ["right" if n else "left" for n in (numeric or [False] * len(headers))]
    styles = [_ALIGN[a] for a in align]
    head = el(
        "thead",
        el("tr", *[el("th", h, style=st) for h, st in zip(headers, styles, strict=True)]),
    )
    body_rows = []
    for row in rows:
        cells = [
            el("td", "" if c is None else (str(c) if isinstance(c, int) else c), style=st)
            for c, st in zip(row, styles, strict=True)
        ]
        body_rows.append(el("tr", *cells))
    return el("table", head, el("tbody", *body_rows), cls=cls, style=STYLE_TABLE)


def field_table(fields: Iterable[tuple[str, Cell]]) -> Html:
    """Two columns, label and value, skipping empty values."""
    rows = [
        el("tr", el("th", label, style=STYLE_CELL), el("td", value, style=STYLE_CELL))
        for label, value in fields
        if value not in (None, "", Html(""))
    ]
    return el("table", el("tbody", *rows), cls="regview-fields", style=STYLE_TABLE)


def mapping_table(values: Mapping[str, str], *, key: str = "key", value: str = "value",
                  limit: int = 500) -> Html:
    """Labels, annotations: one row per item (at most ``limit``, with a count after)."""
    items = list(values.items())
    body = table([key, value], ([code(k), text(v, keep_newlines=True)] for k, v in items[:limit]))
    if len(items) > limit:
        body = join([body, note(f"… and {len(items) - limit:,} more")])
    return body
