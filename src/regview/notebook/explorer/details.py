"""What the node under the tree's cursor is, in full, as a list of blocks.

The blocks are plain JSON the front end draws with ``textContent``:

* ``{"t": "fields", "title": str, "rows": [field, ...]}``, a field being
  ``{"k": key, "v": text, "s": style}``, ``{"k": key, "lines": [text, ...]}`` or
  ``{"k": key, "map": [[name, value], ...]}``;
* ``{"t": "table", "title": str, "cols": [[name, align], ...], "rows": [[cell, ...]]}``,
  a cell being ``text`` or ``[text, style]``;
* ``{"t": "note", "text": str, "s": style}``;
* ``{"t": "actions", "node": id, "items": [[action, label], ...]}``: buttons (files of a
  layer, the merged filesystem, the raw JSON) for the node ``id``.

Long lists (a config with 10,000 variables) are cut at :data:`MAX_LINES` with a line
saying how many more there are; every value is clipped by :func:`~.text.safe`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from regview.notebook.explorer.text import (
    failure_message,
    human_size,
    safe,
    short,
    size_text,
    when,
)
from regview.notebook.explorer.tree import Node
from regview.registry import (
    Artifact,
    Descriptor,
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
    config_problems,
    manifest_problems,
    media_types,
)

__all__ = ["MAX_LINES", "DetailsContext", "details", "files_action"]

mt = media_types
Block = dict[str, Any]
Field = dict[str, Any]

#: Lines of one list (env, labels, history...) shown at most.
MAX_LINES = 300

_CHECK_IN_THREAD = 64 * 1024
"""Documents bigger than this (bytes) are checked against the image-spec in a thread."""


@dataclass
class DetailsContext:
    """What details need besides the node: the source, read configs, the layer indexer."""

    source: Source
    indexer: LayerIndexer | None = None
    configs: dict[str, FetchedConfig] = field(default_factory=dict)

    async def config(self, repository: str, descriptor: Descriptor) -> FetchedConfig:
        """The config blob (read once per digest)."""
        found = self.configs.get(descriptor.digest)
        if found is None:
            found = await self.source.config(repository, descriptor)
            self.configs[descriptor.digest] = found
        return found

    async def cached_tocs(self, layers: Sequence[Descriptor]) -> list[LayerToc | None]:
        """TOCs of ``layers`` already indexed (memory or disk), looked up off the loop."""
        indexer = self.indexer
        if indexer is None or not layers:
            return [None] * len(layers)
        return await asyncio.to_thread(lambda: [indexer.cached(d.digest) for d in layers])


# --- small builders --------------------------------------------------------------------------


def _v(key: str, value: str | None, style: str = "") -> Field | None:
    if not value:
        return None
    return {"k": key, "v": value, "s": style} if style else {"k": key, "v": value}


def _lines(key: str, values: Sequence[str], limit: int = 300) -> Field | None:
    if not values:
        return None
    shown = [safe(v, limit) for v in values[:MAX_LINES]]
    if len(values) > MAX_LINES:
        shown.append(f"… {len(values) - MAX_LINES:,} more")
    return {"k": key, "lines": shown}


def _map(key: str, values: Mapping[str, str]) -> Field | None:
    if not values:
        return None
    items = sorted(values.items())
    shown = [[safe(k, 120), safe(v, 300)] for k, v in items[:MAX_LINES]]
    if len(items) > MAX_LINES:
        shown.append([f"… {len(items) - MAX_LINES:,} more", ""])
    return {"k": key, "map": shown}


def fields(rows: Iterable[Field | None], title: str = "") -> Block:
    """A block of key/value rows (empty values left out)."""
    return {"t": "fields", "title": title, "rows": [r for r in rows if r is not None]}


def note(text: str, style: str = "dim") -> Block:
    """One line of text."""
    return {"t": "note", "text": text, "s": style}


def problems_blocks(problems: Sequence[Problem], title: str = "Problems") -> list[Block]:
    """The ⚠ section (image-spec problems, path and message), or nothing."""
    if not problems:
        return []
    rows = [
        _v(safe(f"{p.path or '(document)'} [{p.rule}]", 200), safe(p.message, 400), "red")
        for p in problems[:MAX_LINES]
    ]
    return [fields(rows, title=f"⚠ {title} ({len(problems)}, by the OCI image-spec)")]


def _command(args: tuple[str, ...] | None) -> str | None:
    if args is None:
        return None
    return safe(" ".join(args), 500) if args else "[]"


def descriptor_fields(d: Descriptor) -> list[Field | None]:
    """Digest, media type, size, platform, artifact type, URLs, annotations."""
    return [
        _v("Digest", safe(d.digest, 200), "cyan"),
        _v("Media type", safe(d.media_type, 200)),
        _v("Size", size_text(d.size)),
        _v("Platform", safe(str(d.platform), 100) if d.platform else None),
        _v("Artifact type", safe(d.artifact_type, 200) if d.artifact_type else None),
        _lines("URLs", d.urls),
        _map("Annotations", d.annotations),
    ]


def config_blocks(config: ImageConfig, manifest: ImageManifest | None) -> list[Block]:
    """The config summary, then the history mapped to layers (empty layers marked)."""
    summary = fields(
        [
            _v("Platform", safe(str(config.platform), 100) if config.platform else None),
            _v("Created", when(config.created)),
            _v("Author", safe(config.author, 200) if config.author else None),
            _v("Entrypoint", _command(config.entrypoint)),
            _v("Cmd", _command(config.cmd)),
            _v("User", safe(config.user, 200) if config.user else None),
            _v("Workdir", safe(config.working_dir, 300) if config.working_dir else None),
            _lines("Env", config.env),
            _lines("Ports", config.exposed_ports),
            _lines("Volumes", config.volumes),
            _v("Stop signal", safe(config.stop_signal, 60) if config.stop_signal else None),
            _map("Labels", config.labels),
        ],
        title="Config",
    )
    blocks = [summary]
    if config.history:
        layers = manifest.layers if manifest else ()
        rows: list[list[Any]] = []
        for i, entry in enumerate(config.history[:MAX_LINES]):
            if entry.empty_layer or entry.layer_index is None:
                layer_cell: Any = ["(empty)", "dim"]
                size_cell: Any = ""
            else:
                layer_cell = f"layer {entry.layer_index + 1}"
                n = entry.layer_index
                size_cell = [human_size(layers[n].size) if n < len(layers) else "?", "green"]
            created_by = safe(entry.created_by or entry.comment or "", 400)
            rows.append([[str(i + 1), "dim"], layer_cell, size_cell, created_by])
        if len(config.history) > MAX_LINES:
            rows.append(["", "", "", f"… {len(config.history) - MAX_LINES:,} more"])
        blocks.append(
            {
                "t": "table",
                "title": "History",
                "cols": [
                    ["#", "right"],
                    ["layer", "left"],
                    ["size", "right"],
                    ["created by", "left"],
                ],
                "rows": rows,
            }
        )
    return blocks


def platforms_table(index: ImageIndex) -> Block:
    """Every entry of an index: platform (attestations marked), type, size, digest."""
    rows: list[list[Any]] = []
    for d in index.manifests[:MAX_LINES]:
        if d.is_attestation:
            name: Any = ["attestation", "yellow"]
        else:
            name = safe(str(d.platform), 60) if d.platform else "?"
        kind = safe(mt.short_name(d.media_type), 40)
        rows.append([name, kind, human_size(d.size), [short(d.digest), "cyan"]])
    if len(index.manifests) > MAX_LINES:
        rows.append([f"… {len(index.manifests) - MAX_LINES:,} more", "", "", ""])
    return {
        "t": "table",
        "title": "Platforms",
        "cols": [["platform", "left"], ["type", "left"], ["size", "right"], ["digest", "left"]],
        "rows": rows,
    }


def files_action(node: Node) -> str | None:
    """``"files"`` for a layer whose files can be listed, ``"merged"`` for an image whose
    filesystem can be, else None (artifacts, indexes, attestations, referrers)."""
    if node.kind == "layer":
        d = node.descriptor
        m = node.parent.manifest if node.parent else None
        image = isinstance(m, ImageManifest) and not isinstance(m, Artifact)
        return "files" if image and d is not None and mt.is_layer(d.media_type) else None
    if node.kind != "manifest" or node.role in ("attestation", "referrer"):
        return None
    if node.fetched is not None:
        m = node.fetched.manifest
        ok = isinstance(m, ImageManifest) and not isinstance(m, Artifact) and bool(m.layers)
        return "merged" if ok else None
    d = node.descriptor
    return "merged" if d is not None and mt.is_image_manifest(d.media_type) else None


def _actions(node: Node) -> Block | None:
    items: list[list[str]] = []
    action = files_action(node)
    if action == "files":
        items.append(["files", f"Files of layer {(node.layer_index or 0) + 1}"])
    elif action == "merged":
        items.append(["merged", "Merged filesystem"])
    if node.kind in ("manifest", "config", "layer", "schema1-layer") and node.descriptor:
        items.append(["raw", "Raw JSON"])
    return {"t": "actions", "node": node.id, "items": items} if items else None


def _contents(toc: LayerToc | None) -> list[Field | None]:
    if toc is None:
        return [_v("Contents", "not read yet · Enter or Files lists them", "dim")]
    uncompressed = (
        size_text(toc.uncompressed_size)
        if toc.uncompressed_size is not None
        else "unknown (its embedded table of contents does not say)"
    )
    files = f"{toc.file_count:,} ({human_size(toc.files_size)} of content)"
    return [_v("Uncompressed", uncompressed), _v("Files", files)]


def _layer_history(ctx: DetailsContext, node: Node, manifest: ImageManifest) -> list[Block]:
    config = ctx.configs.get(manifest.config.digest)
    if config is None or node.layer_index is None:
        return []
    steps = [h for h in config.config.history if h.layer_index == node.layer_index]
    rows: list[Field | None] = []
    for h in steps[:MAX_LINES]:
        rows.append(_v("Created by", safe(h.created_by or h.comment or "", 600)))
        rows.append(_v("Created", when(h.created)))
    diff_ids = config.config.diff_ids
    if node.layer_index < len(diff_ids):
        rows.append(_v("Diff ID", safe(diff_ids[node.layer_index], 200), "cyan"))
    return [fields(rows, title="History")] if any(rows) else []


# --- documents -------------------------------------------------------------------------------


async def details(node: Node, ctx: DetailsContext) -> AsyncIterator[list[Block]]:
    """The details of ``node``: a first document at once, then fuller ones as the config
    (and what is cached of the layers) is read."""
    actions = _actions(node)
    extra = [actions] if actions else []
    if node.kind == "error":
        yield [note(node.error or "error", "red")]
        return
    if node.kind in ("placeholder", "group"):
        yield [note(node.text or "loading…")]
        return
    if node.kind in ("config", "layer", "schema1-layer") and node.descriptor is not None:
        title = node.kind if node.layer_index is None else f"{node.kind} {node.layer_index + 1}"
        rows = descriptor_fields(node.descriptor)
        parent = node.parent.manifest if node.parent else None
        history = (
            _layer_history(ctx, node, parent)
            if node.kind == "layer" and isinstance(parent, ImageManifest)
            else []
        )
        yield [fields(rows, title=title), *history, *extra]
        if files_action(node) == "files":
            # Only what is cached already: moving the cursor never downloads a layer.
            toc = (await ctx.cached_tocs([node.descriptor]))[0]
            rows[3:3] = _contents(toc)
            yield [fields(rows, title=title), *history, *extra]
        return
    fetched = node.fetched
    if fetched is None and node.descriptor is not None:
        # A manifest not opened yet: show what its parent says, then read it. On a
        # registry that counts pulls only a cached copy is used (moving the cursor must
        # not spend the budget); opening the node reads it.
        d = node.descriptor
        yield [fields(descriptor_fields(d), title="Manifest"), *extra, note("loading…")]
        source = ctx.source
        if source.meters_pulls:
            fetched = source.peek_manifest(node.repository, d.digest)
        else:
            fetched = await source.manifest(node.repository, d.digest)
        if fetched is None:
            yield [fields(descriptor_fields(d), title="Manifest (open it to read it)"), *extra]
            return
    if fetched is None:
        return
    m = fetched.manifest
    raw, media_type = fetched.raw, fetched.media_type
    if len(raw) > _CHECK_IN_THREAD:  # a 10,000-entry index takes a few hundred ms
        warn = problems_blocks(await asyncio.to_thread(manifest_problems, raw, media_type))
    else:
        warn = problems_blocks(manifest_problems(raw, media_type))
    top = [
        _v("Repository", safe(node.repository, 300)),
        _v("Tag", safe(node.tag, 200) if node.tag and node.role == "root" else None),
        _v("Digest", safe(fetched.digest, 200), "cyan"),
        _v("Media type", safe(fetched.media_type, 200)),
        _v("Manifest size", size_text(fetched.size)),
        _v("Subject", safe(m.subject.digest, 200) if m.subject else None, "cyan"),
    ]
    if isinstance(m, ImageIndex):
        top.append(_v("Artifact type", safe(m.artifact_type, 200) if m.artifact_type else None))
        yield [
            *warn,
            fields(top, title="Index"),
            platforms_table(m),
            fields([_map("Annotations", m.annotations)]),
            *extra,
        ]
        return
    if isinstance(m, Schema1Manifest):
        yield [
            fields(
                [
                    *top,
                    _v("Name", safe(m.name, 300)),
                    _v("Tag", safe(m.tag, 200)),
                    _v("Architecture", safe(m.architecture, 60)),
                    _v("Layers", str(len(m.fs_layers))),
                    _v("Signed", "yes" if m.signed else "no"),
                ],
                title="Docker schema1 manifest",
            ),
            *extra,
        ]
        return
    assert isinstance(m, ImageManifest)
    total = m.layers_size
    if isinstance(m, Artifact):
        yield [
            *warn,
            fields(
                [
                    *top,
                    _v("Artifact type", safe(m.artifact_type or "", 200)),
                    _v("Kind", m.kind),
                    _v("Config type", safe(m.config.media_type, 200)),
                    _v("Blobs", f"{len(m.layers)}, {human_size(total)}"),
                    _map("Annotations", m.annotations),
                ],
                title="Artifact",
            ),
            *extra,
        ]
        return
    image = [*top, _v("Layers", str(len(m.layers))), _v("Compressed size", size_text(total))]
    tocs = await ctx.cached_tocs(m.layers)
    sizes = [t.uncompressed_size if t is not None else None for t in tocs]
    if m.layers and None not in sizes:
        image.append(_v("Uncompressed", size_text(sum(n for n in sizes if n is not None))))
    elif m.layers and all(mt.is_layer(d.media_type) for d in m.layers):
        image.append(_v("Uncompressed", "not known until the layers are read", "dim"))
    image.append(_map("Annotations", m.annotations))
    head = [*warn, fields(image, title="Image"), *extra]
    yield [*head, note("loading config…")]
    try:
        config = await ctx.config(node.repository, m.config)
    except RegistryError as exc:
        yield [*head, note("config: " + failure_message(exc), "red")]
        raise
    found = problems_blocks(config_problems(config.raw), "Config problems")
    yield [*head, *found, *config_blocks(config.config, m)]
