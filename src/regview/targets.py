"""Turn what a user typed (registry, repository, reference, ``oci:PATH``, ``demo``) into a
Source to browse. The TUI's start picker calls this; it never builds clients itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from regview.registry.settings import Settings
from regview.registry.source import Source

__all__ = ["DEMO", "Opened", "Opener", "open_target"]

DEMO = "demo"


@dataclass(frozen=True, slots=True)
class Opened:
    source: Source
    repository: str | None = None
    reference: str | None = None


Opener = Callable[[str], Opened]


def open_target(text: str, make_client: Callable[[str], Source], settings: Settings) -> Opened:
    """Open ``text``; ``make_client(registry)`` builds the client for a registry host.

    The demo is built under ``settings.cache_root()`` (in a temporary directory with no
    cache), and OCI layouts are read with the settings' body limit.

    Raises :class:`~regview.registry.errors.InvalidReference` for text that is not a
    target, and :class:`~regview.registry.errors.NotFound` for a missing layout.
    """
    from regview.registry.errors import NotFound
    from regview.registry.oci_layout import OciLayoutSource
    from regview.registry.reference import parse_target

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
