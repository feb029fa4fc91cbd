"""The Details pane: what the node under the tree's cursor is, in full."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from typing import ClassVar

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.scrollbar import ScrollBarRender
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import get_current_worker

from regview.registry import (
    Artifact,
    Descriptor,
    Efficiency,
    FetchedConfig,
    ImageConfig,
    ImageIndex,
    ImageManifest,
    LayerIndexer,
    LayerToc,
    Problem,
    RegistryError,
    Schema1Manifest,
    Source,
    analyze_efficiency,
    config_problems,
    looks_like_image_config,
    manifest_problems,
    unverifiable_reason,
)
from regview.registry import media_types as mt
from regview.tui.text import error_text, human_size, literal
from regview.tui.widgets.manifest_tree import NodeData
from regview.tui.widgets.pane import Pane

__all__ = ["DetailsPane", "PlatformsTable", "config_renderables", "problems_renderable"]

_CHECK_IN_THREAD = 64 * 1024
"""Documents bigger than this (bytes) are checked against the image-spec in a thread."""


def _size(n: int | None) -> Text:
    if n is None:
        return Text("?")
    if n < 1000:
        return Text(f"{n} bytes")
    return Text(f"{human_size(n)} ({n:,} bytes)")


def _fields(rows: Iterable[tuple[str, Text | str | None]], title: str | None = None) -> Table:
    table = Table.grid(padding=(0, 1))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    if title:
        table.title = Text(title, style="bold underline")
        table.title_justify = "left"
    for key, value in rows:
        if value is None or value == "":
            continue
        table.add_row(Text(key), value if isinstance(value, Text) else literal(value))
    return table


def _lines(values: Iterable[str], limit: int = 300) -> Text:
    return Text("\n").join(literal(v, limit=limit) for v in values)


def _mapping(values: Mapping[str, str]) -> Text | None:
    if not values:
        return None
    out = Text()
    for i, (k, v) in enumerate(sorted(values.items())):
        if i:
            out.append("\n")
        out.append_text(literal(k, limit=120, style="cyan"))
        out.append("=")
        out.append_text(literal(v, limit=300))
    return out


def _when(value: str | None) -> Text | None:
    if not value:
        return None
    # The registry's RFC 3339 reader (nanoseconds as Go writes them), through its face.
    parsed = ImageConfig(created=value).created_at
    if parsed is None:
        return literal(value, limit=80)
    return Text(parsed.strftime("%Y-%m-%d %H:%M:%S %Z").strip())


def _not_set() -> Text:
    """For a config field a person looks for even when the image leaves it out."""
    return Text("not set", style="dim italic")


def _command(args: tuple[str, ...] | None) -> Text | None:
    if args is None:
        return None
    return literal(" ".join(args) if args else "[]", limit=500)


def _contents_rows(toc: LayerToc | None) -> list[tuple[str, Text | str | None]]:
    """Uncompressed size and file count of an indexed layer (a hint if not indexed)."""
    if toc is None:
        return [("Contents", Text("not read yet · Enter or f lists its files", style="dim"))]
    uncompressed = (
        _size(toc.uncompressed_size)
        if toc.uncompressed_size is not None
        else Text("unknown (its embedded table of contents does not say)", style="dim")
    )
    files = Text(f"{toc.file_count:,} ({human_size(toc.files_size)} of content)")
    return [("Uncompressed", uncompressed), ("Files", files)]


def _digest(digest: str) -> Text:
    """The digest; one regview cannot check says so (its content is never fetched)."""
    text = Text(digest, style="cyan")
    reason = unverifiable_reason(digest)
    if reason is not None:
        text.append("\n")
        text.append_text(literal(reason, limit=80, style="yellow"))
    return text


def problems_renderable(
    problems: Sequence[Problem], config: Sequence[Problem] = ()
) -> RenderableType | None:
    """The ⚠ section: what the OCI image-spec says is wrong (None when nothing is)."""
    if not problems and not config:
        return None
    table = Table.grid(padding=(0, 1))
    table.title = Text(f"⚠ Problems ({len(problems) + len(config)})", style="bold yellow")
    table.title_justify = "left"
    table.add_column(style="yellow", no_wrap=True)
    table.add_column(overflow="fold")
    for where, found in (("", problems), ("config: ", config)):
        for p in found:
            path = where + (p.path or "(document)")
            table.add_row(Text("⚠"), literal(f"{path} [{p.rule}]", limit=120, style="bold"))
            message = p.message
            if p.path and message.startswith(p.path):  # the line above names the path
                message = message[len(p.path) :].lstrip(" :")
            table.add_row(Text(""), literal(message, limit=400))
    return table


def descriptor_rows(d: Descriptor) -> list[tuple[str, Text | str | None]]:
    return [
        ("Digest", _digest(d.digest)),
        ("Media type", literal(d.media_type)),
        ("Size", _size(d.size)),
        ("Platform", literal(str(d.platform)) if d.platform else None),
        ("Artifact type", literal(d.artifact_type) if d.artifact_type else None),
        ("URLs", _lines(d.urls) if d.urls else None),
        ("Annotations", _mapping(d.annotations)),
    ]


def config_renderables(config: ImageConfig, manifest: ImageManifest | None) -> list[RenderableType]:
    """Config summary, then the history mapped to layers (empty layers marked).

    Fields the image leaves out are not listed, except Cmd, User, Workdir, Ports and
    Volumes, which say ``not set`` (their absence is something to know: root, ``/``)."""
    summary = _fields(
        [
            ("Platform", literal(str(config.platform)) if config.platform else None),
            ("Created", _when(config.created)),
            ("Author", literal(config.author) if config.author else None),
            ("Entrypoint", _command(config.entrypoint)),
            ("Cmd", _command(config.cmd) or _not_set()),
            ("User", literal(config.user) if config.user else _not_set()),
            ("Workdir", literal(config.working_dir) if config.working_dir else _not_set()),
            ("Env", _lines(config.env) if config.env else None),
            ("Ports", _lines(config.exposed_ports) if config.exposed_ports else _not_set()),
            ("Volumes", _lines(config.volumes) if config.volumes else _not_set()),
            ("Stop signal", literal(config.stop_signal) if config.stop_signal else None),
            ("Labels", _mapping(config.labels)),
        ],
        title="Config",
    )
    history = Table(
        title=Text("History", style="bold underline"),
        title_justify="left",
        box=None,
        padding=(0, 1),
        show_edge=False,
    )
    history.add_column("#", justify="right", style="dim", no_wrap=True)
    history.add_column("layer", no_wrap=True)
    history.add_column("size", justify="right", no_wrap=True)
    history.add_column("created by", overflow="fold")
    layers = manifest.layers if manifest else ()
    for i, entry in enumerate(config.history):
        if entry.empty_layer or entry.layer_index is None:
            layer_cell = Text("(empty)", style="dim italic")
            size_cell = Text("")
        else:
            layer_cell = Text(f"layer {entry.layer_index + 1}")
            layer = layers[entry.layer_index] if entry.layer_index < len(layers) else None
            size_cell = Text(
                human_size(layer.size) if layer else "?",
                style="green",
            )
        created_by = entry.created_by or entry.comment or ""
        history.add_row(Text(str(i + 1)), layer_cell, size_cell, literal(created_by, limit=400))
    out: list[RenderableType] = [summary, Text("")]
    if config.history:
        out.append(history)
    return out


def _efficiency_rows(
    result: Efficiency | None, manifest: ImageManifest
) -> list[tuple[str, Text | str | None]]:
    """Efficiency, wasted bytes and user wasted percent (as ``regview analyze``); none
    until every layer is indexed (the Uncompressed row then says to read them)."""
    if result is None or not manifest.layers:
        return []
    wasted = _size(result.wasted_bytes)
    files = len(result.inefficient)
    if files:
        wasted.append(f" in {files:,} file{'s' if files != 1 else ''}", style="")
        wasted.append(" · f then w lists them", style="dim")
    return [
        ("Efficiency", Text(f"{result.score * 100:.2f} %")),
        ("Wasted", wasted),
        ("User wasted", Text(f"{result.user_wasted_ratio * 100:.2f} %")),
    ]


class WholeCellScrollBar(ScrollBarRender):
    """A scrollbar drawn in whole cells: no partial-block glyphs (``▄``) at the ends of
    its thumb, which read as stray characters next to the text."""

    VERTICAL_BARS: ClassVar[list[str]] = [" "] * 8
    HORIZONTAL_BARS: ClassVar[list[str]] = [" "] * 8


class DetailsScroll(VerticalScroll, can_focus=True):
    """The Details' scrolling body."""

    def on_mount(self) -> None:
        # Per scrollbar, as Textual's ScrollBar docs show (a ClassVar to mypy).
        self.vertical_scrollbar.renderer = WholeCellScrollBar  # type: ignore[misc]
        self.horizontal_scrollbar.renderer = WholeCellScrollBar  # type: ignore[misc]


