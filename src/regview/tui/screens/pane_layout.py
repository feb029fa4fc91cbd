"""Which of the explorer's four panes show at a terminal width, and how wide each is.

On a wide terminal the panes stand side by side; on a narrower one a window of three or
two of them slides along as focus moves. Pure functions: the main screen applies them.
"""

from __future__ import annotations

from textual.widget import Widget

from regview.tui.widgets.pane import Pane

__all__ = ["MEDIUM", "PANE_WEIGHTS", "WIDE", "pane_of", "pane_window"]

#: The share of the width each pane takes (Repositories, Tags, Manifest, Details).
PANE_WEIGHTS = (1.0, 1.4, 1.6, 1.8)
WIDE = 160  # all four panes from this width
MEDIUM = 100  # three panes from this width, else two


def pane_window(width: int, level: int) -> range:
    """Which panes are shown at ``width`` columns when pane ``level`` has focus."""
    n = 4 if width >= WIDE else 3 if width >= MEDIUM else 2
    start = min(max(level - (n - 2), 0), 4 - n)
    return range(start, start + n)


def pane_of(widget: Widget | None) -> Pane | None:
    """The pane ``widget`` stands in (itself, if it is one); None: in no pane."""
    node = widget
    while node is not None and not isinstance(node, Pane):
        parent = node.parent
        node = parent if isinstance(parent, Widget) else None
    return node
