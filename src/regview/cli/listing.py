"""``catalog`` and ``tags``: what a registry or a repository lists."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

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
    from regview.registry import ClientPool, DigestGroup, TagInfo, TagTableRow

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
    p.add_argument(
        "--long",
        "-l",
        action="store_true",
        help="one row per tag: digest, media type, size, platforms, created",
    )
    p.add_argument(
        "--sort",
        choices=("name", "created", "size"),
        default=None,
        help="order of the rows (implies --long): natural name order, newest or largest first",
    )
    p.add_argument(
        "--group",
        choices=("digest",),
        default=None,
        help="one row per digest, listing its tags (implies --long)",
    )
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
    if args.long or args.sort or args.group:
        if failure is not None:
            raise failure  # a table of an incomplete listing would read as the whole
        # At most 16 tags at once (fewer with a lower --concurrency), as the TUI reads
        # its columns: half the per-host default, so bursts stay bounded.
        limit = min(16, pool.settings.concurrency)
        return await _tags_long(
            source, ref.repository, _shown(ref), list(_distinct(tags)), args, limit
        )
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


def _shown(ref: Any) -> str:
    return str(ref.source_key if ref.source_key.startswith("oci:") else ref.display)


class _TagProgress:
    """``tags 120/2000`` on stderr, overwriting itself (TTY only)."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if self.enabled and (done == total or done % 10 == 0):
            sys.stderr.write(f"\r\x1b[Kreading tags {done}/{total}")
            sys.stderr.flush()
            self.shown = True

    def clear(self) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def _created_text(info: TagInfo) -> str | None:
    if info.created is None:
        return None
    return info.created.strftime("%Y-%m-%dT%H:%M:%SZ")


def _info_json(info: TagInfo) -> dict[str, Any]:
    return {
        "digest": info.digest,
        "mediaType": info.media_type,
        "kind": info.kind or None,
        "size": info.size,
        "platforms": info.platforms,
        "created": _created_text(info),
        **({"error": info.error} if info.error is not None else {}),
    }


def _info_columns(info: TagInfo) -> list[str]:
    from regview.registry import short_digest
    from regview.registry.layers import format_size

    if info.error is not None:
        return ["-", "-", "-", "-", f"error: {info.error}"]
    return [
        short_digest(info.digest) if info.digest else "-",
        info.media_type or "-",
        format_size(info.size) if info.size is not None else "-",
        str(info.platforms) if info.platforms is not None else "-",
        _created_text(info) or "-",
    ]


def _table(rows: list[list[str]]) -> list[str]:
    from regview.textsafe import visible

    rows = [[visible(c, limit=200) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return [
        "  ".join([c.ljust(w) for c, w in zip(r, widths, strict=False)] + [r[-1]]).rstrip()
        for r in rows
    ]


async def _tags_long(
    source: Any,
    repository: str,
    shown: str,
    tags: list[str],
    args: argparse.Namespace,
    concurrency: int,
) -> int:
    from regview.registry import group_by_digest, read_tag_table, sort_tag_rows

    progress = _TagProgress()
    try:
        rows = await read_tag_table(
            source, repository, tags, concurrency=concurrency, progress=progress
        )
    finally:
        progress.clear()
    rows = sort_tag_rows(rows, args.sort or "name")
    if args.group == "digest":
        groups = group_by_digest(rows)
        if args.json:
            print_json({"repository": shown, "digests": [_group_json(g) for g in groups]})
        else:
            header = ["DIGEST", "MEDIA TYPE", "SIZE", "PLATFORMS", "CREATED", "TAGS"]
            body = [[*_info_columns(g.info), ", ".join(g.tags)] for g in groups]
            if body:
                print_lines(_table([header, *body]))
        return 0
    if args.json:
        print_json({"repository": shown, "tags": [_row_json(r) for r in rows]})
    else:
        header = ["DIGEST", "MEDIA TYPE", "SIZE", "PLATFORMS", "CREATED", "TAG"]
        body = [[*_info_columns(r.info), r.tag] for r in rows]
        if body:
            print_lines(_table([header, *body]))
    return 0


def _row_json(row: TagTableRow) -> dict[str, Any]:
    return {"tag": row.tag, **_info_json(row.info)}


def _group_json(group: DigestGroup) -> dict[str, Any]:
    return {**_info_json(group.info), "tags": list(group.tags)}


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
