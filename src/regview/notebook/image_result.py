"""The result of ``await regview.notebook.image(...)``: one image, every part of it.

Layers and history steps are numbered as people read them: **1 is the bottom layer**,
and ``history.layer`` says which layer a step made (None for a step that made none).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from regview.inspect_text import render_inspect
from regview.notebook import html as h
from regview.notebook.models_html import problems_html
from regview.notebook.plain import safe
from regview.notebook.table import Column, Table, mimebundle
from regview.registry import (
    Artifact,
    FetchedConfig,
    FetchedManifest,
    ImageConfig,
    ImageIndex,
    ImageManifest,
)

__all__ = [
    "HistoryRow",
    "HistoryTable",
    "ImageResult",
    "LayerRow",
    "LayersTable",
    "PlatformRow",
    "PlatformsTable",
]


@dataclass(frozen=True, slots=True)
class LayerRow:
    """One layer of the image: **number 1 is the bottom layer**."""

    number: int
    digest: str
    media_type: str
    size: int
    created_by: str | None = None
    """The history step that made this layer, when the config maps one to it."""


class LayersTable(Table[LayerRow]):
    """The image's layers, bottom first: ``number, digest, media_type, size, created_by``."""

    noun = "layers"
    columns: ClassVar[tuple[Column, ...]] = (
        Column("number", "int", label="#"),
        Column("digest", "digest"),
        Column("media_type", "media", label="media type"),
        Column("size", "size"),
        Column("created_by", "code", label="created by", optional=True, width=100),
    )


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One step of the image history; ``layer`` is the layer it made (1 = bottom)."""

    step: int
    created: str | None
    created_by: str | None
    comment: str | None
    empty_layer: bool
    layer: int | None


class HistoryTable(Table[HistoryRow]):
    """History steps, oldest first: ``step, created, created_by, comment, empty_layer,
    layer`` (``layer`` 1-based, None for a step that made no layer)."""

    noun = "steps"
    columns: ClassVar[tuple[Column, ...]] = (
        Column("step", "int", label="#"),
        Column("layer", "int"),
        Column("created", "time"),
        Column("created_by", "code", label="created by", width=100),
        Column("comment", optional=True),
        Column("empty_layer", "bool", html=False),
    )


@dataclass(frozen=True, slots=True)
class PlatformRow:
    """One entry of the index the reference named (``number`` counts from 1)."""

    number: int
    platform: str | None
    digest: str
    media_type: str
    size: int
    attestation: bool = False
    """A buildx attestation manifest (``unknown/unknown``), not an image."""
    attests: str | None = None
    """For an attestation: the digest of the image it describes."""
    artifact_type: str | None = None
    annotations: Mapping[str, str] = field(default_factory=dict)
    chosen: bool = False
    """The entry this result describes."""


class PlatformsTable(Table[PlatformRow]):
    """The index's entries, attestations marked: ``number, platform, digest, media_type,
    size, attestation, attests, artifact_type, annotations, chosen``."""

    noun = "index entries"
    columns: ClassVar[tuple[Column, ...]] = (
        Column("number", "int", label="#"),
        Column("platform"),
        Column("digest", "digest"),
        Column("media_type", "media", label="media type"),
        Column("size", "size"),
        Column("attestation", "bool"),
        Column("attests", "digest", optional=True),
        Column("artifact_type", "code", optional=True),
        Column("annotations", "mapping", html=False),
        Column("chosen", "bool", label="shown"),
    )


def platform_rows(index: ImageIndex, chosen: str | None) -> list[PlatformRow]:
    """Rows for the entries of ``index``; ``chosen`` is the digest described."""
    return [
        PlatformRow(
            number=i,
            platform=str(d.platform) if d.platform is not None else None,
            digest=d.digest,
            media_type=d.media_type,
            size=d.size,
            attestation=d.is_attestation,
            attests=d.attests,
            artifact_type=d.artifact_type,
            annotations=dict(d.annotations),
            chosen=d.digest == chosen,
        )
        for i, d in enumerate(index.manifests, start=1)
    ]


class ImageResult:
    """One image manifest (the platform chosen from an index), its config and layers.

    * :attr:`layers` (``.layers.to_pandas()``: ``number, digest, media_type, size``,
      number 1 = bottom), :attr:`history` (each step with the layer it made),
      :attr:`platforms` (the index's entries, attestations marked; empty when the
      reference named an image), :attr:`config` (the parsed :class:`ImageConfig`:
      ``env``, ``labels``, ``entrypoint`` …), :attr:`annotations`;
    * :attr:`manifest` and :attr:`index` are the :class:`FetchedManifest` s as served
      (``.raw`` bytes), :attr:`config_blob` the :class:`FetchedConfig`;
    * :attr:`document` is what ``regview inspect --json`` prints for the image, with the
      index under ``"index"`` when the reference named one.
    """

    def __init__(
        self,
        *,
        reference: str,
        source: str,
        manifest: FetchedManifest,
        index: FetchedManifest | None,
        config_blob: FetchedConfig | None,
        document: dict[str, Any],
    ) -> None:
        self.reference = reference
        self.source = source
        self.manifest = manifest
        self.index = index
        self.config_blob = config_blob
        self.config: ImageConfig | None = config_blob.config if config_blob else None
        self.document = document
        m = manifest.manifest
        history = self.config.history if self.config else ()
        made_by = {e.layer_index: e.created_by for e in history if e.layer_index is not None}
        layers = m.layers if isinstance(m, ImageManifest) else ()
        self.layers = LayersTable(
            LayerRow(i + 1, d.digest, d.media_type, d.size, made_by.get(i))
            for i, d in enumerate(layers)
        )
        self.history = HistoryTable(
            HistoryRow(
                step=i,
                created=e.created,
                created_by=e.created_by,
                comment=e.comment,
                empty_layer=e.empty_layer,
                layer=e.layer_index + 1 if e.layer_index is not None else None,
            )
            for i, e in enumerate(history, start=1)
        )
        self.platforms = PlatformsTable(
            platform_rows(index.manifest, manifest.digest)
            if index is not None and isinstance(index.manifest, ImageIndex)
            else ()
        )

    @property
    def digest(self) -> str:
        """Digest of the image manifest described."""
        return self.manifest.digest

    @property
    def media_type(self) -> str:
        return self.manifest.media_type

    @property
    def platform(self) -> str | None:
        """``os/arch[/variant]`` from the config (or the index entry)."""
        if self.config is not None and self.config.platform is not None:
            return str(self.config.platform)
        chosen = [r.platform for r in self.platforms if r.chosen]
        return chosen[0] if chosen else None

    @property
    def annotations(self) -> Mapping[str, str]:
        """The image manifest's annotations."""
        return self.manifest.manifest.annotations

    @property
    def size(self) -> int:
        """Compressed size of the layers, as the manifest declares them."""
        return sum(r.size for r in self.layers)

    @property
    def created(self) -> datetime | None:
        return self.config.created_at if self.config else None

    @property
    def artifact_type(self) -> str | None:
        m = self.manifest.manifest
        return m.artifact_type if isinstance(m, Artifact) else None

    # --- display -------------------------------------------------------------------------

    def _summary(self) -> h.Html:
        c = self.config
        m = self.manifest.manifest
        fields: list[tuple[str, h.Cell]] = [
            ("reference", h.code(self.reference)),
            ("digest", h.code(self.digest)),
            ("media type", h.code(self.media_type)),
            ("index", h.code(self.index.digest) if self.index is not None else None),
            ("platform", self.platform),
            ("artifact type", h.code(self.artifact_type) if self.artifact_type else None),
            ("created", h.time_text(c.created) if c and c.created else None),
            ("author", c.author if c else None),
            ("layers", h.join([f"{len(self.layers)}, ", h.size_text(self.size)])),
            ("config", h.code(m.config.digest) if isinstance(m, ImageManifest) else None),
            ("subject", h.code(m.subject.digest) if m.subject is not None else None),
        ]
        return h.field_table(fields)

    def _problems_html(self) -> h.Html:
        """The ⚠ section: the image-spec problems of the manifest and of its config."""
        found: list[Mapping[str, Any]] = []
        config = self.document.get("config")
        for holder, prefix in ((self.document, ""), (config, "config: ")):
            listed = holder.get("problems") if isinstance(holder, Mapping) else None
            for p in listed if isinstance(listed, list) else ():
                if isinstance(p, Mapping):
                    found.append({**p, "path": prefix + str(p.get("path") or "(document)")})
        return problems_html(found)

    def _config_html(self) -> h.Html:
        c = self.config
        if c is None:
            return h.Html("")
        run = h.field_table(
            [
                ("user", h.code(c.user) if c.user else None),
                ("working dir", h.code(c.working_dir) if c.working_dir else None),
                ("entrypoint", _argv(c.entrypoint)),
                ("cmd", _argv(c.cmd)),
                ("ports", h.join([h.code(p) for p in c.exposed_ports], ", ") or None),
                ("volumes", h.join([h.code(v) for v in c.volumes], ", ") or None),
                ("stop signal", c.stop_signal),
            ]
        )
        parts = [run]
        if c.env:
            parts.append(
                h.details(
                    f"Env ({len(c.env)})",
                    h.table(["variable", "value"], [_env_row(e) for e in c.env[:500]]),
                    open_=True,
                )
            )
        if c.labels:
            parts.append(
                h.details(
                    f"Labels ({len(c.labels)})",
                    h.mapping_table(c.labels, key="label"),
                    open_=len(c.labels) <= 20,
                )
            )
        return h.details("Config", h.join(parts), open_=True)

    def _repr_html_(self) -> str:
        parts = [h.el("b", "Image "), h.code(self.reference), self._summary(),
                 self._problems_html()]
        if len(self.platforms):
            parts.append(
                h.details(
                    f"Index entries ({len(self.platforms)})",
                    h.Html(self.platforms._repr_html_()),
                    open_=True,
                )
            )
        parts.append(self._config_html())
        parts.append(
            h.details(f"Layers ({len(self.layers)})", h.Html(self.layers._repr_html_()),
                      open_=True)
        )
        if len(self.history):
            parts.append(
                h.details(f"History ({len(self.history)} steps)",
                          h.Html(self.history._repr_html_()))
            )
        if self.annotations:
            parts.append(
                h.details(f"Annotations ({len(self.annotations)})",
                          h.mapping_table(self.annotations, key="annotation"), open_=True)
            )
        return str(h.el("div", h.join(parts), cls="regview-result", data="image"))

    def __str__(self) -> str:
        lines: list[str] = []
        index_doc = self.document.get("index")
        if isinstance(index_doc, Mapping):
            lines += render_inspect(index_doc)
            lines.append(f"Image ({self.platform or 'chosen entry'})")
            lines += render_inspect(self.document, "  ")
        else:
            lines += render_inspect(self.document)
        return "\n".join(safe(line, limit=None) for line in lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """text/plain, text/html and the inspect document."""
        return mimebundle(self, self.document, include, exclude)


def _argv(argv: tuple[str, ...] | None) -> h.Html | None:
    if argv is None:
        return None
    import shlex

    return h.code(" ".join(shlex.quote(a) for a in argv))


def _env_row(entry: str) -> list[h.Cell]:
    name, sep, value = entry.partition("=")
    return [h.code(name), h.code(value) if sep else None]
