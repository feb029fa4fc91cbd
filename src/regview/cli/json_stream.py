"""A JSON listing written as it is read: ``{"registry": …, "repositories": [ … ]}``.

What it writes is byte for byte what ``json.dumps(obj, indent=2, ensure_ascii=True)``
writes for the whole object, without ever holding the object or its text: a million
names go out one at a time. The head is written with the first entries, so a listing
that fails before any arrive prints nothing; one that fails after some is closed with
an ``"incomplete"`` field holding the error, and stays valid JSON.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from typing import TextIO

__all__ = ["JsonListing"]

_FLUSH_AT = 64 * 1024


class JsonListing:
    """``head``'s fields, then ``key``: the entries given to :meth:`add`, then ``close``."""

    def __init__(self, head: Mapping[str, str], key: str, out: TextIO | None = None) -> None:
        self.head = dict(head)
        self.key = key
        self.out = out if out is not None else sys.stdout
        self.count = 0
        self._started = False
        self._buffer: list[str] = []
        self._size = 0

    def add(self, entries: Iterable[str]) -> None:
        """Write ``entries`` (the head first, if it is not written yet)."""
        self._start()
        for entry in entries:
            text = ("\n    " if self.count == 0 else ",\n    ") + json.dumps(entry)
            self.count += 1
            self._buffer.append(text)
            self._size += len(text)
            if self._size >= _FLUSH_AT:
                self._flush()

    def close(self, tail: Mapping[str, str] | None = None) -> None:
        """End the list, add ``tail``'s fields (``{"incomplete": message}``) and flush."""
        self._start()
        self._write("\n  ]" if self.count else "]")
        for name, value in (tail or {}).items():
            self._write(f",\n  {json.dumps(name)}: {json.dumps(value)}")
        self._write("\n}\n")
        self._flush()
        self.out.flush()

    def _start(self) -> None:
        if self._started:
            return
        self._started = True
        self._write("{\n")
        for name, value in self.head.items():
            self._write(f"  {json.dumps(name)}: {json.dumps(value)},\n")
        self._write(f"  {json.dumps(self.key)}: [")

    def _write(self, text: str) -> None:
        self._buffer.append(text)
        self._size += len(text)

    def _flush(self) -> None:
        from regview.cli.common import redact

        # Whole entries only: a secret a registry echoes in one is found and hidden.
        self.out.write(redact("".join(self._buffer)))
        self._buffer.clear()
        self._size = 0
