"""``catalog`` and ``tags``: what a registry or a repository lists."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import TYPE_CHECKING

from regview.cli.common import (
    Command,
    UsageError,
    add_json_flag,
    parse_ref,
    print_lines,
    source_for,
)

if TYPE_CHECKING:
    from regview.registry import ClientPool

ORDER = 10
"""Where these commands stand in ``regview -h``."""


def _catalog_target(text: str) -> tuple[str, str | None]:
    """``REGISTRY`` or ``REGISTRY/PROJECT`` -> (the source key, the project or None)."""
    if text.startswith("oci:"):
        return text, None
    from regview.registry import normalize_registry

    host, slash, project = text.partition("/")
    project = project.rstrip("/")
    return normalize_registry(host), (project if slash and project else None)


def _catalog_key(text: str) -> str:
    return _catalog_target(text)[0]


def _catalog_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "registry",
        metavar="REGISTRY[/PROJECT]",
        help="a registry, or one project of it (Harbor lists a project's repositories "
        "to its members)",
    )
    p.add_argument(
        "--page-size",
        type=int,
        default=None,
        metavar="N",
        help="entries per request (default 1000, falls back to 100)",
    )
    add_json_flag(p)


def _catalog_registries(args: argparse.Namespace) -> list[str]:
    key = _catalog_key(args.registry)
    return [] if key.startswith("oci:") else [key]


async def _catalog(pool: ClientPool, args: argparse.Namespace) -> int:
    from collections.abc import AsyncIterator

    from regview.cli.json_stream import JsonListing
    from regview.registry import RegistryClient, RegistryError

    key, project = _catalog_target(args.registry)
    source = source_for(pool, key)
    pages: AsyncIterator[list[str]]
    if project is None:
        pages = source.repositories(page_size=args.page_size)
    elif isinstance(source, RegistryClient):
        pages = source.project_repositories(project, page_size=args.page_size)
    else:
        raise UsageError("an OCI layout has no projects: give the layout alone")
    shown = source.name if project is None else f"{source.name}/{project}"
    listing = JsonListing({"registry": shown}, "repositories") if args.json else None
    listed = 0
    try:
        # Streamed page by page, as the registry sends them (in its order): nothing is
        # held but the page at hand.
        async for page in pages:
            listed += len(page)
            if listing is not None:
                listing.add(page)
            else:
                print_lines(page)
    except RegistryError as exc:
        if listing is not None and listed:
            listing.close({"incomplete": str(exc)})
        raise
    if listing is not None:
        listing.close()
    return 0


def _tags_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("repository", metavar="REPOSITORY")
    add_json_flag(p)


def _tags_registries(args: argparse.Namespace) -> list[str]:
    return [parse_ref(args.repository, need_reference=False).source_key]


async def _tags(pool: ClientPool, args: argparse.Namespace) -> int:
    import dataclasses

    from regview.cli.json_stream import JsonListing
    from regview.natural import sort_tags
    from regview.registry import RegistryError

    ref = parse_ref(args.repository, need_reference=False)
    if ref.source_key.startswith("oci:"):
        ref = dataclasses.replace(ref, reference="")
    source = source_for(pool, ref.source_key)
    tags: list[str] = []
    failure: RegistryError | None = None
    try:
        async for page in source.tags(ref.repository):
            tags.extend(page)
    except RegistryError as exc:
        if not tags:
            raise
        failure = exc  # what was listed is shown, then the error says it is incomplete
    # Sorted in runs (the keys of one run at a time), equal tags side by side so that
    # repeats are skipped as they are written: no set, no text of the whole listing.
    tags = sort_tags(tags)
    if args.json:
        shown = ref.source_key if ref.source_key.startswith("oci:") else ref.display
        listing = JsonListing({"repository": shown}, "tags")
        listing.add(_distinct(tags))
        listing.close(None if failure is None else {"incomplete": str(failure)})
    else:
        print_lines(_distinct(tags))
    if failure is not None:
        raise failure
    return 0


def _distinct(ordered: list[str]) -> Iterator[str]:
    """``ordered`` without repeats (equal entries are next to each other)."""
    previous: str | None = None
    for item in ordered:
        if item != previous:
            yield item
            previous = item


COMMANDS = (
    Command(
        "catalog",
        "list the repositories of a registry",
        _catalog_arguments,
        _catalog_registries,
        _catalog,
    ),
    Command("tags", "list the tags of a repository", _tags_arguments, _tags_registries, _tags),
)
