"""``files`` and ``cat``: what is inside an image's layers.

Layers are numbered as the explorer shows them: 1 is the bottom layer, -1 the top one
(``--layer``, the merged listing's first column, messages). JSON keeps 0-based positions
(``index``, ``layer``). Every layer read whole is checked against the image config's
``rootfs.diff_ids``; a mismatch is a one-line error and a non-zero exit.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from regview.cli.common import (
    Command,
    UsageError,
    add_json_flag,
    add_platform_flag,
    fail,
    parse_ref,
    print_json,
    print_lines,
    reference_registry,
    source_for,
)

if TYPE_CHECKING:
    from regview.registry import ClientPool, Descriptor, FetchedManifest, Source
    from regview.registry.layers import IndexProgress, TocStore
    from regview.targets import Ref

ORDER = 30
"""Where these commands stand in ``regview -h``."""


def _toc_store(pool: ClientPool) -> TocStore:
    from regview.registry.layers import TocStore

    return TocStore(pool.settings.cache_root())


class _ProgressLine:
    """One self-overwriting status line on stderr while layers are read (TTY only)."""

    def __init__(self, layers: int) -> None:
        self.enabled = sys.stderr.isatty()
        self.layers = layers
        self.done: set[str] = set()
        self.shown = False

    def __call__(self, p: IndexProgress) -> None:
        if p.phase in ("done", "cached"):
            self.done.add(p.digest)
        if not self.enabled or p.phase == "cached":
            return
        from regview.registry.layers import format_size

        fraction = p.fraction
        percent = f"{fraction * 100:3.0f}%" if fraction is not None else "  ?%"
        text = (
            f"layers {len(self.done)}/{self.layers}  {p.digest[7:19]} {p.phase} {percent} "
            f"{format_size(p.read)} of {format_size(p.total)}  {format_size(int(p.rate))}/s"
        )
        sys.stderr.write("\r\x1b[K" + text)
        sys.stderr.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


async def _image_for_layers(
    pool: ClientPool, args: argparse.Namespace
) -> tuple[Ref, Source, tuple[Descriptor, ...], FetchedManifest]:
    from regview.registry import Platform
    from regview.registry.layers import image_layers

    ref = parse_ref(args.reference)
    source = source_for(pool, ref.source_key)
    platform = Platform.parse(args.platform) if args.platform else None
    fetched, layers = await image_layers(
        source, ref.repository, ref.reference, platform, max_depth=pool.settings.max_index_depth
    )
    return ref, source, layers, fetched


def _check_layer_number(which: str) -> None:
    text = which.strip()
    if text.lstrip("-").isdigit() and int(text) == 0:
        raise UsageError(
            "--layer 0 does not exist: layers are numbered from 1 (the bottom layer); "
            "-1 is the top layer"
        )


async def _files(pool: ClientPool, args: argparse.Namespace) -> int:
    from regview.registry import layers as layer_api
    from regview.registry.layers import LayerIndexer, merge_layers, select_layer, verify_diff_ids

    if args.layer is not None:
        _check_layer_number(args.layer)
    ref, source, layers, fetched = await _image_for_layers(pool, args)
    digest = fetched.digest
    indexer = LayerIndexer(source, store=_toc_store(pool), on_note=lambda t: fail(f"note: {t}"))
    indexer.add_image(digest, layers)  # a SOCI index of the image may serve
    progress = _ProgressLine(len(layers))
    try:
        if args.layer is not None:
            index, layer = select_layer(layers, args.layer)
            toc = await indexer.index(ref.repository, layer, progress=progress, full=args.full)
            tocs = None
        else:
            tocs = await indexer.index_all(
                ref.repository, layers, progress=progress, full=args.full
            )
    finally:
        progress.clear()
    # Layers read whole must be what the image config says they are (rootfs.diff_ids).
    checked = [(index, toc)] if tocs is None else list(enumerate(tocs))
    await verify_diff_ids(source, ref.repository, fetched, checked)

    if tocs is None:
        entries = list(toc.entries)
        if args.sort == "name":
            entries.sort(key=lambda e: e.path)
        elif args.sort == "size":
            entries.sort(key=lambda e: (-e.size, e.path))
        if args.json:
            print_json(
                {
                    "reference": ref.display,
                    "digest": digest,
                    "layer": layer_api.layer_json(index, toc),
                    "entries": [layer_api.entry_json(e) for e in entries],
                }
            )
        else:
            print_lines([layer_api.tar_line(e) for e in entries])
        return 0

    merged = merge_layers(tocs)
    rows: list[tuple[str, int, Any]] = [(m.path, m.entry.size, m) for m in merged.entries.values()]
    rows += [(d.path, d.entry.size, d) for d in merged.visible_deletions()]
    if args.sort == "size":
        rows.sort(key=lambda r: (-r[1], r[0]))
    else:
        rows.sort(key=lambda r: r[0])
    if args.json:
        print_json(
            {
                "reference": ref.display,
                "digest": digest,
                "layers": [
                    {
                        **layer_api.layer_json(i, t),
                        "added": c.added,
                        "changed": c.changed,
                        "deleted": c.deleted,
                        "removedBytes": c.removed_bytes,
                    }
                    for (i, t), c in zip(enumerate(tocs), merged.layers, strict=True)
                ],
                "totalSize": merged.total_size,
                "wastedBytes": merged.wasted_bytes,
                "largest": [m.entry.path for m in merged.largest_files(20)],
                "entries": [
                    layer_api.merged_json(r[2])
                    if isinstance(r[2], layer_api.MergedEntry)
                    else layer_api.deletion_json(r[2])
                    for r in rows
                ],
            }
        )
        return 0
    lines = []
    for _, _, item in rows:
        status = "deleted" if isinstance(item, layer_api.Deletion) else item.status
        # Layer numbers for people: 1 is the bottom layer, as in the explorer.
        lines.append(f"{item.layer + 1:>3} {status:<7} {layer_api.tar_line(item.entry)}")
    print_lines(lines)
    return 0


async def _cat(pool: ClientPool, args: argparse.Namespace) -> int:
    from regview.cli.terminal_output import TerminalOutput
    from regview.registry.layers import LayerIndexer, image_diff_ids, read_file

    ref, source, layers, fetched = await _image_for_layers(pool, args)
    diff_ids = await image_diff_ids(source, ref.repository, fetched)
    indexer = LayerIndexer(source, store=_toc_store(pool), on_note=lambda t: fail(f"note: {t}"))
    indexer.add_image(fetched.digest, layers)  # a SOCI index of the image may serve
    out = TerminalOutput(force=args.force)
    await read_file(
        source,
        ref.repository,
        layers,
        args.path,
        out.write,
        indexer=indexer,
        verify=args.verify,
        diff_ids=diff_ids,
    )
    out.close()
    return 0


def _files_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("reference", metavar="REF")
    add_platform_flag(p)
    p.add_argument(
        "--layer",
        default=None,
        metavar="N|DIGEST",
        help="one layer: its number (1 = bottom, -1 = top) or (a prefix of) its "
        "digest; default: the merged filesystem of all layers",
    )
    p.add_argument(
        "--sort",
        choices=("name", "size"),
        default=None,
        help="order of the listing (default: archive order for a layer, name when merged)",
    )
    p.add_argument(
        "--full",
        action="store_true",
        help="read whole layers even when they embed a table of contents (eStargz, zstd:chunked)",
    )
    add_json_flag(p)


def _cat_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("reference", metavar="REF")
    p.add_argument("path", metavar="PATH", help="path inside the image, e.g. /etc/os-release")
    add_platform_flag(p)
    p.add_argument(
        "--force",
        action="store_true",
        help="write binary content even when standard output is a terminal",
    )
    p.add_argument(
        "--verify",
        action="store_true",
        help="read the rest of the layer to check its digest (fails after the output)",
    )


COMMANDS = (
    Command(
        "files",
        "list the files of an image (merged) or of one layer, like tar -tv",
        _files_arguments,
        reference_registry,
        _files,
    ),
    Command(
        "cat",
        "write one file of an image to standard output",
        _cat_arguments,
        reference_registry,
        _cat,
    ),
)
