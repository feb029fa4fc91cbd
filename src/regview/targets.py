"""Turn what a user typed into something to browse: a registry, repository, reference,
``oci:PATH`` or ``demo``. The CLI, the TUI's start picker and the notebook all open
targets here; none of them builds clients or parses references on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from regview.registry import (
    InvalidReference,
    NotFound,
    OciLayoutSource,
    Settings,
    Source,
    parse_reference,
    parse_repository,
    parse_target,
)

__all__ = [
    "DEMO",
    "Opened",
    "Opener",
    "Ref",
    "open_target",
    "parse_ref",
    "source_for",
    "split_local_reference",
]

DEMO = "demo"


@dataclass(frozen=True, slots=True)
class Opened:
    """What a target opened: the source, and the repository and reference it named."""

    source: Source
    repository: str | None = None
    reference: str | None = None


Opener = Callable[[str], Opened]
"""Opens a target a person typed (the CLI hands one to the TUI)."""


@dataclass(frozen=True, slots=True)
class Ref:
    """A parsed reference to something in a registry or an OCI layout."""

    source_key: str
    """The registry host (normalised: ``docker.io``, ``127.0.0.1:5000``) or ``oci:PATH``."""
    repository: str
    reference: str
    """A tag or a digest; empty for a repository named on its own."""
    display: str
    """What to show for it: the normalised reference, or the text as typed for a layout."""


def parse_ref(text: str, *, need_reference: bool = True) -> Ref:
    """``HOST/REPO:TAG``, ``HOST/REPO@DIGEST``, ``REPO`` (Docker Hub) or
    ``oci:PATH[:TAG|@DIGEST]``; with ``need_reference=False`` a repository alone.

    Raises :class:`~regview.registry.InvalidReference` with the reason.
    """
    if text.startswith("oci:"):
        return _parse_oci_ref(text)
    if need_reference:
        ref = parse_reference(text)
        return Ref(ref.registry, ref.repository, ref.reference, str(ref))
    registry, repository = parse_repository(text)
    return Ref(registry, repository, "", f"{registry}/{repository}")


def _parse_oci_ref(text: str) -> Ref:
    body = text[len("oci:") :]
    path, reference = body, "latest"
    if "@" in body:
        path, reference = body.rsplit("@", 1)
    else:
        slash = body.rfind("/")
        colon = body.rfind(":")
        if colon > slash:
            path, reference = body[:colon], body[colon + 1 :]
    layout = Path(path).expanduser()
    if not (layout / "oci-layout").is_file():
        raise InvalidReference(f"{path!r} is not an OCI image layout (no oci-layout file)")
    return Ref(f"oci:{layout}", layout.resolve().name or "image", reference, text)


def source_for(key: str, make_client: Callable[[str], Source], settings: Settings) -> Source:
    """The source a :attr:`Ref.source_key` names: a layout, or ``make_client(host)``."""
    if key.startswith("oci:"):
        return OciLayoutSource(key[len("oci:") :], max_body_bytes=settings.max_body_bytes)
    return make_client(key)


def open_target(text: str, make_client: Callable[[str], Source], settings: Settings) -> Opened:
    """Open ``text``; ``make_client(registry)`` builds the client for a registry host.

    The demo is built under ``settings.cache_root()`` (in a temporary directory with no
    cache), and OCI layouts are read with the settings' body limit.

    Raises :class:`~regview.registry.InvalidReference` for text that is not a target,
    and :class:`~regview.registry.NotFound` for a missing layout.
    """
    value = text.strip()
    if value == DEMO:
        from regview.demo import demo_path

        return Opened(
            OciLayoutSource(
                demo_path(settings.cache_root()), max_body_bytes=settings.max_body_bytes
            )
        )
    if value.startswith("oci:"):
        source = OciLayoutSource(value[len("oci:") :], max_body_bytes=settings.max_body_bytes)
        if not source.path.is_dir():
            raise NotFound(f"{source.path} is not a directory")
        return Opened(source)
    target = parse_target(value)
    return Opened(
        make_client(target.registry),
        repository=target.repository,
        reference=target.digest or target.tag,
    )


def split_local_reference(text: str) -> tuple[str, str | None]:
    """``REPO``, ``REPO:TAG`` or ``REPO@DIGEST`` inside a source already chosen (the demo,
    a layout): the repository and the tag or digest (None when not given)."""
    value = text.strip()
    if "@" in value:
        repository, _, digest = value.partition("@")
        if not repository or not digest:
            raise InvalidReference(f"{value!r} is not REPO@DIGEST")
        return repository, digest
    slash, colon = value.rfind("/"), value.rfind(":")
    if colon > slash:
        repository, tag = value[:colon], value[colon + 1 :]
        if not repository or not tag:
            raise InvalidReference(f"{value!r} is not REPO:TAG")
        return repository, tag
    if not value:
        raise InvalidReference("an empty repository name")
    return value, None
