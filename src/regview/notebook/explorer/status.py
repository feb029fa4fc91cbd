"""The status line: where we are, as whom, requests and cache hits, the pull budget.

For a local OCI layout it says so instead of counting requests (they are file reads).
"""

from __future__ import annotations

from typing import Any

from regview.notebook.explorer.text import safe
from regview.registry import Source

__all__ = ["status_of"]


def _budget(source: Source) -> str:
    rate = source.stats.rate_limit
    if rate is None or (rate.limit is None and rate.remaining is None):
        return ""
    remaining = "?" if rate.remaining is None else f"{rate.remaining:,}"
    limit = "?" if rate.limit is None else f"{rate.limit:,}"
    text = f"pulls left {remaining}/{limit}"
    window = rate.window_seconds
    if window:
        text += f" per {window // 3600 or 1}h" if window >= 3600 else f" per {window}s"
    return text


def status_of(source: Source | None, tasks: int, label: str = "") -> dict[str, Any]:
    """What the status line shows, as JSON (no secret: counts, names, the budget);
    ``label`` names the source (default: its name)."""
    if source is None:
        return {"tasks": tasks}
    stats = source.stats
    out: dict[str, Any] = {
        "source": safe(label or source.name, 200),
        "identity": safe(source.identity, 100),
        "local": stats.local,
        "tasks": tasks,
    }
    if not stats.local:
        out["requests"] = stats.requests
        out["cached"] = stats.cache_hits
        out["in_flight"] = stats.in_flight
        budget = _budget(source)
        if budget:
            out["budget"] = budget
            out["low"] = stats.rate_limit is not None and (
                stats.rate_limit.remaining is not None and stats.rate_limit.remaining < 10
            )
        if stats.login_refused:
            out["refused"] = True
    return out
