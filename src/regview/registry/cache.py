"""The content-addressed cache (forever) and the reference cache (revalidated).

Layout under the cache root::

    blobs/sha256/<hex>     manifest and config bytes, named by their digest; verified on read
    refs/<sha256 of key>   JSON: tag -> descriptor, or a tag list, with fetch time and ETag

Only content that was verified against its digest is stored. Files are written to a
temporary name and renamed, so a crash never leaves a half-written entry. With
``write_behind`` the writes happen on one background thread, in order, so a slow disk
never holds up the event loop; until written, entries are served from memory, and
:meth:`ContentCache.flush` waits for them. A corrupt
entry (bytes that no longer hash to their name) is deleted and reported as a miss.
Nothing here ever sees a credential: callers store bodies and descriptors only.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from regview.atomic import write_atomic
from regview.registry.digests import compute_digest, parse_digest
from regview.registry.errors import InvalidReference

__all__ = ["ContentCache", "RefEntry"]

CACHE_VERSION = "v1"


@dataclass(frozen=True, slots=True)
class RefEntry:
    """What a mutable key (a tag, a tag list) pointed to when we last asked."""

    value: Any
    fetched_at: float
    etag: str | None = None

    def age(self) -> float:
        return time.time() - self.fetched_at


class ContentCache:
    """Memory + disk cache. ``root=None`` keeps everything in memory only."""

    def __init__(
        self,
        root: Path | None,
        *,
        memory_bytes: int = 256 * 1024 * 1024,
        write_behind: bool = False,
    ) -> None:
        self.root = root / CACHE_VERSION if root is not None else None
        self.memory_bytes = memory_bytes
        self._blobs: OrderedDict[str, bytes] = OrderedDict()
        self._blob_total = 0
        self._refs: dict[str, RefEntry] = {}
        self.disk_errors = 0
        self._write_behind = write_behind
        self._writer: ThreadPoolExecutor | None = None
        self._pending: dict[Path, bytes] = {}  # queued for the writer; read from here meanwhile
        self._dropping: dict[Path, int] = {}  # unlinks queued for the writer, by path

    # --- content by digest -------------------------------------------------------------

    def _blob_path(self, digest: str) -> Path | None:
        if self.root is None:
            return None
        algorithm, _, encoded = digest.partition(":")
        return self.root / "blobs" / algorithm / encoded

    def get(self, digest: str) -> bytes | None:
        """Verified bytes for ``digest``, or None."""
        try:
            parse_digest(digest)
        except InvalidReference:
            return None
        data = self._blobs.get(digest)
        if data is not None:
            self._blobs.move_to_end(digest)
            return data
        path = self._blob_path(digest)
        if path is None:
            return None
        pending = self._pending.get(path)
        if pending is not None:
            return pending
        try:
            data = path.read_bytes()
        except OSError:
            return None
        if compute_digest(data, digest.split(":", 1)[0]) != digest:
            with contextlib.suppress(OSError):
                path.unlink()
            self.disk_errors += 1
            return None
        self._remember(digest, data)
        return data

    def put(self, digest: str, data: bytes) -> None:
        """Store ``data`` under ``digest``; the caller has verified it already."""
        parse_digest(digest)
        if compute_digest(data, digest.split(":", 1)[0]) != digest:
            raise ValueError("refusing to cache bytes under a digest they do not have")
        self._remember(digest, data)
        path = self._blob_path(digest)
        if path is not None and not path.exists():
            self._write(path, data)

    def _remember(self, digest: str, data: bytes) -> None:
        if len(data) > self.memory_bytes // 4:
            return
        if digest in self._blobs:
            self._blobs.move_to_end(digest)
            return
        self._blobs[digest] = data
        self._blob_total += len(data)
        while self._blob_total > self.memory_bytes and self._blobs:
            _, old = self._blobs.popitem(last=False)
            self._blob_total -= len(old)

    # --- mutable references --------------------------------------------------------------

    def _ref_path(self, key: str) -> Path | None:
        if self.root is None:
            return None
        name = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
        return self.root / "refs" / name[:2] / name

    def get_ref(self, key: str) -> RefEntry | None:
        entry = self._refs.get(key)
        if entry is not None:
            return entry
        path = self._ref_path(key)
        if path is None or path in self._dropping:
            # Dropped, and its file not yet unlinked by the writer: it is gone already.
            return None
        pending = self._pending.get(path)
        try:
            obj = json.loads(pending if pending is not None else path.read_bytes())
            if not isinstance(obj, dict) or obj.get("key") != key:
                raise ValueError("not ours")
            fetched_at = obj["fetched_at"]
            etag = obj.get("etag")
            if not isinstance(fetched_at, (int, float)) or not (
                etag is None or isinstance(etag, str)
            ):
                raise ValueError("bad types")
            entry = RefEntry(obj["value"], float(fetched_at), etag)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError):
            with contextlib.suppress(OSError):
                path.unlink()
            self.disk_errors += 1
            return None
        self._refs[key] = entry
        return entry

    def put_ref(self, key: str, value: Any, *, etag: str | None = None) -> RefEntry:
        entry = RefEntry(value, time.time(), etag)
        self._refs[key] = entry
        path = self._ref_path(key)
        if path is not None:
            self._dropping.pop(path, None)
            payload = {"key": key, "fetched_at": entry.fetched_at, "etag": etag, "value": value}
            self._write(path, json.dumps(payload, separators=(",", ":")).encode())
        return entry

    def drop_ref(self, key: str) -> None:
        self._refs.pop(key, None)
        path = self._ref_path(key)
        if path is None:
            return
        self._pending.pop(path, None)
        if not self._write_behind:
            _unlink(path)
            return
        self._dropping[path] = self._dropping.get(path, 0) + 1
        self._run_in_order(self._unlink_dropped, path)

    def _unlink_dropped(self, path: Path) -> None:
        _unlink(path)
        left = self._dropping.get(path, 0) - 1
        if left > 0:
            self._dropping[path] = left
        else:
            self._dropping.pop(path, None)

    # --- disk --------------------------------------------------------------------------

    def _write(self, path: Path, data: bytes) -> None:
        if not self._write_behind:
            self._write_now(path, data)
            return
        self._pending[path] = data
        self._run_in_order(self._write_pending, path, data)

    def _write_now(self, path: Path, data: bytes) -> None:
        if not write_atomic(path, data):
            # A read-only or full disk degrades to a memory cache; it is not an error.
            self.disk_errors += 1

    def _write_pending(self, path: Path, data: bytes) -> None:
        try:
            self._write_now(path, data)
        finally:
            if self._pending.get(path) is data:
                del self._pending[path]

    def _run_in_order(self, fn: Callable[..., None], *args: Any) -> None:
        """Run ``fn`` now, or on the writer thread after what was queued before it."""
        if not self._write_behind:
            fn(*args)
            return
        if self._writer is None:
            self._writer = ThreadPoolExecutor(1, thread_name_prefix="regview-cache-writer")
        self._writer.submit(fn, *args)

    def flush(self) -> None:
        """Wait until every queued write is on disk (blocking: call it from a thread)."""
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.shutdown(wait=True)


def _unlink(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
