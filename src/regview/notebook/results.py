"""What the notebook coroutines return: tags, files and referrers listings.

Each is a :class:`~regview.notebook.table.Table` of frozen rows: shown as an HTML table in
a notebook (the first rows, with a count), as text in a terminal, and as a DataFrame with
``to_pandas()``. Layer numbers are the ones people read: **1 is the bottom layer**, as in
the explorer and the CLI (the registry API's JSON positions are 0-based). The image
result is in :mod:`regview.notebook.image_result`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from regview.notebook import html as h
from regview.notebook.table import Column, Table

__all__ = [
    "FileRow",
    "FilesResult",
    "ReferrerRow",
    "ReferrersResult",
    "TagRow",
    "TagsResult",
]


# --------------------------------------------------------------------------- tags


@dataclass(frozen=True, slots=True)
class TagRow:
    """One tag and what it points at."""

    tag: str
    digest: str | None = None
    """The manifest (or index) the tag names."""
    media_type: str | None = None
    size: int | None = None
    """Compressed size of the layers (for an index: of its linux/amd64 or first image)."""
    platforms: tuple[str, ...] = ()
    """``os/arch[/variant]`` of each image (attestation entries left out)."""
    created: datetime | None = None
    """The image config's ``created`` (for an index: of its linux/amd64 or first image)."""
    kind: str = ""
    """``image``, ``index``, ``artifact`` or ``schema1``."""
    error: str | None = None
    """Why the tag could not be read (the other columns are then empty)."""


class TagsResult(Table[TagRow]):
    """Every tag of a repository, in natural order (``v2`` before ``v10``; the tags that
    hold referrers, ``sha256-…``, ``.sig``, ``.att``, ``.sbom``, last).

    ``to_pandas()`` has one row per tag with the columns ``tag, digest, media_type, size,
    platforms, created, kind, error``.
    """

    noun = "tags"
    columns: ClassVar[tuple[Column, ...]] = (
        Column("tag", "code", width=48),
        Column("digest", "digest"),
        Column("media_type", html=False),
        Column("kind"),
        Column("platforms", "list"),
        Column("size", "size"),
        Column("created", "time"),
        Column("error", optional=True),
    )
    frame_order: ClassVar[tuple[str, ...]] = (
        "tag", "digest", "media_type", "size", "platforms", "created", "kind", "error",
    )

    def __init__(self, rows: list[TagRow], *, repository: str, source: str) -> None:
        super().__init__(rows, title=repository)
        self.repository = repository
        self.source = source

    @property
    def errors(self) -> list[TagRow]:
        """Tags that could not be read."""
        return [r for r in self.rows if r.error]

    def _heading(self) -> h.Html:
        failed = len(self.errors)
        extra = f" ({failed:,} could not be read: see the error column)" if failed else ""
        return h.join([h.el("b", "Tags of "), h.code(self.repository), extra])

    def _document_header(self) -> dict[str, Any]:
        return {"repository": self.repository, "source": self.source}


# --------------------------------------------------------------------------- files


@dataclass(frozen=True, slots=True)
class FileRow:
    """One path of a layer or of the merged filesystem."""

    path: str
    """Relative to the root, no leading ``/``; bytes that are not UTF-8 shown as ``\\xNN``."""
    type: str
    """``file``, ``dir``, ``symlink``, ``hardlink``, ``char``, ``block`` or ``fifo``."""
    size: int
    mode: int
    """Permission bits (``oct(mode)``); :attr:`mode_string` reads like ``ls -l``."""
    uid: int
    gid: int
    layer: int
    """The layer that last wrote the path: **1 is the bottom layer**."""
    link: str | None = None
    """A symlink's or hardlink's target."""
    status: str = ""
    """Merged filesystem: ``added``, ``changed`` (it existed below) or ``opaque``; a
    single layer: ``whiteout`` for an entry that deletes a lower path."""
    mode_string: str = ""
    mtime: datetime | None = None


