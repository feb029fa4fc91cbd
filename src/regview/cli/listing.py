"""``catalog`` and ``tags``: what a registry or a repository lists."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from regview.cli.common import (
    Command,
    UsageError,
    add_json_flag,
    parse_ref,
    print_json,
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

    from regview.registry import RegistryClient

    key, project = _catalog_target(args.registry)
    source = source_for(pool, key)
    pages: AsyncIterator[list[str]]
    if project is None:
        pages = source.repositories(page_size=args.page_size)
    elif isinstance(source, RegistryClient):
        pages = source.project_repositories(project, page_size=args.page_size)
    else:
        raise UsageError("an OCI layout has no projects: give the layout alone")
    names: list[str] = []
    async for page in pages:
        if args.json:
            names.extend(page)
        else:
            print_lines(page)
    if args.json:
        shown = source.name if project is None else f"{source.name}/{project}"
        print_json({"registry": shown, "repositories": names})
    return 0


def _tags_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("repository", metavar="REPOSITORY")
    add_json_flag(p)


def _tags_registries(args: argparse.Namespace) -> list[str]:
    return [parse_ref(args.repository, need_reference=False).source_key]


async def _tags(pool: ClientPool, args: argparse.Namespace) -> int:
    import dataclasses

    from regview.natural import sort_tags

    ref = parse_ref(args.repository, need_reference=False)
    if ref.source_key.startswith("oci:"):
        ref = dataclasses.replace(ref, reference="")
    source = source_for(pool, ref.source_key)
    tags: list[str] = []
    async for page in source.tags(ref.repository):
        tags.extend(page)
    tags = sort_tags(set(tags))
    if args.json:
        shown = ref.source_key if ref.source_key.startswith("oci:") else ref.display
        print_json({"repository": shown, "tags": tags})
    else:
        print_lines(tags)
    return 0


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
