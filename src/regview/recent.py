"""Registries and references opened lately, for the start picker (no Textual here).

The list lives in :meth:`Settings.state_root() <regview.registry.settings.Settings.state_root>`;
with no state root (``--no-cache``) nothing is read or written.
"""

from __future__ import annotations

import json
from pathlib import Path

from regview.atomic import write_atomic

__all__ = ["load_recent", "remember"]

MAX_RECENT = 12


def _path(state_root: Path) -> Path:
    return state_root / "recent.json"


def load_recent(state_root: Path | None) -> list[str]:
    """Most recent first; a missing, unreadable or malformed file is an empty list."""
    if state_root is None:
        return []
    try:
        data = json.loads(_path(state_root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(data, list):
        return []
    return [x for x in data if isinstance(x, str) and 0 < len(x) <= 1024][:MAX_RECENT]


def remember(state_root: Path | None, target: str) -> None:
    """Put ``target`` first in the recent list. Failing to write is not an error."""
    if state_root is None:
        return
    entries = [target, *(t for t in load_recent(state_root) if t != target)][:MAX_RECENT]
    write_atomic(_path(state_root), json.dumps(entries).encode())
