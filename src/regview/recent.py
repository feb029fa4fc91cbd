"""Registries and references opened lately, for the start picker (no Textual here)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from regview.atomic import write_atomic

__all__ = ["load_recent", "remember", "state_dir"]

MAX_RECENT = 12


def state_dir() -> Path:
    """``$REGVIEW_STATE_DIR`` if set, else the platform's user state directory."""
    override = os.environ.get("REGVIEW_STATE_DIR")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_state_dir

    return Path(user_state_dir("regview", appauthor=False))


def _path() -> Path:
    return state_dir() / "recent.json"


def load_recent() -> list[str]:
    """Most recent first; an unreadable or malformed file is an empty list."""
    try:
        data = json.loads(_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(data, list):
        return []
    return [x for x in data if isinstance(x, str) and 0 < len(x) <= 1024][:MAX_RECENT]


def remember(target: str) -> None:
    """Put ``target`` first in the recent list. Failing to write is not an error."""
    entries = [target, *(t for t in load_recent() if t != target)][:MAX_RECENT]
    write_atomic(_path(), json.dumps(entries).encode())
