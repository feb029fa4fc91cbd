"""HTML for the registry's documented models, so they display as tables in a notebook.

``regview.registry`` knows nothing of Jupyter: :mod:`regview.notebook.ipython` registers
these functions with IPython's ``text/html`` formatter for :class:`FetchedManifest`,
:class:`FetchedConfig`, the manifest models, :class:`ImageConfig`, :class:`Descriptor`
and :class:`TagInfo`. Every value is escaped (see :mod:`regview.notebook.html`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from regview.inspect_text import render_inspect
from regview.notebook import html as h
from regview.registry import (
    Artifact,
    Descriptor,
    FetchedConfig,
    FetchedManifest,
    ImageConfig,
    ImageIndex,
    ImageManifest,
    Schema1Manifest,
    TagInfo,
    config_problems,
    manifest_problems,
    media_types,
)

__all__ = [
    "FORMATTERS",
    "config_html",
    "descriptor_html",
    "fetched_config_html",
    "fetched_manifest_html",
    "inspect_html",
    "manifest_html",
    "problems_html",
    "tag_info_html",
]

MAX_RAW = 200_000
"""Characters of a raw document shown (pretty-printed) before it is cut."""

MAX_ROWS = 200
"""Index entries or layers listed before a count."""


def _raw(raw: bytes) -> h.Html:
    try:
        pretty = json.dumps(json.loads(raw), indent=2, ensure_ascii=False).encode(
            "utf-8", "backslashreplace"  # a lone surrogate ("\udcff") cannot be encoded
        ).decode("utf-8")
    except (ValueError, RecursionError):
        pretty = raw.decode("utf-8", "replace")
    cut = len(pretty) > MAX_RAW
    body = h.el("pre", h.text(pretty[:MAX_RAW], limit=MAX_RAW + 1, keep_newlines=True),
                style=h.STYLE_PRE)
    if cut:
        body = h.join([body, h.note(f"first {MAX_RAW:,} of {len(pretty):,} characters")])
    return h.details(f"raw JSON ({len(raw):,} bytes)", body)


def _descriptors(items: tuple[Descriptor, ...], *, number_from: int = 1) -> h.Html:
    rows = [
        [
            str(i),
            str(d.platform) if d.platform is not None else None,
            h.clipped(d.digest, 19, as_code=True),
            h.el("span", media_types.short_name(d.media_type), title=d.media_type),
            h.size_text(d.size),
            "attestation" if d.is_attestation else (h.code(d.artifact_type)
                                                    if d.artifact_type else None),
        ]
        for i, d in enumerate(items[:MAX_ROWS], start=number_from)
    ]
    body = h.table(["#", "platform", "digest", "media type", "size", "type"], rows,
                   numeric=[True, False, False, False, True, False])
    if len(items) > MAX_ROWS:
        body = h.join([body, h.note(f"first {MAX_ROWS} of {len(items):,}")])
    return body


def problems_html(problems: Iterable[Mapping[str, Any]], *, prefix: str = "") -> h.Html:
    """The ⚠ section: image-spec problems (``{"path", "rule", "message"}``), open; empty
    when there are none."""
    rows = [
        [h.code(prefix + str(p.get("path") or "(document)")), h.code(p.get("rule")),
         str(p.get("message") or "")]
        for p in problems
    ]
    if not rows:
        return h.Html("")
    body = h.table(["path", "rule", "problem"], rows[:MAX_ROWS])
    if len(rows) > MAX_ROWS:
        body = h.join([body, h.note(f"first {MAX_ROWS} of {len(rows):,}")])
    return h.details(f"⚠ Problems ({len(rows)}, by the OCI image-spec)", body, open_=True)


def manifest_html(m: ImageIndex | ImageManifest | Schema1Manifest) -> h.Html:
    """An index's entries, an image's config and layers, or a schema1 manifest's layers."""
    parts: list[h.Html] = []
    if isinstance(m, ImageIndex):
        parts.append(h.field_table([
            ("artifact type", h.code(m.artifact_type) if m.artifact_type else None),
            ("subject", h.code(m.subject.digest) if m.subject is not None else None),
        ]))
        parts.append(h.details(f"Manifests ({len(m.manifests)})", _descriptors(m.manifests),
                               open_=True))
    elif isinstance(m, ImageManifest):
        fields: list[tuple[str, h.Cell]] = [
            ("artifact type", h.code(m.artifact_type) if isinstance(m, Artifact)
             and m.artifact_type else None),
            ("config", h.join([h.code(m.config.digest), " ", h.code(m.config.media_type)])),
            ("subject", h.code(m.subject.digest) if m.subject is not None else None),
        ]
        parts.append(h.field_table(fields))
        parts.append(h.details(f"Layers ({len(m.layers)}, 1 = bottom)",
                               _descriptors(m.layers), open_=True))
    else:
        parts.append(h.field_table([("name", h.code(m.name)), ("tag", h.code(m.tag)),
                                    ("architecture", m.architecture)]))
        parts.append(h.table(["layer (newest first)"], [[h.code(d)] for d in m.fs_layers]))
    if m.annotations:
        parts.append(h.details(f"Annotations ({len(m.annotations)})",
                               h.mapping_table(m.annotations, key="annotation"), open_=True))
    return h.join(parts)


