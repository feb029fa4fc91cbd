"""Bytes for standard output, safe for the terminal they may land on (``cat``, ``blob``).

To a pipe or file the bytes go out raw. On a terminal, text is made safe (control
characters and escape sequences shown as visible text) and binary data is refused
unless ``--force``: it would garble the terminal, or worse, escape sequences act on it.
"""

from __future__ import annotations

import sys

from regview.cli.common import UsageError

__all__ = ["TerminalOutput"]


class TerminalOutput:
    """Raw bytes to a pipe; on a terminal, text made safe, and binary refused unless
    ``--force`` (it would garble the terminal, or worse: escape sequences act on it)."""

    _SNIFF = 8192

    def __init__(self, *, force: bool) -> None:
        import codecs

        self.tty = sys.stdout.isatty()
        self.raw = not self.tty or force
        self.head = bytearray()
        self.decided = self.raw
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def write(self, data: bytes) -> None:
        if self.raw:
            sys.stdout.buffer.write(data)
            return
        if not self.decided:
            self.head += data
            if len(self.head) < self._SNIFF:
                return
            data = self._decide()
        self._text(data)

    def _decide(self) -> bytes:
        head = bytes(self.head)
        self.decided = True
        probe = head[: self._SNIFF]
        try:
            probe.decode("utf-8")
            binary = b"\0" in probe
        except UnicodeDecodeError as exc:
            binary = exc.start < len(probe) - 3  # not just a character cut at the end
        if binary:
            raise UsageError(
                "refusing to write binary data to a terminal (redirect it, or use --force)"
            )
        return head

    def _text(self, data: bytes, *, final: bool = False) -> None:
        from regview.textsafe import visible

        sys.stdout.write(visible(self.decoder.decode(data, final), keep_newlines=True))

    def close(self) -> None:
        if self.raw:
            sys.stdout.buffer.flush()
            return
        if not self.decided:
            self._text(self._decide())
        self._text(b"", final=True)
        sys.stdout.flush()
