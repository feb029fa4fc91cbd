"""The lines around the files view: the summary over it (what was read, how big), and
the two lines under it on the path under the cursor (type, size, who wrote it in the
merged view, mode and owner, time)."""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text

from regview.registry.layers import (
    Deletion,
    EntryType,
    LayerToc,
    MergedFilesystem,
    display_path,
    format_time,
)
from regview.tui.text import human_size, literal, visible
from regview.tui.widgets.file_tree import FsNode

__all__ = ["attribution", "info_text", "layer_summary", "merged_summary"]

_HOW = {"whiteout": "a whiteout", "opaque": "an opaque directory", "replaced": "a replacing entry"}


def info_text(
    node: FsNode | None, merged: MergedFilesystem | None, deletions: Mapping[str, Deletion]
) -> Text:
    """Two lines on ``node``: its path, then its facts (``merged``: who wrote it)."""
    if node is None:
        return Text("")
    out = literal("/" + display_path(node.path), limit=500, style="bold")
    entry = node.entry
    if entry is not None and entry.link is not None:
        out.append(" → " if entry.type is EntryType.SYMLINK else " link to ", style="dim")
        out.append_text(literal(display_path(entry.link), limit=300, style="cyan"))
    out.append("\n")
    facts: list[Text] = []
    if node.is_dir:
        files = "1 file" if node.file_count == 1 else f"{node.file_count:,} files"
        facts.append(Text(f"directory · {files}, {human_size(node.total_size)} below"))
    elif entry is not None:
        facts.append(Text(f"{entry.type.value} · {entry.size} bytes"))
    if merged is not None:
        facts.append(attribution(node, merged, deletions))
    if entry is not None:
        owner = f"{entry.uid}/{entry.gid}"
        if entry.uname or entry.gname:
            owner += f" ({visible(entry.uname, 32)}/{visible(entry.gname, 32)})"
        facts.append(Text(f"{entry.mode_string} {owner}"))
        facts.append(Text(format_time(entry.mtime)))
    line = Text(" · ", style="dim").join(f for f in facts if f.plain)
    out.append_text(line)
    return out


def attribution(
    node: FsNode, merged: MergedFilesystem, deletions: Mapping[str, Deletion]
) -> Text:
    """Which layer last wrote ``node`` and how, or which deleted it."""
    if node.status == "deleted":
        d = deletions.get(node.path)
        text = Text("deleted", style="red")
        if d is not None:
            text.append(f" by layer {d.layer + 1} ({_HOW[d.kind]}); it came from layer "
                        f"{d.from_layer + 1}")
            if d.files:
                text.append(f"; {d.files:,} files, {human_size(d.size)}")
        return text
    m = merged.find(node.path)
    if m is None:
        return Text("implied directory", style="dim")
    text = Text(f"layer {m.layer + 1} ", style="cyan")
    text.append(m.status, style={"added": "green", "changed": "yellow"}.get(m.status, "magenta"))
    if m.first_layer != m.layer:
        text.append(f"; first added by layer {m.first_layer + 1}")
    return text


def layer_summary(toc: LayerToc, index: int, count: int | None) -> Text:
    """``layer 2 of 3 · 7 files · 60.1 kB uncompressed, 1.2 kB compressed (gzip)``."""
    summary = Text(f"layer {index + 1}", style="bold", end="")
    if count:
        summary.append(f" of {count}")
    summary.append(f" · {toc.file_count:,} files · ")
    if toc.uncompressed_size is not None:
        summary.append(human_size(toc.uncompressed_size), style="bold green")
        summary.append(" uncompressed, ")
    summary.append(human_size(toc.compressed_size), style="green")
    summary.append(f" compressed ({toc.compression})")
    return summary


def merged_summary(merged: MergedFilesystem, deleted: int, only_layer: int | None) -> Text:
    """``3 layers · 12 files · 60 kB · 3 deleted · 50 kB hidden by upper layers``, and
    which layer alone the tree shows if one was chosen."""
    files = sum(1 for m in merged.entries.values() if m.entry.is_file)
    summary = Text(end="")
    if only_layer is not None:  # first: at 80 columns the end of the line is cut
        summary.append(f"only what layer {only_layer + 1} wrote", style="bold cyan")
        summary.append(" · Esc: every layer · ", style="dim")
    layers = len(merged.layer_tocs)
    summary.append(f"{layers} layer{'' if layers == 1 else 's'}", style="bold")
    summary.append(f" · {files:,} file{'' if files == 1 else 's'} · ")
    summary.append(human_size(merged.total_size), style="bold green")
    if deleted:
        summary.append(f" · {deleted:,} deleted", style="red")
    if merged.wasted_bytes:
        summary.append(" · ")
        summary.append(human_size(merged.wasted_bytes), style="yellow")
        summary.append(" hidden by upper layers")
    return summary
