"""What ``await regview.notebook.diff(a, b)`` returns: every difference of two images,
one row per change, in the sections ``regview diff`` prints (manifest, config, history,
sizes, files).

Shown in a notebook as a heading (A, B, equal or not) and an HTML table whose strings
are all escaped; ``to_pandas()`` has one row per change. Layer numbers are the ones
people read: **1 is the bottom layer**.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from regview.diff_text import file_detail
from regview.notebook import html as h
from regview.notebook.table import Column, Table
from regview.registry import ImageDiff
from regview.registry.layers import display_path

__all__ = ["DiffResult", "DiffRow"]


@dataclass(frozen=True, slots=True)
class DiffRow:
    """One difference between image A and image B."""

    section: str
    """``manifest``, ``config``, ``history``, ``sizes`` or ``files``."""
    change: str
    """``added`` (only in B), ``removed`` (only in A) or ``changed``."""
    name: str
    """The path, config field (``env PATH``), layer digest, history step or size."""
    before: str | None = None
    """The value in A (None when A has none)."""
    after: str | None = None
    """The value in B (None when B has none)."""
    detail: str = ""
    """For a path: the attributes that differ (``mode -rw-r--r-- → -rwxr-xr-x``)."""
    layer_a: int | None = None
    """The layer of A that last wrote the path (or holds the layer): 1 is the bottom."""
    layer_b: int | None = None
    """The same in B."""


def _number(position: int | None) -> int | None:
    return None if position is None else position + 1


def diff_rows(d: ImageDiff) -> list[DiffRow]:
    """Every difference of ``d`` as rows, section after section."""
    rows: list[DiffRow] = []
    for c in d.media_types:
        rows.append(DiffRow("manifest", "changed", f"{c.field} media type", c.before, c.after))
    for layer in d.layers:
        if layer.change == "shared" and layer.position_a == layer.position_b:
            continue
        rows.append(
            DiffRow(
                "manifest",
                "changed" if layer.change == "shared" else layer.change,
                layer.digest,
                detail=f"{layer.size:,} bytes",
                layer_a=_number(layer.position_a),
                layer_b=_number(layer.position_b),
            )
        )
    for c in d.config:
        name = c.field if c.key is None else f"{c.field} {c.key}"
        rows.append(DiffRow("config", c.change, name, c.before, c.after))
    for step in d.history:
        rows.append(
            DiffRow(
                "history",
                step.change,
                f"step {step.index + 1}",
                step.created_by if step.change == "removed" else None,
                step.created_by if step.change == "added" else None,
            )
        )
    for s in d.sizes:
        if s.delta:
            rows.append(
                DiffRow(
                    "sizes",
                    "changed",
                    s.name,
                    None if s.a is None else str(s.a),
                    None if s.b is None else str(s.b),
                    detail=f"{s.delta:+,}",
                )
            )
    for f in d.files:
        rows.append(
            DiffRow(
                "files",
                f.change,
                display_path(f.path),
                None if f.a is None else f.a.type.value,
                None if f.b is None else f.b.type.value,
                detail=file_detail(f),
                layer_a=_number(f.layer_a),
                layer_b=_number(f.layer_b),
            )
        )
    return rows


class DiffResult(Table[DiffRow]):
    """The differences of two images; :attr:`equal` when there are none.

    ``to_pandas()`` has one row per change: ``section, change, name, before, after,
    detail, layer_a, layer_b``. :attr:`diff` is the whole
    :class:`~regview.registry.ImageDiff` (every entry on each side).
    """

    noun = "differences"
    columns: ClassVar[tuple[Column, ...]] = (
        Column("section"),
        Column("change"),
        Column("name", "code"),
        Column("before", "code", optional=True),
        Column("after", "code", optional=True),
        Column("detail", "code", optional=True),
        Column("layer_a", "int", label="layer A", optional=True),
        Column("layer_b", "int", label="layer B", optional=True),
    )
    html_rows: ClassVar[int] = 200

    def __init__(self, diff: ImageDiff) -> None:
        super().__init__(diff_rows(diff), title=f"{diff.a.display} → {diff.b.display}")
        self.diff = diff
        """The :class:`~regview.registry.ImageDiff` the rows come from."""

    @property
    def equal(self) -> bool:
        """True when no section shows a difference."""
        return self.diff.equal

    def _heading(self) -> h.Html:
        d = self.diff
        verdict = "equal" if d.equal else f"{len(self.rows):,} differences"
        return h.join(
            [
                h.el("b", "Diff of "),
                h.code(d.a.display),
                " (",
                h.clipped(d.a.digest, 19, as_code=True),
                ") and ",
                h.code(d.b.display),
                " (",
                h.clipped(d.b.digest, 19, as_code=True),
                f"): {verdict}",
            ]
        )

    def _text_lines(self) -> list[str]:
        lines = super()._text_lines()
        lines.insert(1 if self.title else 0, "equal" if self.equal else "the images differ")
        return lines

    def _document_header(self) -> dict[str, Any]:
        d = self.diff
        return {
            "a": {"reference": d.a.display, "digest": d.a.digest},
            "b": {"reference": d.b.display, "digest": d.b.digest},
            "equal": d.equal,
        }
