"""Content being read: a protocol the viewer reads from, and a spool that implements it.

A viewer never holds a file whole. It asks a :class:`ContentSource` for a window of
bytes (``read(offset, length)``), which waits until those bytes have arrived.
:class:`SpooledContent` runs a producer (``read_file`` of a layer, a blob download) that
pushes pieces to ``write``; the pieces go to an anonymous temporary file (the spool), so
memory stays bounded however large the content is, and any window can be read again.

``write`` may be called from a worker thread (``read_file`` calls it from one): the spool
file is written with ``pwrite`` under a lock and readers on the event loop are woken with
``call_soon_threadsafe``. After :meth:`SpooledContent.aclose`, ``write`` raises
:class:`SpoolClosed`, which stops a producer thread that cancellation cannot reach.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import threading
from collections.abc import Awaitable, Callable
from typing import Protocol, runtime_checkable

__all__ = [
    "DEFAULT_SPOOL_LIMIT",
    "ContentSource",
    "SpoolClosed",
    "SpooledContent",
    "one_line_reason",
]

#: Bytes a spool of unknown size accepts before it stops the producer (disk, not memory).
DEFAULT_SPOOL_LIMIT = 16 * 1024**3

#: Reads larger than this run in a thread (a disk read must not stall the event loop).
_READ_IN_THREAD = 1 << 20

Write = Callable[[bytes], None]
Producer = Callable[[Write], Awaitable[object]]


@runtime_checkable
class ContentSource(Protocol):
    """Bytes that may still be arriving, read by window."""

    @property
    def title(self) -> str:
        """What the content is (a path, a digest). Untrusted: display with textsafe."""
        ...

    @property
    def size(self) -> int | None:
        """Total bytes, when known."""
        ...

    @property
    def received(self) -> int:
        """Bytes readable now without waiting."""
        ...

    @property
    def done(self) -> bool:
        """No more bytes will come (all arrived, or the stream failed or was closed)."""
        ...

    @property
    def error(self) -> str | None:
        """One-line reason the stream stopped, if it failed."""
        ...

    async def read(self, offset: int, length: int) -> bytes:
        """``length`` bytes at ``offset``, waiting for them; short (or ``b""``) at the end."""
        ...

    async def aclose(self) -> None:
        """Stop reading and free what the source holds."""
        ...


class SpoolClosed(Exception):
    """The spool was closed: its producer must stop."""


def one_line_reason(exc: BaseException, limit: int = 300) -> str:
    """A failure as one line: the message (its first line) or the exception's type."""
    text = str(exc).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    if type(exc).__module__.split(".")[0] != "regview" and str(exc):
        line = f"{type(exc).__name__}: {line}"
    return line if len(line) <= limit else line[: limit - 1] + "…"


class SpooledContent:
    """A :class:`ContentSource` fed by a producer, spooled to an anonymous temp file.

    ``produce(write)`` starts as a task at once (so this must be built on a running event
    loop). A producer that writes more than ``size`` bytes, or ends short of it, fails the
    stream with a one-line :attr:`error`; so does one of unknown size past ``limit``.
    """

    def __init__(
        self,
        title: str,
        size: int | None,
        produce: Producer,
        *,
        limit: int = DEFAULT_SPOOL_LIMIT,
    ) -> None:
        self._title = title
        self._size = size
        self._limit = size if size is not None else limit
        self._file = tempfile.TemporaryFile(prefix="regview-spool-")  # noqa: SIM115
        self._fd = self._file.fileno()
        self._lock = threading.Lock()
        self._received = 0
        self._done = False
        self._closed = False
        self._error: str | None = None
        self._loop = asyncio.get_running_loop()
        self._waiters: list[asyncio.Future[None]] = []
        self._task = self._loop.create_task(self._run(produce))

    # --- the protocol -----------------------------------------------------------------

    @property
    def title(self) -> str:
        return self._title

    @property
    def size(self) -> int | None:
        return self._size

    @property
    def received(self) -> int:
        return self._received

    @property
    def done(self) -> bool:
        return self._done

    @property
    def error(self) -> str | None:
        return self._error

    async def read(self, offset: int, length: int) -> bytes:
        if offset < 0 or length < 0:
            raise ValueError("offset and length must not be negative")
        while not self._done and self._received < offset + length:
            waiter = self._loop.create_future()
            self._waiters.append(waiter)
            await waiter
        if self._closed:
            return b""
        end = min(offset + length, self._received)
        if end <= offset:
            return b""
        try:
            if end - offset > _READ_IN_THREAD:
                return await asyncio.to_thread(os.pread, self._fd, end - offset, offset)
            return os.pread(self._fd, end - offset, offset)
        except OSError:
            if self._closed:  # closed while the read ran
                return b""
            raise

    async def aclose(self) -> None:
        if self._closed:
            return
        with self._lock:
            self._closed = True
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):  # the outcome is moot
            await self._task
        self._finish(None)
        self._file.close()

    # --- the producer side ------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Append ``data`` (from the event loop or any thread)."""
        if not data:
            return
        with self._lock:
            if self._closed or self._done:
                raise SpoolClosed("the content is no longer wanted")
            if self._received + len(data) > self._limit:
                what = "its size" if self._size is not None else "the spool limit"
                raise OverflowError(
                    f"more than {self._limit:,} bytes ({what}): the content is refused"
                )
            os.pwrite(self._fd, data, self._received)
            self._received += len(data)
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody waits
            self._loop.call_soon_threadsafe(self._wake)

    async def _run(self, produce: Producer) -> None:
        try:
            await produce(self.write)
        except asyncio.CancelledError:
            self._finish("the read was cancelled")
            raise
        except SpoolClosed:
            self._finish(None)
            return
        except Exception as exc:  # any failure ends the stream with its reason
            self._finish(one_line_reason(exc))
            return
        if self._size is not None and self._received < self._size:
            self._finish(f"the content ended after {self._received:,} of {self._size:,} bytes")
        else:
            self._finish(None)

    def _finish(self, error: str | None) -> None:
        with self._lock:
            if self._done:
                return
            self._done = True
            if not self._closed:
                self._error = error
        self._wake()

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)
