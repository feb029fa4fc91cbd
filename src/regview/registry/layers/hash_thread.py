"""sha256 off the parsing thread: updates queued in order, hashed by one worker thread.

Indexing a layer hashes every uncompressed byte twice (the diff_id of the whole stream,
and each regular file's content for the TOC), while decompressing and parsing in the
same thread. ``hashlib`` releases the GIL while it hashes a large buffer, so a second
thread can hash while the first one parses, on another core. The indexer gives it the
diff_id: one update per decompressed piece (up to 256 KiB), so the worker needs the GIL
once per piece; and the content of large files, while it keeps up (:attr:`busy` says
when it does not: the parser then hashes the next large file itself, so that neither
thread waits for the other). Small files stay with the parser: a layer of small files
would make one short update per file, and a thread that takes the GIL back after every
short update waits for the parser to let go of it each time (measured: slower than
hashing in the parser's own thread).

:class:`HashThread` takes updates (``hasher``, piece of data) with :meth:`update`,
gathers them in a batch, and hands each batch to its worker with :meth:`flush`. The
worker applies them in the order they were made. The data must not change after it is
handed over: ``bytes``, or a ``memoryview`` of ``bytes``. The queue holds at most
``max_batches`` batches; :meth:`flush` blocks while it is full, so the bytes waiting to
be hashed stay bounded (a few pieces of the decompressor's output), whatever the
layer's size. :meth:`drain` waits until everything submitted is hashed; :meth:`close`
stops the worker (a state dropped without closing stops it too, when collected).
"""

from __future__ import annotations

import queue
import threading
import weakref
from typing import Final, Protocol

__all__ = ["MAX_BATCHES", "HashThread", "Hasher"]

#: Batches waiting for the worker at most (each refers to one piece of the stream).
MAX_BATCHES: Final = 4


class Hasher(Protocol):
    """What :class:`HashThread` needs of a ``hashlib`` object."""

    def update(self, data: bytes | memoryview, /) -> None: ...


#: One queued step: update ``hasher`` with the data.
_Step = tuple[Hasher, bytes | memoryview]
_STOP: Final = None


def _work(steps: queue.Queue[list[_Step] | None], failed: list[BaseException]) -> None:
    """The worker: apply batches in order until told to stop. Holds no owner reference."""
    while True:
        batch = steps.get()
        try:
            if batch is _STOP:
                return
            if not failed:
                for hasher, data in batch:
                    hasher.update(data)
        except BaseException as exc:  # reported by drain(), in the submitting thread
            failed.append(exc)
        finally:
            steps.task_done()


class HashThread:
    """A worker thread that hashes submitted pieces in order (started on first use)."""

    def __init__(self, *, max_batches: int = MAX_BATCHES) -> None:
        self._steps: queue.Queue[list[_Step] | None] = queue.Queue(maxsize=max(1, max_batches))
        self._failed: list[BaseException] = []
        self._batch: list[_Step] = []
        self._thread: threading.Thread | None = None
        self._finalizer: weakref.finalize[..., HashThread] | None = None
        self._closed = False

    def update(self, hasher: Hasher, data: bytes | memoryview) -> None:
        """Queue ``hasher.update(data)``; ``data`` must never change afterwards."""
        self._batch.append((hasher, data))

    def flush(self) -> None:
        """Hand the steps gathered so far to the worker (blocks while its queue is full)."""
        if not self._batch:
            return
        if self._closed:
            raise RuntimeError("the hash thread is closed")
        if self._thread is None:
            self._thread = threading.Thread(
                target=_work, args=(self._steps, self._failed), name="regview-hash", daemon=True
            )
            self._thread.start()
            # A state dropped without close() (a cancelled index) still stops its worker.
            self._finalizer = weakref.finalize(self, self._steps.put, _STOP)
        batch, self._batch = self._batch, []
        self._steps.put(batch)

    def drain(self) -> None:
        """Flush, then wait until every step is done; re-raise what the worker raised."""
        self.flush()
        if self._thread is not None:
            self._steps.join()
        if self._failed:
            raise self._failed[0]

    @property
    def busy(self) -> bool:
        """True when the worker is behind: more than one batch waits for it."""
        return self._steps.qsize() > 1

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed

    def close(self) -> None:
        """Stop the worker without waiting for the steps not yet flushed."""
        self._batch = []
        if self._closed:
            return
        self._closed = True
        if self._finalizer is not None:
            self._finalizer.detach()
        if self._thread is not None:
            self._steps.put(_STOP)
            self._thread.join()
