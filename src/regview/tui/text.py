"""Turn untrusted strings into literal :class:`rich.text.Text`.

Everything a registry sends (names, tags, labels, annotations, history) goes through
:func:`literal` before it reaches the screen: it is never parsed as markup, control
characters (C0, DEL, C1), bidi overrides, zero-width and other format characters are
shown as visible escapes, very long strings are clipped, and every secret the client
holds (a password or token a registry echoed back) is hidden.
"""

from __future__ import annotations

import unicodedata

import humanize
from rich.text import Text

from regview.registry import redactor

__all__ = ["ESCAPE_STYLE", "clip", "error_text", "human_size", "literal", "visible"]

#: Style of the visible stand-ins for invisible or dangerous characters.
ESCAPE_STYLE = "bold red"
DEFAULT_LIMIT = 400
_ELLIPSIS = "…"
# Categories that are never shown raw: controls, format (bidi, zero-width), separators,
# surrogates (from surrogateescape decoding) and private use.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})


def _escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ .. ␟ control pictures
    if code == 0x7F:
        return "\u2421"  # ␡
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _is_unsafe(ch: str) -> bool:
    return unicodedata.category(ch) in _UNSAFE_CATEGORIES


def clip(value: str, limit: int = DEFAULT_LIMIT) -> str:
    """``value`` cut to ``limit`` characters, with an ellipsis when cut."""
    if limit <= 0:
        return ""
    return value if len(value) <= limit else value[: limit - 1] + _ELLIPSIS


def visible(value: str, limit: int = DEFAULT_LIMIT) -> str:
    """A plain string with every unsafe character replaced by a visible escape."""
    return literal(value, limit=limit).plain


def literal(value: object, *, limit: int = DEFAULT_LIMIT, style: str = "") -> Text:
    """``value`` as literal text: no markup, no invisible or dangerous characters, no
    secret the client holds.

    ``limit`` caps the number of source characters shown (``0`` or less: no cap).
    """
    text_value = redactor.redact(value if isinstance(value, str) else str(value))
    clipped = limit > 0 and len(text_value) > limit
    if clipped:
        text_value = text_value[: max(limit - 1, 0)]
    if text_value.isprintable() or not any(_is_unsafe(ch) for ch in text_value):
        result = Text(text_value, style=style, end="")
    else:
        result = Text(style=style, end="")
        run: list[str] = []
        for ch in text_value:
            if _is_unsafe(ch):
                if run:
                    result.append("".join(run))
                    run.clear()
                result.append(_escape(ch), style=ESCAPE_STYLE)
            else:
                run.append(ch)
        if run:
            result.append("".join(run))
    if clipped:
        result.append(_ELLIPSIS, style="dim")
    return result


def error_text(message: str, *, limit: int = 300) -> Text:
    """An inline error marker: a warning sign and the (literal) message."""
    result = Text("⚠ ", style="bold red", end="")
    result.append_text(literal(message, limit=limit, style="red"))
    return result


def human_size(n: int | None) -> str:
    """``124 B``, ``4.1 kB``, ``12.3 MB`` (decimal units, as everywhere in the explorer);
    ``?`` when unknown."""
    if n is None:
        return "?"
    if n < 1000:
        return f"{n} B"
    return humanize.naturalsize(n, format="%.1f")
