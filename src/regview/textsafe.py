"""Make untrusted text safe to print to a terminal.

Registry content (names, tags, labels, annotations, error messages) may hold escape
sequences that would clear the screen, set the window title or write the clipboard.
:func:`visible` replaces every character that could act on a terminal with a visible
escape, so the user sees exactly what the registry sent and the terminal does nothing.
"""

from __future__ import annotations

import unicodedata

__all__ = ["is_dangerous", "visible"]

# Bidirectional overrides/isolates and zero-width characters: invisible, but they change
# how the rest of the line reads.
_INVISIBLE = frozenset(
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff\u00ad"
)


def is_dangerous(ch: str) -> bool:
    """True for C0/C1 controls, DEL, bidi controls, zero-width and unassigned/private use."""
    if ch in _INVISIBLE:
        return True
    category = unicodedata.category(ch)
    return category in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")


def visible(text: str, *, limit: int | None = None, keep_newlines: bool = False) -> str:
    """``text`` with dangerous characters written as ``\\xNN``/``\\uNNNN`` escapes.

    ``limit`` clips the result (adding ``…``); ``keep_newlines`` lets ``\\n`` through for
    multi-line values.
    """
    if limit is not None and len(text) > limit * 2:
        text = text[: limit * 2]
    out: list[str] = []
    for ch in text:
        if keep_newlines and ch == "\n":
            out.append(ch)
        elif is_dangerous(ch):
            code = ord(ch)
            if code < 0x100:
                out.append(f"\\x{code:02x}")
            elif code < 0x10000:
                out.append(f"\\u{code:04x}")
            else:
                out.append(f"\\U{code:08x}")
        else:
            out.append(ch)
    result = "".join(out)
    if limit is not None and len(result) > limit:
        result = result[: max(limit - 1, 0)] + "…"
    return result
