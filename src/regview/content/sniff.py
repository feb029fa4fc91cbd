"""Text or binary, from the first bytes; a syntax lexer, from the file name only.

:func:`looks_binary` reads at most :data:`SNIFF_BYTES`: a NUL byte, a UTF-16/32 byte
order mark, or too many bytes that are not UTF-8 (or are control characters other than
tab, newlines, form feed and escape) make it binary. :func:`lexer_for_name` asks
pygments which lexer the *name* calls for (``app.py``, ``Dockerfile``, ``nginx.conf``);
it never runs a guess over the content, which could take seconds on megabytes.
"""

from __future__ import annotations

import codecs
import functools

__all__ = ["SNIFF_BYTES", "lexer_for_name", "looks_binary"]

#: Bytes looked at to tell text from binary.
SNIFF_BYTES = 8192
#: Share of undecodable or control bytes above which the content is binary.
BINARY_SHARE = 0.10
_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)
_TEXT_CONTROLS = frozenset(b"\t\n\r\f\b\x1b")
_PLAIN_LEXERS = frozenset({"text", "output"})


def looks_binary(head: bytes) -> bool:
    """True when ``head`` (the first bytes of the content) is not UTF-8 text."""
    head = head[:SNIFF_BYTES]
    if not head:
        return False
    if b"\x00" in head or head.startswith(_BOMS[2:]) or head.startswith(_BOMS[:2]):
        return True
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    # final=False: a character cut at the end of the window is not an error.
    text = decoder.decode(head, final=False)
    bad = text.count("\ufffd")
    controls = sum(1 for ch in text if ord(ch) < 0x20 and ord(ch) not in _TEXT_CONTROLS)
    controls += text.count("\x7f")
    return (bad + controls) > BINARY_SHARE * max(len(text), 1)


@functools.lru_cache(maxsize=256)
def lexer_for_name(name: str) -> str | None:
    """The pygments alias of the lexer for a file called ``name`` (its base name), or
    None for plain text and names pygments does not know."""
    from pygments.lexers import get_lexer_for_filename
    from pygments.util import ClassNotFound

    base = name.rsplit("/", 1)[-1][:255]
    if not base or not base.isprintable():
        return None
    try:
        lexer = get_lexer_for_filename(base)
    except ClassNotFound:
        return None
    alias = lexer.aliases[0] if lexer.aliases else None
    return None if alias in _PLAIN_LEXERS else alias
