"""A listing that shows itself in a notebook, a terminal, as JSON and as a DataFrame.

:class:`Table` holds rows (frozen dataclasses) and the :class:`Column` s to show. A big
listing (100,000 tags) renders only its first :attr:`Table.html_rows` rows as HTML (and
:attr:`Table.text_rows` as text), with a count and a pointer to :meth:`Table.to_pandas`,
which has every row. pandas is imported by ``to_pandas`` only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Generic, Literal, TypeVar, overload

from regview.notebook import html as h
from regview.notebook.plain import text_table
from regview.notebook.secrets import hide_json
from regview.registry import media_types
from regview.registry.layers import format_size

__all__ = ["DOCUMENT_MIME", "Column", "Table", "json_safe", "json_value", "mimebundle"]

DOCUMENT_MIME = "application/vnd.regview+json"
"""The mime type of the raw document in a result's display bundle.

Not ``application/json``: JupyterLab ranks its JSON viewer above HTML (rank 0 against
50), so a bundle holding ``application/json`` would show as a JSON tree instead of the
table. Ask for ``application/json`` explicitly (``include=["application/json"]``) to get
the document under that name too.
"""

Kind = Literal[
    "text", "code", "digest", "media", "size", "int", "time", "list", "bool", "mapping"
]

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Column:
    """One column: the row attribute (and DataFrame column) and how to show it."""

    name: str
    kind: Kind = "text"
    label: str | None = None
    html: bool = True
    """Shown in the HTML and text tables (every column is in the DataFrame and JSON)."""
    optional: bool = False
    """Left out of the HTML and text tables when no row shown has a value."""
    width: int = 64
    """Characters of a ``code`` value shown in HTML (the whole value in its title)."""

    @property
    def header(self) -> str:
        return self.label or self.name


def json_value(value: object) -> Any:
    """A row value as JSON: datetimes in ISO 8601, tuples as lists, mappings as objects."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return [json_value(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    return value


