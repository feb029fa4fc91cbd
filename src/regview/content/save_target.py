"""Where a file from a registry may be saved, and saving it without half-written files.

The default name is the base name of the path the registry gave, sanitised: it can never
climb out of the directory (``..``, ``/``), hold a NUL, control or invisible character,
or be empty. The path the user types is theirs to choose, but it is checked first:
control characters are refused, a directory means "this name inside it", a missing
directory or something that is not a regular file is refused with a one-line reason, and
an existing file (or a symbolic link, which is replaced, never followed) needs a yes.

:func:`save_content` streams the content to a temporary file beside the target and
renames it into place (:func:`regview.atomic.atomic_file`): an interrupted save leaves
the old file, or nothing. The file gets the permissions a new file would (0666 less the
umask), not the 0600 of a temporary file.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from regview.atomic import atomic_file
from regview.content.source import ContentSource
from regview.textsafe import is_dangerous

__all__ = [
    "FALLBACK_NAME",
    "SaveRefused",
    "SaveTarget",
    "check_target",
    "default_name",
    "save_content",
]

FALLBACK_NAME = "download"
_MAX_NAME_BYTES = 200
_CHUNK = 1 << 20


class SaveRefused(ValueError):
    """The path cannot be saved to; ``str()`` says why, in one line."""


@dataclass(frozen=True, slots=True)
class SaveTarget:
    """A checked destination. ``exists``: saving replaces something (ask first);
    ``symlink``: what is there is a symbolic link (replaced, not followed)."""

    path: Path
    exists: bool = False
    symlink: bool = False


def default_name(title: str) -> str:
    """A safe file name from an untrusted path: its base name, every character that
    could traverse or act on a terminal replaced by ``_``."""
    base = title.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    safe = "".join("_" if ch == "\x00" or is_dangerous(ch) else ch for ch in base).strip()
    if safe in ("", ".", "..") or set(safe) <= {"."}:
        return FALLBACK_NAME
    encoded = safe.encode("utf-8", "replace")
    if len(encoded) > _MAX_NAME_BYTES:
        safe = encoded[:_MAX_NAME_BYTES].decode("utf-8", "ignore")
    return safe


def check_target(typed: str, default: str, cwd: Path) -> SaveTarget:
    """Check where ``typed`` (what the user entered; empty: ``default``) saves to."""
    if any(ch == "\x00" or is_dangerous(ch) for ch in typed):
        raise SaveRefused("the path holds control or invisible characters: type it again")
    text = typed.strip() or default
    path = Path(text).expanduser()
    if not path.is_absolute():
        path = cwd / path
    if text.endswith("/") or (path.is_dir() and not path.is_symlink()):
        path = path / default
    parent = path.parent
    if not parent.is_dir():
        raise SaveRefused(f"no such directory: {parent}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise SaveRefused(f"cannot write in {parent}: choose another directory")
    try:
        st = path.lstat()
    except FileNotFoundError:
        return SaveTarget(path)
    except OSError as exc:
        raise SaveRefused(f"cannot check {path}: {exc.strerror or exc}") from None
    if stat.S_ISLNK(st.st_mode):
        return SaveTarget(path, exists=True, symlink=True)
    if stat.S_ISDIR(st.st_mode):
        raise SaveRefused(f"{path} is a directory")
    if not stat.S_ISREG(st.st_mode):
        raise SaveRefused(f"{path} is not a regular file: choose another name")
    return SaveTarget(path, exists=True)


def _umask() -> int:
    """The process's umask, read without changing it (``os.umask`` sets it, for every
    thread, while it reads); 022 where ``/proc`` does not say."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


async def save_content(
    source: ContentSource,
    target: Path,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write all of ``source`` to ``target`` (waiting for its bytes); returns the bytes
    written. Raises :class:`SaveRefused` if the content fails or ends short of its
    size, and OSError when the disk refuses; either way the target is left as it was."""
    written = 0
    with atomic_file(target, mode=0o666 & ~_umask()) as out:
        while True:
            data = await source.read(written, _CHUNK)
            if not data:
                break
            out.write(data)
            written += len(data)
            if progress is not None:
                progress(written)
        if source.error is not None:
            raise SaveRefused(f"not saved: {source.error}")
        if source.size is not None and written != source.size:
            raise SaveRefused(f"not saved: got {written:,} of {source.size:,} bytes")
    return written
