"""Readable text for an image diff, one section after another, for the CLI, the TUI and
the notebook's plain-text form.

Layers are numbered as the explorer numbers them: 1 is the bottom layer (the JSON keeps
0-based positions). ``+`` marks what B adds, ``-`` what it removes, ``~`` what it
changes. Lines hold the registry's text as is: make them terminal-safe
(:func:`regview.textsafe.visible`) or escape them before showing them.
"""

from __future__ import annotations

from regview.registry import FileChange, ImageDiff
from regview.registry.layers import display_path, format_size

__all__ = [
    "MARKS",
    "SECTIONS",
    "config_lines",
    "file_change_line",
    "file_detail",
    "history_lines",
    "manifest_lines",
    "render_diff",
    "section_lines",
    "size_lines",
]

MARKS = {"added": "+", "removed": "-", "changed": "~", "shared": "="}
"""The mark each kind of change gets at the start of its line."""

SECTIONS = ("manifest", "config", "history", "sizes", "files")
"""The sections of a diff, in the order they are shown."""


def _short(digest: str) -> str:
    return digest[:19] + "…" if len(digest) > 19 else digest


def _layer(position: int | None) -> str:
    return "-" if position is None else str(position + 1)


def manifest_lines(d: ImageDiff) -> list[str]:
    """Media types that differ, then each layer: shared, removed or added."""
    lines = [f"~ {c.field} media type: {c.before} → {c.after}" for c in d.media_types]
    for c in d.layers:
        where = f"layer {_layer(c.position_a)} → {_layer(c.position_b)}"
        size = format_size(c.size)
        # Sized to fit the diff screen's section column at 120x40 without wrapping.
        lines.append(f"{MARKS[c.change]} {c.change:<7} {_short(c.digest)}  {where:<12}{size:>9}")
    return lines


def config_lines(d: ImageDiff) -> list[str]:
    """Each config field, variable, label, port or volume that differs."""
    lines = []
    for c in d.config:
        name = c.field if c.key is None else f"{c.field} {c.key}"
        if c.field in ("ports", "volumes"):
            lines.append(f"{MARKS[c.change]} {name}")
        elif c.change == "added":
            lines.append(f"+ {name} = {c.after}")
        elif c.change == "removed":
            lines.append(f"- {name} = {c.before}")
        else:
            lines.append(f"~ {name}: {c.before} → {c.after}")
    return lines


def history_lines(d: ImageDiff) -> list[str]:
    """History steps only in A (``-``) or only in B (``+``), numbered from 1."""
    return [
        f"{MARKS[h.change]} [{h.index + 1}] {h.created_by}"
        + ("  (no layer)" if h.empty_layer else "")
        for h in d.history
    ]


def _delta(n: int | None) -> str:
    if n is None:
        return ""
    if n == 0:
        return "(same)"
    return f"({'+' if n > 0 else '-'}{format_size(abs(n))})"


def size_lines(d: ImageDiff) -> list[str]:
    """Each size on both sides, and the change."""
    lines = []
    for s in d.sizes:
        if s.name == "fileCount":
            a, b = str(s.a), str(s.b)
            delta = "(same)" if s.delta == 0 else f"({s.delta:+d})"
        else:
            a, b, delta = format_size(s.a), format_size(s.b), _delta(s.delta)
        lines.append(f"{s.name:<13} {a:>10} → {b:<10} {delta}")
    return lines


def _kind(f: FileChange) -> str:
    e = f.b if f.b is not None else f.a
    assert e is not None
    return e.type.value


def file_detail(f: FileChange) -> str:
    """What changed at a path, attribute by attribute (``mode -rw-r--r-- → -rwxr-xr-x``)."""
    a, b = f.a, f.b
    if a is None or b is None:
        e = b if b is not None else a
        assert e is not None
        text = f"{e.mode_string} {e.uid}/{e.gid} {e.size}"
        if e.link is not None:
            text += f" → {display_path(e.link)}"
        return text
    parts = []
    for attribute in f.attributes:
        if attribute == "type":
            parts.append(f"type {a.type.value} → {b.type.value}")
        elif attribute == "size":
            parts.append(f"size {a.size} → {b.size}")
        elif attribute == "mode":
            parts.append(f"mode {a.mode_string} → {b.mode_string}")
        elif attribute == "owner":
            parts.append(f"owner {a.uid}/{a.gid} → {b.uid}/{b.gid}")
        elif attribute == "link":
            before = "(none)" if a.link is None else display_path(a.link)
            after = "(none)" if b.link is None else display_path(b.link)
            parts.append(f"link {before} → {after}")
        elif attribute == "content":
            parts.append(f"content {(f.sha256_a or '?')[:12]} → {(f.sha256_b or '?')[:12]}")
    return ", ".join(parts)


def file_change_line(f: FileChange) -> str:
    """``~ etc/passwd  layer 1 → 3  content 1a2b… → 3c4d…``."""
    where = f"layer {_layer(f.layer_a)} → {_layer(f.layer_b)}"
    return f"{MARKS[f.change]} {display_path(f.path)}  [{_kind(f)}] {where}  {file_detail(f)}"


def section_lines(d: ImageDiff, section: str) -> list[str]:
    """The lines of one of :data:`SECTIONS`."""
    if section == "manifest":
        return manifest_lines(d)
    if section == "config":
        return config_lines(d)
    if section == "history":
        return history_lines(d)
    if section == "sizes":
        return size_lines(d)
    if section == "files":
        lines = [file_change_line(f) for f in d.files]
        if d.unhashed:
            lines.append(
                f"? {len(d.unhashed)} files of the same size could not be compared by "
                "content (no hash recorded)"
            )
        return lines
    raise ValueError(f"no section {section!r}")


def render_diff(d: ImageDiff) -> list[str]:
    """The whole diff as text lines: a header, then every section (``none`` when empty)."""
    lines = [
        f"--- A {d.a.display}  {_short(d.a.digest)}",
        f"+++ B {d.b.display}  {_short(d.b.digest)}",
    ]
    for section in SECTIONS:
        body = section_lines(d, section)
        count = {
            "manifest": len(d.media_types) + sum(c.change != "shared" for c in d.layers),
            "config": len(d.config),
            "history": len(d.history),
            "sizes": sum(1 for s in d.sizes if s.delta),
            "files": len(d.files),
        }[section]
        lines.append("")
        lines.append(f"== {section} ({count} {'difference' if count == 1 else 'differences'})")
        lines += ["  " + line for line in body] or ["  none"]
    lines.append("")
    lines.append("the images are equal" if d.equal else "the images differ")
    return lines