def fetched_manifest_html(f: FetchedManifest) -> str:
    """A manifest as served: repository, digest, media type, size, what it lists, raw JSON."""
    head = h.field_table(
        [
            ("repository", h.code(f.repository)),
            ("digest", h.code(f.digest)),
            ("media type", h.code(f.media_type)),
            ("size", h.size_text(f.size)),
        ]
    )
    problems = [p.to_json() for p in manifest_problems(f.raw, f.media_type)]
    body = h.join([h.el("b", "Manifest"), head, problems_html(problems),
                   manifest_html(f.manifest), _raw(f.raw)])
    return str(h.el("div", body, cls="regview-result", data="manifest"))


def config_html(c: ImageConfig) -> h.Html:
    """An image config: platform, how it runs, env, labels, history."""
    def argv(a: tuple[str, ...] | None) -> h.Cell:
        return h.code(json.dumps(list(a), ensure_ascii=False)) if a is not None else None

    parts = [
        h.field_table(
            [
                ("platform", str(c.platform) if c.platform else None),
                ("created", h.time_text(c.created) if c.created else None),
                ("author", c.author),
                ("user", h.code(c.user) if c.user else None),
                ("working dir", h.code(c.working_dir) if c.working_dir else None),
                ("entrypoint", argv(c.entrypoint)),
                ("cmd", argv(c.cmd)),
                ("ports", h.join([h.code(p) for p in c.exposed_ports], ", ") or None),
                ("volumes", h.join([h.code(v) for v in c.volumes], ", ") or None),
                ("stop signal", c.stop_signal),
            ]
        )
    ]
    if c.env:
        parts.append(h.details(f"Env ({len(c.env)})",
                               h.table(["entry"], [[h.code(e)] for e in c.env[:500]]),
                               open_=True))
    if c.labels:
        parts.append(h.details(f"Labels ({len(c.labels)})",
                               h.mapping_table(c.labels, key="label"), open_=True))
    if c.history:
        rows = [
            [
                str(i),
                "" if e.layer_index is None else str(e.layer_index + 1),
                h.time_text(e.created) if e.created else None,
                h.code(e.created_by or "", limit=300),
            ]
            for i, e in enumerate(c.history[:MAX_ROWS], start=1)
        ]
        parts.append(h.details(f"History ({len(c.history)} steps; layer 1 = bottom)",
                               h.table(["#", "layer", "created", "created by"], rows,
                                       numeric=[True, True, False, False])))
    return h.join(parts)


def fetched_config_html(f: FetchedConfig) -> str:
    """A config blob as served: digest, what it says, raw JSON."""
    problems = [p.to_json() for p in config_problems(f.raw)]
    body = h.join([h.el("b", "Image config "), h.code(f.digest), problems_html(problems),
                   config_html(f.config), _raw(f.raw)])
    return str(h.el("div", body, cls="regview-result", data="config"))


def image_config_html(c: ImageConfig) -> str:
    return str(h.el("div", h.join([h.el("b", "Image config"), config_html(c)]),
                    cls="regview-result", data="config"))


