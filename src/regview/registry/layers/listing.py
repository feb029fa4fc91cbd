"""Entries as text lines (like ``tar -tv``) and as JSON objects, for the CLI and the UI.

Times are shown in UTC, so the same image lists the same way everywhere. Names are
returned as text that may still hold control characters: pass lines through
:func:`regview.textsafe.visible` before printing them to a terminal.
"""

from __future__ import annotations

import base64
import time
from typing import Any

from regview.registry.layers.entry import Entry, EntryType, display_path, path_bytes
from regview.registry.layers.merge import Deletion, MergedEntry
from regview.registry.layers.toc import LayerToc

__all__ = [
    "deletion_json",
    "entry_json",
    "format_size",
    "layer_json",
    "merged_json",
    "tar_line",
]


def format_time(mtime: int) -> str:
    """``YYYY-MM-DD HH:MM`` (UTC) of a file's mtime, as ``tar -tv`` shows it."""
    try:
        return time.strftime("%Y-%m-%d %H:%M", time.gmtime(mtime))
    except (OverflowError, OSError, ValueError):
        return "????-??-?? ??:??"


def format_size(n: int | None) -> str:
    """``14.5 kB``-style sizes for summaries, in decimal units as the explorer, ``inspect``
    and the registries' own pages show them (exact byte counts stay in listings)."""
    if n is None:
        return "unknown"
    value = float(n)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(value) < 1000 or unit == "TB":
            return f"{n} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{n} B"


def tar_line(e: Entry) -> str:
    """``-rw-r--r-- 0/0        42 2023-11-14 22:13 etc/os-release`` (``tar -tv`` order)."""
    if e.type in (EntryType.CHAR, EntryType.BLOCK):
        size = f"{e.devmajor},{e.devminor}"
    else:
        size = str(e.size)
    line = f"{e.mode_string} {e.uid}/{e.gid} {size:>10} {format_time(e.mtime)} "
    line += display_path(e.path)
    if e.type is EntryType.SYMLINK:
        line += f" -> {display_path(e.link or '')}"
    elif e.type is EntryType.HARDLINK:
        line += f" link to {display_path(e.link or '')}"
    return line


def entry_json(e: Entry) -> dict[str, Any]:
    """One layer entry as ``files --json`` prints it (path, type, size, mode, owner, link,
    and the hex ``sha256`` of a regular file's content when indexing recorded it)."""
    obj: dict[str, Any] = {
        "path": display_path(e.path),
        "type": e.type.value,
        "size": e.size,
        "mode": e.mode,
        "modeString": e.mode_string,
        "uid": e.uid,
        "gid": e.gid,
        "mtime": e.mtime,
    }
    raw = path_bytes(e.path)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        obj["pathBase64"] = base64.b64encode(raw).decode("ascii")
    if e.link is not None:
        obj["linkTarget"] = display_path(e.link)
    if e.sha256 is not None:
        obj["sha256"] = e.sha256
    if e.uname or e.gname:
        obj["uname"] = e.uname
        obj["gname"] = e.gname
    if e.type in (EntryType.CHAR, EntryType.BLOCK):
        obj["devMajor"] = e.devmajor
        obj["devMinor"] = e.devminor
    if e.is_opaque_marker:
        obj["whiteout"] = {"opaque": display_path(e.parent)}
    elif e.whiteout_target is not None:
        obj["whiteout"] = {"deletes": display_path(e.whiteout_target)}
    return obj


def merged_json(m: MergedEntry) -> dict[str, Any]:
    """A merged-filesystem entry: :func:`entry_json` plus its 0-based layer and status;
    a hard link's ``sha256`` is that of the content its target had when it was made."""
    obj = entry_json(m.entry)
    if m.entry.type is EntryType.HARDLINK and m.content is not None and m.content.sha256:
        obj["sha256"] = m.content.sha256
    obj["layer"] = m.layer
    obj["status"] = m.status
    if m.first_layer != m.layer:
        obj["firstLayer"] = m.first_layer
    return obj


def deletion_json(d: Deletion) -> dict[str, Any]:
    """A path deleted by a whiteout, with the layer that deleted it and what it hid."""
    obj = entry_json(d.entry)
    obj["layer"] = d.layer
    obj["status"] = "deleted"
    obj["deletedBy"] = d.kind
    obj["fromLayer"] = d.from_layer
    obj["deletedSize"] = d.size
    obj["deletedFiles"] = d.files
    return obj


def layer_json(index: int, toc: LayerToc) -> dict[str, Any]:
    """One layer's summary: 0-based index, digest, sizes, entry counts, TOC origin."""
    return {
        "index": index,
        "digest": toc.digest,
        "mediaType": toc.media_type,
        "compression": toc.compression,
        "compressedSize": toc.compressed_size,
        "uncompressedSize": toc.uncompressed_size,
        "origin": toc.origin,
        "entries": len(toc.entries),
        "filesSize": toc.files_size,
    }
