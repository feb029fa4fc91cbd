"""One entry of a layer's table of contents, and the whiteout conventions of OCI layers.

Paths are normalised the way a runtime applies them: relative to the root, no ``./``
prefix, no trailing slash, ``..`` cannot climb above the root. Names that are not
UTF-8 are kept losslessly as ``surrogateescape`` strings; show them with
:func:`display_path` (or :func:`regview.textsafe.visible`), never raw.
"""

from __future__ import annotations

import posixpath
import stat
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "OPAQUE_MARKER",
    "TOC_TYPE_NAMES",
    "WHITEOUT_PREFIX",
    "Entry",
    "EntryType",
    "display_path",
    "join_path",
    "mode_string",
    "normalize_path",
    "parent_path",
    "path_bytes",
]

WHITEOUT_PREFIX = ".wh."
OPAQUE_MARKER = ".wh..wh..opq"


class EntryType(StrEnum):
    """What a tar entry creates. Values are what ``--json`` prints."""

    FILE = "file"
    DIR = "dir"
    SYMLINK = "symlink"
    HARDLINK = "hardlink"
    CHAR = "char"
    BLOCK = "block"
    FIFO = "fifo"

    @property
    def letter(self) -> str:
        """The first character of ``ls -l``/``tar -tv`` for this type."""
        return _LETTERS[self]


_LETTERS = {
    EntryType.FILE: "-",
    EntryType.DIR: "d",
    EntryType.SYMLINK: "l",
    EntryType.HARDLINK: "h",
    EntryType.CHAR: "c",
    EntryType.BLOCK: "b",
    EntryType.FIFO: "p",
}


#: Entry types as the tables of contents of lazy-pull formats name them (eStargz,
#: zstd:chunked and SOCI zTOCs, all after Go's ``archive/tar``).
TOC_TYPE_NAMES: dict[str, EntryType] = {
    "reg": EntryType.FILE,
    "dir": EntryType.DIR,
    "symlink": EntryType.SYMLINK,
    "hardlink": EntryType.HARDLINK,
    "char": EntryType.CHAR,
    "block": EntryType.BLOCK,
    "fifo": EntryType.FIFO,
}


@dataclass(frozen=True, slots=True)
class Entry:
    """A file, directory, link or device in one layer, as its tar header describes it."""

    path: str
    type: EntryType
    size: int = 0
    mode: int = 0o644
    uid: int = 0
    gid: int = 0
    mtime: int = 0
    link: str | None = None
    uname: str = ""
    gname: str = ""
    devmajor: int = 0
    devminor: int = 0
    #: Hex sha256 of a regular file's content, recorded as the layer was inflated (or
    #: taken from an embedded TOC's ``digest``); None for other types, sparse files and
    #: listings that never saw the content.
    sha256: str | None = None
    #: Offset in the uncompressed tar where this entry's first header starts (its PAX or
    #: GNU long-name headers included), so that a ranged read can parse it alone; None
    #: when unknown or when a global PAX header is in force before it. In a TOC embedded
    #: in an eStargz or zstd:chunked blob, a regular file's offset is where, in the blob,
    #: the compressed stream holding its first chunk starts (the TOC's ``offset``).
    #: Not compared: the same entry read from elsewhere is still the same entry.
    offset: int | None = field(default=None, compare=False)

    @property
    def name(self) -> str:
        """The last path component."""
        return self.path.rpartition("/")[2]

    @property
    def parent(self) -> str:
        """The parent directory's path (empty at the top)."""
        return parent_path(self.path)

    @property
    def is_dir(self) -> bool:
        """True for a directory."""
        return self.type is EntryType.DIR

    @property
    def is_file(self) -> bool:
        """True for a regular file."""
        return self.type is EntryType.FILE

    @property
    def is_opaque_marker(self) -> bool:
        """``dir/.wh..wh..opq``: hide everything lower layers put in ``dir``."""
        return self.name == OPAQUE_MARKER

    @property
    def whiteout_target(self) -> str | None:
        """For ``dir/.wh.name``, the path it deletes (``dir/name``); None otherwise."""
        name = self.name
        if not name.startswith(WHITEOUT_PREFIX) or name == OPAQUE_MARKER:
            return None
        target = name[len(WHITEOUT_PREFIX) :]
        if not target or target in (".", ".."):
            return None
        return join_path(self.parent, target)

    @property
    def is_whiteout(self) -> bool:
        """A deletion marker (plain whiteout or opaque marker), not real content."""
        return self.is_opaque_marker or self.whiteout_target is not None

    @property
    def mode_string(self) -> str:
        """``ls -l`` style mode, e.g. ``-rwxr-xr-x``."""
        return mode_string(self.type, self.mode)


def normalize_path(raw: str) -> str:
    """``./usr//bin/`` → ``usr/bin``; ``../../etc`` → ``etc``; the root is ``""``."""
    if not raw:
        return ""
    name = raw[2:] if raw.startswith("./") else raw
    if name and name[0] not in "./" and name[-1] != "/" and "//" not in name and "/." not in name:
        return name  # already normal: no empty, "." or ".." component (most names)
    path = posixpath.normpath("/" + raw)
    # normpath keeps a leading "//" (POSIX allows it to mean something else).
    return path.lstrip("/")


def parent_path(path: str) -> str:
    return path.rpartition("/")[0]


def join_path(parent: str, name: str) -> str:
    return f"{parent}/{name}" if parent else name


def path_bytes(path: str) -> bytes:
    """The bytes of the name as stored in the tar (undoing ``surrogateescape``)."""
    return path.encode("utf-8", "surrogateescape")


def display_path(path: str) -> str:
    """A name as text: bytes that are not UTF-8 become ``\\xNN`` (then make it terminal-safe)."""
    return path_bytes(path).decode("utf-8", "backslashreplace")


def mode_string(kind: EntryType, mode: int) -> str:
    """``drwxr-xr-x``: the type letter, then ``stat.filemode``'s permission part."""
    return kind.letter + stat.filemode(mode & 0o7777)[1:]