def model_html(m: ImageIndex | ImageManifest | Schema1Manifest) -> str:
    kind = "Index" if isinstance(m, ImageIndex) else "Manifest"
    return str(h.el("div", h.join([h.el("b", kind), " ", h.code(m.media_type),
                                   manifest_html(m)]), cls="regview-result", data="manifest"))


def descriptor_html(d: Descriptor) -> str:
    """A descriptor: media type, digest, size, platform, artifact type, annotations."""
    fields: list[tuple[str, h.Cell]] = [
        ("media type", h.code(d.media_type)),
        ("digest", h.code(d.digest)),
        ("size", h.size_text(d.size)),
        ("platform", str(d.platform) if d.platform else None),
        ("artifact type", h.code(d.artifact_type) if d.artifact_type else None),
        ("attestation for", h.code(d.attests) if d.attests else None),
    ]
    parts = [h.field_table(fields)]
    if d.annotations:
        parts.append(h.mapping_table(d.annotations, key="annotation"))
    return str(h.el("div", h.join(parts), cls="regview-result", data="descriptor"))


def tag_info_html(t: TagInfo) -> str:
    """A tag's columns as the explorer shows them."""
    fields: list[tuple[str, h.Cell]] = [
        ("digest", h.code(t.digest) if t.digest else None),
        ("kind", t.kind or None),
        ("platforms", str(t.platforms) if t.platforms is not None else None),
        ("size", h.size_text(t.size)),
        ("created", h.time_text(t.created)),
        ("error", t.error),
    ]
    return str(h.el("div", h.field_table(fields), cls="regview-result", data="tag-info"))


def inspect_html(document: dict[str, Any]) -> str:
    """An ``inspect`` document (a plain dict, so never registered by type): its text
    rendering, escaped, in a ``<pre>``, and the JSON under it."""
    lines = "\n".join(render_inspect(document))
    raw = json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8", "backslashreplace")
    body = h.join([h.el("pre", h.text(lines, limit=MAX_RAW, keep_newlines=True),
                        style=h.STYLE_PRE), _raw(raw)])
    return str(h.el("div", body, cls="regview-result", data="inspect"))


FORMATTERS: tuple[tuple[type, Callable[[Any], str]], ...] = (
    (FetchedManifest, fetched_manifest_html),
    (FetchedConfig, fetched_config_html),
    (ImageIndex, model_html),
    (ImageManifest, model_html),  # Artifact too
    (Schema1Manifest, model_html),
    (ImageConfig, image_config_html),
    (Descriptor, descriptor_html),
    (TagInfo, tag_info_html),
)
"""(type, renderer) pairs :mod:`regview.notebook.ipython` registers for ``text/html``."""


# --- text/plain: IPython's default is the dataclass repr, raw bytes and all ---------------


def model_text(value: object) -> str:
    """One safe line for a registry model (instead of its repr with the raw bytes)."""
    from regview.notebook.plain import safe

    if isinstance(value, FetchedManifest):
        text = (f"FetchedManifest {value.repository}@{value.digest} "
                f"({value.media_type}, {value.size:,} bytes)")
    elif isinstance(value, FetchedConfig):
        text = f"FetchedConfig {value.digest} ({len(value.raw):,} bytes)"
    elif isinstance(value, ImageIndex):
        text = f"ImageIndex {value.media_type} ({len(value.manifests)} manifests)"
    elif isinstance(value, ImageManifest):
        text = f"{type(value).__name__} {value.media_type} ({len(value.layers)} layers)"
    elif isinstance(value, Schema1Manifest):
        text = f"Schema1Manifest {value.name}:{value.tag} ({len(value.fs_layers)} layers)"
    elif isinstance(value, ImageConfig):
        text = f"ImageConfig {value.platform or 'unknown platform'} created {value.created}"
    elif isinstance(value, Descriptor):
        text = f"Descriptor {value.media_type} {value.digest} ({value.size:,} bytes)"
    elif isinstance(value, TagInfo):
        text = (f"TagInfo error: {value.error}" if value.error
                else f"TagInfo {value.digest} {value.kind} {value.size} bytes")
    else:
        text = type(value).__name__
    return safe(text, limit=500)


def pretty_printer(value: object, printer: Any, cycle: bool) -> None:
    """The ``text/plain`` formatter IPython calls (``printer.text``)."""
    printer.text(model_text(value))
