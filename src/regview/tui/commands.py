"""Command palette (Ctrl+P): jump to a repository, a tag, or any reference typed in.

The provider belongs to the explorer screen: it reads the names the screen shows
through :class:`JumpTargets` and asks for a jump with a message the screen handles
(:class:`JumpRequest`, or :class:`OpenRequest` for a reference that names another
registry). A reference typed in is checked as the CLI checks it
(:func:`regview.registry.parse_reference`): an invalid one gets the same message and
sends nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Protocol, runtime_checkable

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.message import Message

from regview.registry import InvalidReference, normalize_registry
from regview.registry import parse_reference as parse_image_reference
from regview.tui.text import literal

__all__ = [
    "Elsewhere",
    "ExplorerCommands",
    "Invalid",
    "Jump",
    "JumpRequest",
    "JumpTargets",
    "OpenRequest",
    "find_matches",
    "parse_reference",
    "read_reference",
]

MAX_HITS = 20
DOCKER_HUB = "docker.io"


@runtime_checkable
class JumpTargets(Protocol):
    """What the palette offers, as the screen it was opened on shows it."""

    def source_name(self) -> str:
        """The registry (``host[:port]``, ``docker.io``) or ``oci:PATH`` being browsed."""
        ...

    def repository_names(self) -> Sequence[str]:
        """The repositories listed so far."""
        ...

    def tag_names(self) -> Sequence[str]:
        """The tags of the repository shown."""
        ...

    def current_repository(self) -> str | None:
        """The repository whose tags are shown."""
        ...


class JumpRequest(Message):
    """Show ``repository`` (and the manifest ``reference`` names, if given)."""

    def __init__(self, repository: str, reference: str | None) -> None:
        super().__init__()
        self.repository = repository
        self.reference = reference


class OpenRequest(Message):
    """Open ``text``, a reference to another registry, through the app's opener."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


@dataclass(frozen=True, slots=True)
class Jump:
    """A reference in the registry being browsed."""

    repository: str
    reference: str | None


@dataclass(frozen=True, slots=True)
class Elsewhere:
    """A reference that names another registry."""

    text: str
    registry: str


@dataclass(frozen=True, slots=True)
class Invalid:
    """Not a reference; ``message`` says why (the CLI's words)."""

    message: str


def parse_reference(text: str) -> tuple[str, str | None] | None:
    """``repo``, ``repo:tag`` or ``repo@digest`` typed by a person -> (repo, ref), as
    typed (no normalisation, no checks); None when it cannot be one."""
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


def _named_registry(text: str, registry: str) -> bool:
    """Whether ``text`` names ``registry`` (its parsed registry) before the first '/'."""
    first, slash, _ = text.partition("/")
    if not slash:
        return False
    try:
        return normalize_registry(first) == registry
    except InvalidReference:
        return False


def read_reference(text: str, source_name: str) -> Jump | Elsewhere | Invalid | None:
    """What a reference typed into the palette of a session on ``source_name`` means.

    ``127.0.0.1:5002/seed/tiny:latest`` on 127.0.0.1:5001 is :class:`Elsewhere`; the
    same on 127.0.0.1:5002, or ``seed/tiny:latest``, is a :class:`Jump` to ``seed/tiny``
    there (a name without a registry is a name in the registry browsed; on Docker Hub
    ``alpine`` is ``library/alpine``). None for text that is no reference at all.
    """
    value = text.strip()
    typed = parse_reference(value)
    if typed is None:
        return None
    try:
        ref = parse_image_reference(value, default_tag=None)
    except InvalidReference as exc:
        return Invalid(str(exc))
    reference = ref.digest or ref.tag
    if _named_registry(value, ref.registry):
        if ref.registry != source_name:
            return Elsewhere(value, ref.registry)
        return Jump(ref.repository, reference)
    if source_name == DOCKER_HUB:
        return Jump(ref.repository, reference)
    repository = typed[0].partition("@")[0]
    if ":" in repository.rpartition("/")[2]:
        repository = repository.rpartition(":")[0]
    return Jump(repository, reference)


def find_matches(items: Sequence[str], query: str, limit: int = MAX_HITS) -> list[str]:
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

    def _targets(self) -> JumpTargets | None:
        screen = self.screen
        return screen if isinstance(screen, JumpTargets) else None

    def _send(self, message: Message) -> Callable[[], None]:
        screen = self.screen

        def send() -> None:
            screen.post_message(message)

        return send

    def _jump(self, repository: str, reference: str | None) -> Callable[[], None]:
        return self._send(JumpRequest(repository, reference))

    def _refuse(self, message: str) -> Callable[[], None]:
        return partial(self.app.notify, message, title="invalid reference", severity="error",
                       markup=False)

    async def discover(self) -> Hits:
        targets = self._targets()
        if targets is None:
            return
        for repo in list(targets.repository_names())[:MAX_HITS]:
            yield DiscoveryHit(Text("repository ") + literal(repo, limit=100),
                               self._jump(repo, None), text=f"repository {repo}")

    async def search(self, query: str) -> Hits:
        targets = self._targets()
        if targets is None:
            return
        typed = query.strip()
        meant = read_reference(typed, targets.source_name())
        if isinstance(meant, Invalid) and (":" in typed or "@" in typed):
            yield Hit(1.0, Text("invalid reference ", style="red") + literal(typed, limit=100),
                      self._refuse(meant.message), text=f"invalid {typed}",
                      help=meant.message)
        elif isinstance(meant, Elsewhere):
            label = Text("open ") + literal(typed, limit=100)
            label.append_text(Text(" (another registry)", style="dim"))
            yield Hit(1.0, label, self._send(OpenRequest(typed)), text=f"open {typed}",
                      help=f"Browse {meant.registry} instead")
        elif isinstance(meant, Jump) and meant.reference is not None:
            label = Text("open ") + literal(typed, limit=120)
            yield Hit(1.0, label, self._jump(meant.repository, meant.reference),
                      text=f"open {typed}", help="Open this reference in the manifest pane")
        current = targets.current_repository()
        if current is not None:
            for tag in find_matches(targets.tag_names(), query):
                label = Text("tag ") + _highlight(tag, query)
                yield Hit(0.9 if tag.lower().startswith(query.lower()) else 0.7, label,
                          self._jump(current, tag), text=f"tag {tag}")
        names = targets.repository_names()
        for repo in find_matches(names, query):
            label = Text("repository ") + _highlight(repo, query)
            yield Hit(0.8 if repo.lower().startswith(query.lower()) else 0.6, label,
                      self._jump(repo, None), text=f"repository {repo}")
        if isinstance(meant, Jump) and meant.reference is None and meant.repository not in names:
            yield Hit(0.3, Text("open repository ") + literal(meant.repository, limit=120),
                      self._jump(meant.repository, None),
                      text=f"open repository {meant.repository}")
