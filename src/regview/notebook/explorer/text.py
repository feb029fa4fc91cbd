"""Registry strings as the widget shows them, and the small formats of its columns.

Every string that came from a registry (names, tags, labels, annotations, history, error
messages) goes through :func:`safe` before it leaves the kernel: control, bidi and
zero-width characters become visible escapes (``\\x1b``, ``\\u202e``), lone surrogates
too (they would not even encode as UTF-8), and long values are clipped. The front end
then sets it with ``textContent``, so nothing in it is ever markup.
"""

from __future__ import annotations

import re
from datetime import datetime

import humanize

from regview.notebook.secrets import hide_message
from regview.registry import RegistryError
from regview.textsafe import visible

__all__ = [
    "error_text",
    "failure_message",
    "human_size",
    "parse_time",
    "safe",
    "short",
    "size_text",
    "when",
    "when_date",
]

#: The longest registry value shown in one piece (the raw JSON view shows everything).
LIMIT = 500


def safe(text: str | None, limit: int = LIMIT, *, keep_newlines: bool = False) -> str:
    """``text`` with every dangerous character escaped, clipped to ``limit`` (0: no limit)."""
    if not text:
        return ""
    return visible(text, limit=limit or None, keep_newlines=keep_newlines)


def short(digest: str | None) -> str:
    """The first 12 hex digits of a digest."""
    return safe(digest.partition(":")[2][:12], 12) if digest else ""


def human_size(n: int | None) -> str:
    """``512 B``, ``4.1 kB``, ``12.3 MB`` (decimal units, as the TUI shows them)."""
    if n is None:
        return "?"
    if n < 1000:
        return f"{n} B"
    return humanize.naturalsize(n, format="%.1f")


def size_text(n: int | None) -> str:
    """``12.3 MB (12,345,678 bytes)`` for the details pane."""
    if n is None:
        return "?"
    if n < 1000:
        return f"{n} bytes"
    return f"{humanize.naturalsize(n, format='%.1f')} ({n:,} bytes)"


_FRACTION = re.compile(r"\.(\d+)")


def parse_time(value: str | None) -> datetime | None:
    """An RFC 3339 timestamp (nanoseconds allowed, as Go writes them); None if invalid."""
    if not value:
        return None
    text = value.strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    text = _FRACTION.sub(lambda m: "." + m.group(1)[:6].ljust(6, "0"), text, count=1)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def when(value: str | None) -> str:
    """A config timestamp as ``2024-05-01 12:00:00 UTC`` (the text itself if unparsable)."""
    if not value:
        return ""
    parsed = parse_time(value)
    if parsed is None:
        return safe(value, 80)
    return parsed.strftime("%Y-%m-%d %H:%M:%S %Z").strip()


def when_date(value: str | None) -> str:
    """Only the date of a timestamp."""
    parsed = parse_time(value)
    return parsed.strftime("%Y-%m-%d") if parsed is not None else ""


def error_text(message: str) -> str:
    """An error message as one safe line, with any credential a registry echoed in it
    (``Authorization`` values, tokens, passwords) replaced by ``<hidden>``."""
    return safe(" ".join(hide_message(message).split()), 300)


def failure_message(error: BaseException) -> str:
    """The one line a failure shows: a registry error's message, or ``internal error: ...``."""
    if isinstance(error, RegistryError):
        return error_text(str(error) or type(error).__name__)
    return error_text(f"internal error: {type(error).__name__}: {error}")
