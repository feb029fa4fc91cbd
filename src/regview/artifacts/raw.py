"""Blobs that are nothing more: JSON pretty-printed, text as it is, or a hex dump;
each bounded (the start of the blob, with how much was left out)."""

from __future__ import annotations

import json
from typing import Any

from regview.artifacts.model import Raw

__all__ = ["MAX_PREVIEW_BYTES", "MAX_PREVIEW_LINES", "hex_dump", "is_text", "preview"]

MAX_PREVIEW_BYTES = 64 * 1024
"""Bytes of text shown of a blob; a hex dump shows a sixteenth of it (4 KiB)."""
MAX_PREVIEW_LINES = 2000
HEX_BYTES = MAX_PREVIEW_BYTES // 16


def is_text(data: bytes) -> bool:
    """UTF-8 without NUL bytes (a character cut by the end of ``data`` is allowed)."""
    if b"\0" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(data) - 3 and exc.reason == "unexpected end of data"
    return True


def hex_dump(data: bytes, offset: int = 0) -> str:
    """``hexdump -C`` lines: offset, sixteen bytes in hex, the printable ASCII."""
    lines = []
    for start in range(0, len(data), 16):
        row = data[start : start + 16]
        hexes = " ".join(f"{b:02x}" for b in row[:8])
        if len(row) > 8:
            hexes += "  " + " ".join(f"{b:02x}" for b in row[8:])
        ascii_ = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in row)
        lines.append(f"{offset + start:08x}  {hexes:<49} |{ascii_}|")
    return "\n".join(lines)


def _bounded_lines(text: str) -> tuple[str, bool]:
    lines = text.split("\n")
    if len(lines) > MAX_PREVIEW_LINES:
        return "\n".join(lines[:MAX_PREVIEW_LINES]), True
    return text, False


def preview(
    data: bytes,
    size: int,
    *,
    parsed: Any = None,
    is_json: bool = False,
    problem: str | None = None,
    note: str | None = None,
) -> Raw:
    """``data`` (the first bytes of a blob of ``size`` bytes) shown as JSON, text or hex."""
    if is_json:
        text = json.dumps(parsed, indent=2, ensure_ascii=False)
        shown, cut = _bounded_lines(text[:MAX_PREVIEW_BYTES])
        if len(text) <= MAX_PREVIEW_BYTES and not cut:
            return Raw("json", shown, size, size, problem, note)
        # Cut: say how much of the blob the shown text stands for, roughly.
        fraction = len(shown) / max(len(text), 1)
        return Raw("json", shown, size, int(size * fraction), problem, note)
    head = data[:MAX_PREVIEW_BYTES]
    if is_text(head[:8192]) and is_text(head):
        text, cut = _bounded_lines(head.decode("utf-8", "replace"))
        shown_bytes = len(text.encode("utf-8", "replace")) if cut else len(head)
        return Raw("text", text, size, min(shown_bytes, size), problem, note)
    head = data[:HEX_BYTES]
    return Raw("binary", hex_dump(head), size, len(head), problem, note)