class DetailsPane(Pane):
    """Config summary, history, blob facts, platform tables, artifact facts."""

    title = "Details"

    def __init__(
        self, source: Source, indexer: LayerIndexer | None = None, *, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.source = source
        #: Where indexed layers are looked up (their uncompressed size); None: nowhere.
        self.indexer = indexer
        self.node: NodeData | None = None
        self.configs: dict[str, FetchedConfig] = {}
        self.problems: dict[str, tuple[Problem, ...]] = {}
        #: dive's figures of images whose layers are all indexed, by manifest digest.
        self.efficiencies: dict[str, Efficiency] = {}

    def compose(self) -> ComposeResult:
        with DetailsScroll(id="details-scroll"):
            yield Static(Text("nothing selected", style="italic dim"), id="details-body")

    @property
    def focus_target(self) -> Widget:
        return self.query_one("#details-scroll")

    def _set(self, *renderables: RenderableType) -> None:
        self.query_one("#details-body", Static).update(Group(*renderables))

    def clear(self, message: str = "nothing selected") -> None:
        self.workers.cancel_node(self)
        self.node = None
        self._set(Text(message, style="italic dim"))

    def revalidate(self) -> None:
        if self.node is not None:
            self.configs.clear()
            self.show(self.node)

    def show(self, node: NodeData | None) -> None:
        self.node = node
        if node is None:
            self.clear()
            return
        self._show(node)

    @work(group="details", exclusive=True, exit_on_error=False)
    async def _show(self, node: NodeData) -> None:
        worker = get_current_worker()
        heading = Text()
        parts: list[RenderableType] = []
        fetched = node.fetched if node.kind == "manifest" else None
        m = fetched.manifest if fetched else None
        if node.kind == "error":
            self._set(error_text(node.error or "error"))
            return
        if node.kind in ("placeholder", "group"):
            self._set(Text(node.extra.get("group", "loading…"), style="italic dim"))
            return
        if node.kind in ("config", "layer", "blob", "schema1-layer") and node.descriptor:
            heading.append(node.kind, style="bold")
            if node.layer_index is not None:
                heading.append(f" {node.layer_index + 1}", style="bold")
            parts.append(heading)
            rows = descriptor_rows(node.descriptor)
            parent = node.parent.manifest if node.parent else None
            history: list[RenderableType] = []
            if node.kind == "layer" and isinstance(parent, ImageManifest):
                history = self._layer_history(node, parent)
            if (
                node.kind == "layer"
                and mt.is_layer(node.descriptor.media_type)
                and not isinstance(parent, Artifact)
            ):
                # Only what is cached already: moving the cursor never downloads a layer.
                self._set(*parts, _fields(rows), *history)
                tocs = await self._cached_tocs([node.descriptor])
                if worker.is_cancelled:
                    return
                at = next(i for i, row in enumerate(rows) if row[0] == "Size") + 1
                rows[at:at] = _contents_rows(tocs[0])
            parts.append(_fields(rows))
            self._set(*parts, *history)
            return
        if fetched is None or m is None:
            # A manifest node not loaded yet: show its descriptor.
            if node.descriptor is not None:
                self._set(Text("manifest (expand to load)", style="bold"),
                          _fields(descriptor_rows(node.descriptor)))
            return
        top = [
            ("Repository", literal(node.repository)),
            ("Tag", literal(node.tag) if node.tag and node.role == "root" else None),
            ("Digest", Text(fetched.digest, style="cyan")),
            ("Media type", literal(fetched.media_type)),
            ("Manifest size", _size(fetched.size)),
            ("Subject", _digest(m.subject.digest) if m.subject else None),
        ]
        problems = await self._problems(fetched.digest, fetched.raw, fetched.media_type)
        if worker.is_cancelled:
            return
        warning = problems_renderable(problems)
        if warning is not None:
            parts.extend([warning, Text("")])
        if isinstance(m, ImageIndex):
            parts.append(_fields([
                *top,
                ("Artifact type", literal(m.artifact_type) if m.artifact_type else None),
            ], title="Index"))
            parts.append(Text(""))
            parts.append(PlatformsTable(m))
            parts.append(_fields([("Annotations", _mapping(m.annotations))]))
            self._set(*parts)
            return
        if isinstance(m, Schema1Manifest):
            parts.append(_fields([*top, ("Name", literal(m.name)), ("Tag", literal(m.tag)),
                                  ("Architecture", literal(m.architecture)),
                                  ("Layers", Text(str(len(m.fs_layers)))),
                                  ("Signed", Text("yes" if m.signed else "no"))],
                                 title="Docker schema1 manifest"))
            self._set(*parts)
            return
        assert isinstance(m, ImageManifest)
        total = m.layers_size
        if isinstance(m, Artifact):
            parts.append(_fields([
                *top,
                ("Artifact type", literal(m.artifact_type or "")),
                ("Kind", Text(m.kind)),
                ("Config type", literal(m.config.media_type)),
                ("Blobs", Text(f"{len(m.layers)}, {human_size(total)}")),
                ("Annotations", _mapping(m.annotations)),
            ], title="Artifact"))
            self._set(*parts)
            return
        tocs = await self._cached_tocs(m.layers)
        if worker.is_cancelled:
            return
        sizes = [t.uncompressed_size if t is not None else None for t in tocs]
        uncompressed: Text | None = None
        if m.layers and None not in sizes:
            uncompressed = _size(sum(n for n in sizes if n is not None))
        elif m.layers and all(mt.is_layer(d.media_type) for d in m.layers):
            uncompressed = Text("not known until the layers are read (f)", style="dim")
        efficiency = await self._efficiency(fetched.digest, tocs)
        if worker.is_cancelled:
            return
        parts.append(_fields([
            *top,
            ("Layers", Text(str(len(m.layers)))),
            ("Compressed size", _size(total)),
            ("Uncompressed", uncompressed),
            *_efficiency_rows(efficiency, m),
            ("Annotations", _mapping(m.annotations)),
        ], title="Image"))
        reason = unverifiable_reason(m.config.digest, why=True)
        if reason is not None:  # refused without a request, and without a toast
            self._set(*parts, Text(""), Text("config: ") + error_text(reason))
            return
        self._set(*parts, Text(""), Text("loading config…", style="italic dim"))
        await asyncio.sleep(0.03)
        if worker.is_cancelled:
            return
        try:
            config = await self._config(node.repository, m.config)
        except RegistryError as exc:
            self._set(*parts, Text(""), Text("config: ") + error_text(str(exc)))
            raise
        if worker.is_cancelled:
            return
        found = await self._problems(m.config.digest, config.raw, None, config=True)
        if worker.is_cancelled:
            return
        both = problems_renderable(problems, found)
        if found and both is not None:  # the ⚠ section heads the pane, the config's too
            parts[0:1 if warning is not None else 0] = [both] if warning else [both, Text("")]
        generic: list[RenderableType] = []
        if m.config_type_generic:
            recognised = looks_like_image_config(config.raw)
            generic = [Text(
                f"config media type {m.config.media_type}: "
                + ("recognised as an image config by its content" if recognised
                   else "read as an image config, but it does not look like one"),
                style="yellow",
            )]
        self._set(*parts, Text(""), *generic, *config_renderables(config.config, m))

    async def _problems(
        self, digest: str, raw: bytes, media_type: str | None, *, config: bool = False
    ) -> tuple[Problem, ...]:
        """The document's image-spec problems, checked once per digest (a big document off
        the event loop: a 10,000-entry index takes a few hundred ms)."""
        found = self.problems.get(digest)
        if found is None:
            def check() -> tuple[Problem, ...]:
                return config_problems(raw) if config else manifest_problems(raw, media_type)

            found = await asyncio.to_thread(check) if len(raw) > _CHECK_IN_THREAD else check()
            self.problems[digest] = found
        return found

    async def _efficiency(
        self, digest: str, tocs: Sequence[LayerToc | None]
    ) -> Efficiency | None:
        """dive's figures when every layer is indexed already (never reads a layer)."""
        if not tocs or any(t is None for t in tocs):
            return None
        found = self.efficiencies.get(digest)
        if found is None:
            ready = [t for t in tocs if t is not None]
            found = await asyncio.to_thread(analyze_efficiency, ready)
            self.efficiencies[digest] = found
        return found

    async def _cached_tocs(self, layers: Sequence[Descriptor]) -> list[LayerToc | None]:
        """The TOCs of ``layers`` already indexed (memory or disk), read off the loop."""
        indexer = self.indexer
        if indexer is None or not layers:
            return [None] * len(layers)

        def lookup() -> list[LayerToc | None]:
            return [indexer.cached(d.digest) for d in layers]

        return await asyncio.to_thread(lookup)

    async def _config(self, repository: str, descriptor: Descriptor) -> FetchedConfig:
        cached = self.configs.get(descriptor.digest)
        if cached is None:
            cached = await self.source.config(repository, descriptor)
            self.configs[descriptor.digest] = cached
        return cached

    def _layer_history(self, node: NodeData, manifest: ImageManifest) -> list[RenderableType]:
        config = self.configs.get(manifest.config.digest)
        if config is None or node.layer_index is None:
            return []
        steps = [h for h in config.config.history if h.layer_index == node.layer_index]
        if not steps:
            return []
        rows: list[tuple[str, Text | str | None]] = []
        for h in steps:
            rows.append(("Created by", literal(h.created_by or h.comment or "", limit=600)))
            rows.append(("Created", _when(h.created)))
        diff_id = (
            config.config.diff_ids[node.layer_index]
            if node.layer_index < len(config.config.diff_ids)
            else None
        )
        rows.append(("Diff ID", Text(diff_id, style="cyan") if diff_id else None))
        return [Text(""), _fields(rows, title="History")]


class PlatformsTable:
    """The platforms of an index: platform, type, size, digest, with the columns that
    fit. The platform is never cut (``linux/arm64/v8`` and ``linux/arm/v7`` must not
    both read ``linux/ar…``): the type goes first, then the size, when space is short."""

    _HEADINGS = ("platform", "type", "size", "digest")
    _CHOICES = ((0, 1, 2, 3), (0, 2, 3), (0, 3), (0,))

    def __init__(self, index: ImageIndex) -> None:
        self.rows: list[tuple[Text, Text, Text, Text]] = []
        for d in index.manifests:
            if d.is_attestation:
                name = Text("attestation", style="yellow")
            else:
                name = literal(str(d.platform) if d.platform else "?", limit=60)
            self.rows.append((
                name,
                literal(mt.short_name(d.media_type), limit=40),
                Text(human_size(d.size), justify="right"),
                Text(d.digest.partition(":")[2][:12], style="cyan"),
            ))

    def columns_for(self, width: int) -> tuple[int, ...]:
        """The columns (indices into the headings) that fit in ``width`` cells."""
        widths = [max([len(h), *(row[i].cell_len for row in self.rows)])
                  for i, h in enumerate(self._HEADINGS)]
        for columns in self._CHOICES:
            if sum(widths[c] for c in columns) + 2 * (len(columns) - 1) <= width:
                return columns
        return self._CHOICES[-1]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        columns = self.columns_for(options.max_width)
        table = Table(title=Text("Platforms", style="bold underline"), title_justify="left",
                      box=None, padding=(0, 1), pad_edge=False, show_edge=False)
        for c in columns:
            table.add_column(self._HEADINGS[c], no_wrap=True,
                             justify="right" if self._HEADINGS[c] == "size" else "left")
        for row in self.rows:
            table.add_row(*(row[c] for c in columns))
        yield table
