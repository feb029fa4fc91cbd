"""What the files view says in words: the breadcrumb, the loading title, why a layer
could not be read, the summary line, dive's efficiency figures, the hint under the
layer table and the count of paths a filter matched. Pure functions; the screen puts
them on screen.
"""

from __future__ import annotations

from rich.text import Text

from regview.registry import Efficiency, short_digest
from regview.registry.layers import LayerToc, MergedFilesystem
from regview.tui.node_targets import LayerTarget
from regview.tui.text import error_text, human_size, literal
from regview.tui.widgets.file_info import layer_summary, merged_summary

__all__ = [
    "breadcrumb_parts",
    "failure_text",
    "layer_hint",
    "loading_title",
    "match_title",
    "summary_text",
    "target_label",
    "wasted_text",
]


def target_label(t: LayerTarget) -> str:
    """``layer 2 (0123456789ab)``, or ``the layers of this image``."""
    if t.layer is not None:
        return f"layer {(t.layer_index or 0) + 1} ({short_digest(t.layer.digest)})"
    return "the layers of this image"


def breadcrumb_parts(t: LayerTarget) -> list[str]:
    """The repository, the tag and platform it was opened from, and which files."""
    parts = [t.repository, *t.context]
    if t.layer is not None:
        parts.append(f"layer {(t.layer_index or 0) + 1} files")
    else:
        parts.append("merged filesystem")
    return parts


def loading_title(t: LayerTarget) -> Text:
    """``Reading layer 2 (…) of repo`` (the repository literal, never markup)."""
    title = Text(f"Reading {target_label(t)} of ", style="bold")
    title.append_text(literal(t.repository, limit=60, style="bold"))
    return title


def failure_text(t: LayerTarget, error: str) -> Text:
    """What the view shows in place of the files when reading them failed."""
    message = Text(f"Could not read {target_label(t)}\n\n", style="bold")
    message.append_text(error_text(error))
    message.append("\n\nEsc goes back", style="dim")
    return message


def summary_text(
    t: LayerTarget,
    toc: LayerToc | None,
    merged: MergedFilesystem | None,
    deleted: int,
    only_layer: int | None,
    how: str,
) -> Text:
    """The line over the files: the layer's figures (or the merged filesystem's, with
    ``deleted`` paths and the one layer shown), then ``how`` the list is ordered."""
    if toc is not None:
        summary = layer_summary(toc, t.layer_index or 0, t.layer_count)
    elif merged is not None:
        summary = merged_summary(merged, deleted, only_layer)
    else:
        summary = Text(end="")
    summary.append(f" · {how}", style="dim")
    return summary


def wasted_text(result: Efficiency) -> Text:
    """dive's figures over the inefficient files table, and the keys that leave it."""
    text = Text(f"efficiency {result.score * 100:.2f} %", style="bold")
    text.append(
        f" · wasted {human_size(result.wasted_bytes)} in "
        f"{len(result.inefficient):,} files · user wasted "
        f"{result.user_wasted_ratio * 100:.2f} %"
    )
    text.append("\nw or Esc: the tree · copies: layer:size, * the copy kept", style="dim")
    return text


def layer_hint(n: int, count: int) -> Text:
    """Under the layer table, on layer ``n`` (1-based) of ``count``."""
    text = Text(f"layer {n} of {count}", style="bold")
    text.append(f"\nEnter: the tree of only what layer {n} wrote · c or Esc: the tree", style="dim")
    return text


def match_title(matched: int, total: int, query: str, done: bool) -> str:
    """The column header over the matches of ``/`` (``…`` while the filter still runs)."""
    if not query:
        return f"{total:,} paths"
    more = "" if done else "…"
    return f"{matched:,}{more} of {total:,} paths match"
