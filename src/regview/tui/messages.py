"""Messages that go up to the screen or the app (attributes go down, messages go up).

Widgets and screens are handed what they need (the source, the layer indexer, the
opener) when they are made; when they want something only an owner can do (copy to the
clipboard, switch to another source, remember a target that worked) they post one of
these, and it bubbles up to whoever handles it.
"""

from __future__ import annotations

from textual.message import Message

from regview.registry import Source
from regview.targets import Opened

__all__ = ["CopyRequest", "SourceAnswered", "SourceOpened"]


class CopyRequest(Message):
    """Copy ``text`` to the clipboard; ``what`` names it for the notification
    (``pinned reference``, ``tag reference``, ``layer``, ``path``)."""

    def __init__(self, text: str, what: str) -> None:
        super().__init__()
        self.text = text
        self.what = what


class SourceOpened(Message):
    """``text`` (typed in the picker or the palette) opened: browse ``opened`` now."""

    def __init__(self, text: str, opened: Opened) -> None:
        super().__init__()
        self.text = text
        self.opened = opened


class SourceAnswered(Message):
    """``source`` answered a request with content: a catalog page (no repository), a
    tag list (``repository``) or a manifest (``repository`` and ``reference``). The
    app takes the target it opened as opened once what the target names answered."""

    def __init__(
        self, source: Source, repository: str | None = None, reference: str | None = None
    ) -> None:
        super().__init__()
        self.source = source
        self.repository = repository
        self.reference = reference
