"""Rows of a hex dump: ``offset  16 bytes in hex  the same as text``.

Every byte that is not printable ASCII is a ``.`` in the text column, so nothing of the
content reaches the terminal as a control character.
"""

from __future__ import annotations

__all__ = ["ROW_BYTES", "hex_row", "offset_width", "parse_hex_query", "row_count"]

ROW_BYTES = 16


def row_count(size: int) -> int:
    """Rows a dump of ``size`` bytes has."""
    return (size + ROW_BYTES - 1) // ROW_BYTES


def offset_width(size: int) -> int:
    """Hex digits of the offset column (at least 8)."""
    return max(8, len(f"{max(size - 1, 0):x}"))


def hex_row(offset: int, data: bytes, width: int = 8) -> tuple[str, str, str]:
    """(offset, hex, text) of the row of ``data`` (at most 16 bytes) at ``offset``.

    The hex column is always the width of 16 bytes, with a gap after the eighth.
    """
    data = data[:ROW_BYTES]
    pairs = [f"{b:02x}" for b in data] + ["  "] * (ROW_BYTES - len(data))
    hex_part = " ".join(pairs[:8]) + "  " + " ".join(pairs[8:])
    text = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in data)
    return f"{offset:0{width}x}", hex_part, text


def parse_hex_query(query: str) -> bytes | None:
    """The bytes of ``7f 45 4c 46`` or ``7f454c46`` (pairs of hex digits), else None."""
    digits = "".join(query.split())
    if not digits or len(digits) % 2 or any(c not in "0123456789abcdefABCDEF" for c in digits):
        return None
    return bytes.fromhex(digits)