def json_safe(value: Any) -> Any:
    """A JSON-ready value whose strings can all be encoded as UTF-8: a lone surrogate
    (JSON may carry ``"\udcff"``) is written as its escape instead of breaking the
    kernel's messages and the saved notebook."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "backslashreplace").decode("utf-8")
        return value
    if isinstance(value, list):
        return [json_safe(v) for v in value]
    if isinstance(value, dict):
        return {json_safe(str(k)): json_safe(v) for k, v in value.items()}
    return value


def _html_cell(column: Column, value: object) -> h.Cell:
    kind = column.kind
    if value is None or value == ():
        return None
    if kind == "digest":
        return h.clipped(str(value), 19, as_code=True)
    if kind == "code":
        return h.clipped(str(value), column.width, as_code=True)
    if kind == "media":
        short = media_types.short_name(str(value))
        return h.el("span", short, title=str(value)) if short != value else h.code(value)
    if kind == "size":
        return h.size_text(value if isinstance(value, int) else None)
    if kind == "int":
        return str(value)
    if kind == "time":
        return h.time_text(value if isinstance(value, datetime | str) else None, short=True)
    if kind == "list" and isinstance(value, tuple):
        return h.join([h.text(v, limit=100) for v in value], ", ")
    if kind == "bool":
        return "yes" if value else None
    if kind == "mapping" and isinstance(value, Mapping):
        items = list(value.items())
        shown = [h.el("div", h.code(k, limit=80), "=", h.text(v, limit=200)) for k, v in items[:5]]
        if len(items) > 5:
            shown.append(h.note(f"… {len(items) - 5} more"))
        return h.join(shown)
    return h.text(value, limit=300)


def _text_cell(kind: Kind, value: object) -> str:
    if value is None or value == ():
        return ""
    if kind == "digest":
        s = str(value)
        return s if len(s) <= 19 else s[:19] + "…"
    if kind == "size" and isinstance(value, int):
        return format_size(value)
    if kind == "time" and isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if kind == "list" and isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    if kind == "bool":
        return "yes" if value else ""
    if kind == "mapping" and isinstance(value, Mapping):
        return "; ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


class Table(Generic[R]):
    """Rows of one kind. ``len``, iteration and indexing give the rows themselves.

    Shown in a notebook as an HTML table of the first :attr:`html_rows` rows, in a
    terminal as text (first :attr:`text_rows`), and as a JSON document (first
    :attr:`json_rows`); :meth:`to_pandas` and :meth:`records` have every row. Change the
    class attributes to show more (``Table.html_rows = 500``).
    """

    noun: ClassVar[str] = "rows"
    columns: ClassVar[tuple[Column, ...]] = ()
    frame_order: ClassVar[tuple[str, ...]] = ()
    """Column names in DataFrame and JSON order, when it differs from the display's."""
    html_rows: ClassVar[int] = 50
    text_rows: ClassVar[int] = 20
    json_rows: ClassVar[int] = 1000

    def __init__(self, rows: Iterable[R], *, title: str = "") -> None:
        self.rows: tuple[R, ...] = tuple(rows)
        self.title = title

    # --- the rows ------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[R]:
        return iter(self.rows)

    @overload
    def __getitem__(self, index: int) -> R: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[R, ...]: ...
    def __getitem__(self, index: int | slice) -> R | tuple[R, ...]:
        return self.rows[index]

    def _names(self) -> list[str]:
        return list(self.frame_order) or [c.name for c in self.columns]

    def records(self) -> list[dict[str, Any]]:
        """Every row as a dict of its columns (the values as Python objects)."""
        names = self._names()
        return [{n: getattr(r, n) for n in names} for r in self.rows]

    def to_pandas(self) -> Any:
        """Every row in a ``pandas.DataFrame`` (one column per field; dates are
        timezone-aware ``datetime64`` in UTC). Needs pandas (``pip install pandas``)."""
        import importlib

        try:
            pd: Any = importlib.import_module("pandas")
        except ImportError:  # pragma: no cover - pandas is in the test extra
            raise ImportError("to_pandas() needs pandas: pip install pandas") from None
        names = self._names()
        frame = pd.DataFrame.from_records(
            [tuple(getattr(r, n) for n in names) for r in self.rows], columns=names
        )
        for c in self.columns:
            if c.kind == "time":
                frame[c.name] = pd.to_datetime(frame[c.name], utc=True, errors="coerce")
            elif c.kind in ("size", "int"):
                frame[c.name] = frame[c.name].astype("Int64")
        return frame

    # --- display -------------------------------------------------------------------------

    def _shown_columns(self, limit: int) -> list[Column]:
        head = self.rows[:limit]
        return [
            c
            for c in self.columns
            if c.html
            and (not c.optional or any(getattr(r, c.name) not in (None, "", (), {}) for r in head))
        ]

    def _numeric(self, columns: Sequence[Column]) -> list[bool]:
        return [c.kind in ("size", "int") for c in columns]

    def _align(self, columns: Sequence[Column]) -> list[str]:
        return [
            "right" if c.kind in ("size", "int")
            else "nowrap" if c.kind in ("digest", "time") else "left"
            for c in columns
        ]

    def _heading(self) -> h.Html:
        """The line above the HTML table (subclasses describe what was read)."""
        return h.el("b", self.title) if self.title else h.Html("")

    def _footer(self, shown: int, setting: str = "html_rows") -> str:
        total = len(self.rows)
        if total == 0:
            return f"no {self.noun}"
        if shown >= total:
            return f"{total:,} {self.noun}"
        return (
            f"first {shown:,} of {total:,} {self.noun}; .to_pandas() has them all "
            f"(or set {type(self).__name__}.{setting})"
        )

    def _html_table(self, limit: int) -> h.Html:
        columns = self._shown_columns(limit)
        rows = (
            [_html_cell(c, getattr(r, c.name)) for c in columns] for r in self.rows[:limit]
        )
        return h.table([c.header for c in columns], rows, align=self._align(columns))

    def _repr_html_(self) -> str:
        limit = self.html_rows
        parts = [self._heading()]
        if self.rows:
            parts.append(self._html_table(limit))
        parts.append(h.note(self._footer(min(limit, len(self.rows)))))
        return str(h.el("div", h.join(parts), cls="regview-result", data=self.noun))

    def _text_lines(self) -> list[str]:
        limit = self.text_rows
        columns = self._shown_columns(limit)
        lines = [self.title] if self.title else []
        if self.rows:
            lines += text_table(
                [c.header for c in columns],
                ([_text_cell(c.kind, getattr(r, c.name)) for c in columns]
                 for r in self.rows[:limit]),
                numeric=self._numeric(columns),
            )
        lines.append(self._footer(min(limit, len(self.rows)), "text_rows"))
        return lines

    def __str__(self) -> str:
        from regview.notebook.plain import safe

        return "\n".join(safe(line, limit=None) for line in self._text_lines())

    def __repr__(self) -> str:
        return str(self)

    def _document_header(self) -> dict[str, Any]:
        return {"title": self.title}

    def document(self, limit: int | None = None) -> dict[str, Any]:
        """The listing as a JSON-ready object (every row, or the first ``limit``)."""
        rows = self.rows if limit is None else self.rows[:limit]
        names = self._names()
        doc = self._document_header()
        doc[self.noun.replace(" ", "_")] = [
            {n: json_value(getattr(r, n)) for n in names} for r in rows
        ]
        doc["total"] = len(self.rows)
        if len(rows) < len(self.rows):
            doc["truncated"] = True
        return doc

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None
    ) -> dict[str, Any]:
        """text/plain, text/html and the document (see :data:`DOCUMENT_MIME`)."""
        return mimebundle(self, self.document(self.json_rows), include, exclude)


def mimebundle(
    result: Any, document: dict[str, Any], include: Any, exclude: Any
) -> dict[str, Any]:
    """The display bundle of a result: plain text, HTML and its raw document."""
    document = hide_json(json_safe(document))
    bundle: dict[str, Any] = {
        "text/plain": str(result),
        "text/html": result._repr_html_(),
        DOCUMENT_MIME: document,
    }
    if include is not None and "application/json" in include:
        bundle["application/json"] = document
    if include is not None:
        bundle = {k: v for k, v in bundle.items() if k in include}
    if exclude is not None:
        bundle = {k: v for k, v in bundle.items() if k not in exclude}
    return bundle
