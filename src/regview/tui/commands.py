"""Command palette (Ctrl+P): jump to a repository, a tag, or any reference typed in."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from regview.tui.text import literal

if TYPE_CHECKING:
    from regview.tui.app import RegviewApp

__all__ = ["ExplorerCommands", "find_matches", "parse_reference"]

MAX_HITS = 20


def parse_reference(text: str) -> tuple[str, str | None] | None:
    """``repo``, ``repo:tag`` or ``repo@digest`` typed by a person -> (repo, ref)."""
    value = text.strip()
    if not value or any(c.isspace() for c in value):
        return None
    if "@" in value:
        repo, _, digest = value.partition("@")
        return (repo, digest) if repo and digest else None
    slash = value.rfind("/")
    colon = value.rfind(":")
    if colon > slash:
        repo, tag = value[:colon], value[colon + 1 :]
        return (repo, tag) if repo and tag else None
    return (value, None)


def find_matches(items: list[str], query: str, limit: int = MAX_HITS) -> list[str]:
    """Up to ``limit`` items containing ``query`` (case-insensitive), stopping early."""
    q = query.lower()
    out: list[str] = []
    for item in items:
        if q in item.lower():
            out.append(item)
            if len(out) >= limit:
                break
    return out


def _highlight(value: str, query: str) -> Text:
    text = literal(value, limit=120)
    start = value.lower().find(query.lower())
    if query and start >= 0 and value.isprintable():
        text.stylize("bold underline", start, start + len(query))
    return text


class ExplorerCommands(Provider):
    """Repositories and tags of what is loaded, and references typed in."""

    @property
    def explorer(self) -> RegviewApp:
        from regview.tui.app import RegviewApp

        assert isinstance(self.app, RegviewApp)
        return self.app

    def _jump(self, repository: str, reference: str | None) -> Callable[[], None]:
        return partial(self.explorer.open_reference, repository, reference)

    async def discover(self) -> Hits:
        app = self.explorer
        for repo in list(app.repository_names())[:MAX_HITS]:
            yield DiscoveryHit(Text("repository ") + literal(repo, limit=100),
                               self._jump(repo, None), text=f"repository {repo}")

    async def search(self, query: str) -> Hits:
        app = self.explorer
        parsed = parse_reference(query)
        if parsed is not None and parsed[1] is not None:
            repo, ref = parsed
            label = Text("open ") + literal(query.strip(), limit=120)
            yield Hit(1.0, label, self._jump(repo, ref), text=f"open {query.strip()}",
                      help="Open this reference in the manifest pane")
        current = app.current_repository()
        if current is not None:
            for tag in find_matches(list(app.tag_names()), query):
                label = Text("tag ") + _highlight(tag, query)
                yield Hit(0.9 if tag.lower().startswith(query.lower()) else 0.7, label,
                          self._jump(current, tag), text=f"tag {tag}")
        for repo in find_matches(app.repository_names(), query):
            label = Text("repository ") + _highlight(repo, query)
            yield Hit(0.8 if repo.lower().startswith(query.lower()) else 0.6, label,
                      self._jump(repo, None), text=f"repository {repo}")
        if parsed is not None and parsed[1] is None and parsed[0] not in app.repository_names():
            yield Hit(0.3, Text("open repository ") + literal(parsed[0], limit=120),
                      self._jump(parsed[0], None), text=f"open repository {parsed[0]}")