class FilesResult(Table[FileRow]):
    """The merged filesystem of an image (layers applied bottom to top, whiteouts
    honoured), or the entries of one layer, sorted by path.

    ``to_pandas()`` has one row per path: ``path, type, size, mode, uid, gid, layer, link,
    status, mode_string, mtime``. ``layer`` is 1-based: 1 is the bottom layer.
    """

    noun = "paths"
    columns: ClassVar[tuple[Column, ...]] = (
        Column("mode_string", "code", label="mode"),
        Column("uid", "int"),
        Column("gid", "int"),
        Column("size", "size"),
        Column("layer", "int"),
        Column("status", optional=True),
        Column("path", "code"),
        Column("type", html=False),
        Column("mode", "int", html=False),
        Column("link", "code", optional=True),
        Column("mtime", "time", html=False),
    )
    frame_order: ClassVar[tuple[str, ...]] = (
        "path", "type", "size", "mode", "uid", "gid", "layer", "link", "status",
        "mode_string", "mtime",
    )

    def __init__(
        self,
        rows: list[FileRow],
        *,
        reference: str,
        digest: str,
        layer: int | None,
        layer_count: int,
        deleted: list[FileRow] | None = None,
        wasted_bytes: int = 0,
        notes: list[str] | None = None,
    ) -> None:
        what = f"layer {layer} of {layer_count}" if layer is not None else "merged filesystem"
        super().__init__(rows, title=f"{reference} ({what})")
        self.reference = reference
        self.digest = digest
        self.layer = layer
        """The layer listed (1 = bottom), or None for the merged filesystem."""
        self.layer_count = layer_count
        self.deleted = list(deleted or [])
        """Merged filesystem: paths a layer deleted (whiteouts) that stay deleted; each
        row's ``layer`` is the layer that deleted it."""
        self.wasted_bytes = wasted_bytes
        """Bytes shipped in lower layers that the merged filesystem does not show."""
        self.notes = list(notes or [])
        """What the listing says of how it was read (a SOCI zTOC refused, and why, so the
        layer was read instead), one line each."""

    @property
    def total_size(self) -> int:
        """Bytes of every regular file listed."""
        return sum(r.size for r in self.rows if r.type == "file")

    def largest(self, count: int = 20) -> FilesResult:
        """The ``count`` largest regular files, largest first."""
        files = sorted((r for r in self.rows if r.type == "file"), key=lambda r: (-r.size, r.path))
        return FilesResult(
            files[:count],
            reference=self.reference,
            digest=self.digest,
            layer=self.layer,
            layer_count=self.layer_count,
            notes=self.notes,
        )

    def _heading(self) -> h.Html:
        what = (
            f"layer {self.layer} of {self.layer_count} (1 is the bottom layer)"
            if self.layer is not None
            else f"merged filesystem of {self.layer_count} layers"
        )
        parts: list[h.Html | str] = [
            h.el("b", "Files of "),
            h.code(self.reference),
            " (",
            h.clipped(self.digest, 19, as_code=True),
            f"): {what}, ",
            h.size_text(self.total_size),
            " in files",
        ]
        if self.deleted:
            parts.append(f"; {len(self.deleted):,} paths deleted by upper layers")
        if self.wasted_bytes:
            parts += ["; ", h.size_text(self.wasted_bytes), " hidden by upper layers"]
        parts += [h.note(h.text(f"note: {n}", limit=500)) for n in self.notes]
        return h.join(parts)

    def _text_lines(self) -> list[str]:
        lines = super()._text_lines()
        return lines[:1] + [f"note: {n}" for n in self.notes] + lines[1:]

    def _document_header(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "digest": self.digest,
            "layer": self.layer,
            "layerCount": self.layer_count,
            "wastedBytes": self.wasted_bytes,
            "notes": self.notes,
        }


# --------------------------------------------------------------------------- referrers


@dataclass(frozen=True, slots=True)
class ReferrerRow:
    """A manifest whose ``subject`` is the image: a signature, an SBOM, an attestation."""

    digest: str
    kind: str
    """``signature``, ``sbom``, ``attestation`` or ``artifact`` (from the artifact type)."""
    artifact_type: str | None
    media_type: str
    size: int
    annotations: Mapping[str, str] = field(default_factory=dict)
    created: str | None = None
    """The ``org.opencontainers.image.created`` annotation, when there is one."""


class ReferrersResult(Table[ReferrerRow]):
    """What refers to an image (the referrers API, else the ``sha256-<hex>`` tag schema,
    plus cosign's tags). ``to_pandas()``: ``digest, kind, artifact_type, media_type, size,
    annotations, created``."""

    noun = "referrers"
    columns: ClassVar[tuple[Column, ...]] = (
        Column("kind"),
        Column("digest", "digest"),
        Column("artifact_type", "code", label="artifact type"),
        Column("media_type", html=False),
        Column("size", "size"),
        Column("annotations", "mapping", optional=True),
        Column("created", "time", optional=True),
    )

    def __init__(self, rows: list[ReferrerRow], *, reference: str, subject: str) -> None:
        super().__init__(rows, title=reference)
        self.reference = reference
        self.subject = subject
        """The digest whose referrers these are."""

    def _heading(self) -> h.Html:
        return h.join(
            [h.el("b", "Referrers of "), h.code(self.reference), " (", h.code(self.subject), ")"]
        )

    def _document_header(self) -> dict[str, Any]:
        return {"reference": self.reference, "subject": self.subject}
