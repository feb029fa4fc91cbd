"""``diff``: compare two images, section by section (manifests, config, history, sizes,
the merged filesystems).

Either side is a tag, a digest, another repository or registry, or ``oci:PATH``. Layers
of both images are indexed concurrently (a layer they share is read once) and TOCs
cached by digest are not read again. As ``diff(1)``: exit 0 when the images are equal,
1 when they differ, 2 on an error.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from regview.cli.common import (
    Command,
    UsageError,
    add_json_flag,
    add_platform_flag,
    fail,
    parse_ref,
    print_json,
    print_lines,
    source_for,
)

if TYPE_CHECKING:
    from regview.registry import ClientPool, ImageSnapshot
    from regview.registry.layers import IndexProgress, LayerIndexer
    from regview.targets import Ref

ORDER = 33
"""Where this command stands in ``regview -h``: after ``files`` and ``cat``."""


def _refs(args: argparse.Namespace) -> tuple[Ref, Ref]:
    from regview.registry import InvalidReference

    try:
        return parse_ref(args.a), parse_ref(args.b)
    except InvalidReference as exc:
        raise UsageError(str(exc)) from None


def _registries(args: argparse.Namespace) -> list[str]:
    a, b = _refs(args)
    return list(dict.fromkeys((a.source_key, b.source_key)))


async def _read_both(
    pool: ClientPool, args: argparse.Namespace
) -> tuple[ImageSnapshot, ImageSnapshot]:
    from regview.cli.layers import _ProgressLine, _toc_store
    from regview.registry import Platform, read_image_snapshot
    from regview.registry.layers import LayerIndexer

    a, b = _refs(args)
    platform = Platform.parse(args.platform) if args.platform else None
    store = _toc_store(pool)  # one store: a layer both images share is indexed once
    indexers: dict[str, LayerIndexer] = {}
    for ref in (a, b):
        if ref.source_key not in indexers:
            indexers[ref.source_key] = LayerIndexer(source_for(pool, ref.source_key), store=store)
    line = _ProgressLine(0)
    seen: set[str] = set()

    def progress(p: IndexProgress) -> None:
        seen.add(p.digest)
        line.layers = len(seen)  # the layers of both images, as their manifests arrive
        line(p)

    try:
        side_a, side_b = await asyncio.gather(
            *(
                read_image_snapshot(
                    indexers[ref.source_key],
                    ref.repository,
                    ref.reference,
                    display=ref.display,
                    platform=platform,
                    progress=progress,
                    max_depth=pool.settings.max_index_depth,
                )
                for ref in (a, b)
            )
        )
    finally:
        line.clear()
    return side_a, side_b


async def _diff(pool: ClientPool, args: argparse.Namespace) -> int:
    from regview.diff_text import render_diff
    from regview.registry import RegistryError, diff_images

    try:
        side_a, side_b = await _read_both(pool, args)
    except RegistryError as exc:
        fail(str(exc))
        return 2
    except OSError as exc:
        fail(f"{exc.strerror or exc}")
        return 2
    result = diff_images(side_a, side_b)
    if args.json:
        print_json(result.to_json())
    else:
        print_lines(render_diff(result))
    return 0 if result.equal else 1


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("a", metavar="A", help="the first image: HOST/REPO:TAG, @DIGEST or oci:PATH")
    p.add_argument("b", metavar="B", help="the second image, compared with the first")
    add_platform_flag(p)
    add_json_flag(p)


COMMANDS = (
    Command(
        "diff",
        "compare two images: manifests, config, history, sizes and files "
        "(exit 0 equal, 1 different, 2 error)",
        _arguments,
        _registries,
        _diff,
    ),
)
