"""Sentences the explorer shows: a list pane's title as its filter runs, and what a
delete removed. Pure functions of the figures; the main screen puts them on screen.
"""

from __future__ import annotations

from regview.registry import DeletePlan
from regview.tui.text import visible

__all__ = ["deleted_text", "list_title"]


def list_title(prefix: str, total: int, query: str, matched: int, done: bool) -> str:
    """``prefix(total)``, or ``prefix(matched of total)`` under a filter (``…`` after
    the count while the filter still runs)."""
    if query:
        more = "" if done else "…"
        return f"{prefix}({matched:,}{more} of {total:,})"
    return f"{prefix}({total:,})"


def deleted_text(plan: DeletePlan) -> str:
    """What ``plan`` removed: its manifest, its tags, the referrers deleted first."""
    gone = len(plan.tags)
    first = len(plan.deletes) - 1
    return (
        f"Deleted {visible(plan.by_digest, 200)}"
        + (f" and {gone:,} tag{'s' if gone != 1 else ''}" if gone else "")
        + (f", after {first:,} referrer manifest{'s' if first != 1 else ''}" if first else "")
    )
