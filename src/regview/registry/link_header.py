"""``Link`` headers (RFC 8288): where the next page of a paginated listing is.

A registry paginates ``_catalog`` and ``tags/list`` with ``Link: <URL>; rel="next"``.
The header comes from an untrusted server, so it is read with a linear scan and bounded
input, never with a regular expression that can backtrack.
"""

from __future__ import annotations

__all__ = ["next_link"]

#: Link header values looked at, and characters of each.
_MAX_VALUES = 16
_MAX_VALUE_LENGTH = 8192


def next_link(values: list[str]) -> str | None:
    """The ``rel="next"`` target of ``Link`` headers, or None.

    A linear scan: a regular expression with nested optional groups backtracks for
    seconds on a hostile header like ``<<<<...`` and would freeze the caller's loop.
    """
    for value in values[:_MAX_VALUES]:
        text = value[:_MAX_VALUE_LENGTH]
        pos = 0
        while True:
            start = text.find("<", pos)
            if start < 0:
                break
            end = text.find(">", start + 1)
            if end < 0:
                break
            following = text.find("<", end + 1)
            params = text[end + 1 : following if following >= 0 else len(text)]
            if _is_next(params):
                return text[start + 1 : end].strip()
            if following < 0:
                break
            pos = following
    return None


def _is_next(params: str) -> bool:
    """Whether a link's parameters (``; rel="next"; ...``) include the ``next`` relation."""
    for param in params.split(";"):
        name, eq, value = param.partition("=")
        if eq and name.strip().lower() == "rel":
            rels = value.strip().rstrip(",").strip().strip('"').lower().split()
            if "next" in rels:
                return True
    return False
