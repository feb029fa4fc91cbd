"""``catalog`` and ``tags``: what a registry or a repository lists."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from regview.cli.common import (
    Command,
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


def _catalog_key(text: str) -> str:
    if text.startswith("oci:"):
        return text
    from regview.registry import normalize_registry

    return normalize_registry(text)


def _catalog_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("registry", metavar="REGISTRY")
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
    source = source_for(pool, _catalog_key(args.registry))
    names: list[str] = []
    async for page in source.repositories(page_size=args.page_size):
        if args.json:
            names.extend(page)
        else:
            print_lines(page)
    if args.json:
        print_json({"registry": source.name, "repositories": names})
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
