"""``await regview.notebook.analyze(ref)``: dive's efficiency figures in a cell.

The same analysis as ``regview analyze`` (:mod:`regview.registry.efficiency`: wasted
bytes are the copies minus the one kept, not dive's double count). The result shows
the score, the wasted bytes and the user wasted percent above a table of the inefficient
files; ``to_pandas()`` has one row per inefficient file. Layer numbers are 1-based.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from regview.notebook import html as h
from regview.notebook.cells import SourceArg, _platform, _remembering, _resolve
from regview.notebook.table import Column, Table
from regview.registry import (
    Efficiency,
    LayerIndexer,
    Platform,
    TocStore,
    analyze_efficiency,
    image_layers,
    verify_diff_ids,
)
from regview.registry.layers import display_path

__all__ = ["AnalysisResult", "InefficientRow", "analyze"]


@dataclass(frozen=True, slots=True)
class InefficientRow:
    """A path whose shipped content the final filesystem does not all use."""

    path: str
    wasted: int
    """Bytes of its copies not kept (the copies minus the one kept)."""
    total: int
    """Bytes of every copy."""
    layers: tuple[int, ...]
    """The layers (1 = bottom) holding a copy."""
    kept_layer: int | None
    """The layer whose copy the final filesystem shows (or a hard link keeps); None."""
    deleted_by: int | None
    """The layer that deleted the path, when it is gone."""


class AnalysisResult(Table[InefficientRow]):
    """dive's figures of one image, and its inefficient files (most wasted first).

    ``efficiency``, ``wasted_bytes``, ``user_wasted_percent`` (a ratio, as dive's CI
    rules take it), ``shipped_bytes``, ``user_bytes``; ``to_pandas()`` has one row per
    inefficient file: ``path, wasted, total, layers, kept_layer, deleted_by``.
    """

    noun = "inefficient files"
    columns: ClassVar[tuple[Column, ...]] = (
        Column("wasted", "size"),
        Column("total", "size"),
        Column("layers", "list"),
        Column("kept_layer", "int", label="kept"),
        Column("deleted_by", "int", label="deleted by", optional=True),
        Column("path", "code"),
    )

    def __init__(self, result: Efficiency, *, reference: str, digest: str) -> None:
        rows = [
            InefficientRow(
                path=display_path(f.path),
                wasted=f.wasted_bytes,
                total=f.total_bytes,
                layers=tuple(c.layer + 1 for c in f.copies),
                kept_layer=next((c.layer + 1 for c in f.copies if c.kept), None),
                deleted_by=f.deleted_by + 1 if f.deleted_by is not None else None,
            )
            for f in result.inefficient
        ]
        super().__init__(rows, title=f"{reference}: efficiency {result.score * 100:.2f} %")
        self.reference = reference
        self.digest = digest
        self.analysis = result
        """The :class:`~regview.registry.Efficiency` behind the figures."""
        self.efficiency = result.score
        self.wasted_bytes = result.wasted_bytes
        self.user_wasted_percent = result.user_wasted_ratio
        self.shipped_bytes = result.shipped_bytes
        self.user_bytes = result.user_bytes

    def _summary(self) -> str:
        return (
            f"efficiency {self.efficiency * 100:.2f} %, wasted {self.wasted_bytes:,} bytes, "
            f"user wasted {self.user_wasted_percent * 100:.2f} % "
            f"({len(self.analysis.layers)} layers)"
        )

    def _heading(self) -> h.Html:
        return h.join(
            [
                h.el("b", "Efficiency of "),
                h.code(self.reference),
                " (",
                h.clipped(self.digest, 19, as_code=True),
                "): ",
                self._summary(),
            ]
        )

    def _text_lines(self) -> list[str]:
        lines = super()._text_lines()
        return [f"{self.reference}: {self._summary()}", *lines[1:]]

    def _document_header(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "digest": self.digest,
            "efficiency": self.efficiency,
            "wastedBytes": self.wasted_bytes,
            "userWastedPercent": self.user_wasted_percent,
            "shippedBytes": self.shipped_bytes,
            "userBytes": self.user_bytes,
        }


async def analyze(
    reference: str,
    *,
    platform: str | Platform | None = None,
    source: SourceArg = None,
    **settings: Any,
) -> AnalysisResult:
    """dive's efficiency score, wasted bytes, user wasted percent and inefficient files
    of an image, as ``regview analyze`` computes them (layers read once, then cached).

    Example::

        a = await regview.notebook.analyze("127.0.0.1:5000/acme/web:1.2")
        a.efficiency, a.wasted_bytes
        a.to_pandas().head(10)
    """
    s, src, repository, ref, display = _resolve(reference, source, settings)
    with _remembering(s):
        fetched, layers = await image_layers(
            src, repository, ref, _platform(platform), max_depth=s.settings.max_index_depth
        )
        indexer = LayerIndexer(src, store=TocStore(s.settings.cache_root()))
        # No SOCI here (as in the CLI's analyze): a zTOC is its author's word and has no
        # diff_id to check, and the analysis can fail a CI job; the layers are read.
        tocs = await indexer.index_all(repository, layers)
        await verify_diff_ids(src, repository, fetched, list(enumerate(tocs)))
    return AnalysisResult(analyze_efficiency(tocs), reference=display, digest=fetched.digest)
