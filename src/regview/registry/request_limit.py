"""How many requests one registry may have in flight: a semaphore that can be resized.

A registry over HTTP/1.1 gets ``Settings.concurrency`` requests at once (one connection
each); over HTTP/2 they are streams on one connection, and the limit is raised to
``Settings.http2_streams`` once the transport knows which protocol the registry speaks.
Shrinking never interrupts a request: places are simply not handed out again until fewer
than the new size are held.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib

__all__ = ["RequestLimit"]


class RequestLimit:
    """A FIFO semaphore of ``size`` places whose size may change while places are held."""

    def __init__(self, size: int) -> None:
        self._size = max(1, size)
        self._held = 0
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    @property
    def size(self) -> int:
        """How many places there are now."""
        return self._size

    @property
    def held(self) -> int:
        """How many places are taken now."""
        return self._held

    def resize(self, size: int) -> None:
        """Change the number of places (at least one); waiters get any new room at once."""
        self._size = max(1, size)
        self._wake()

    async def acquire(self) -> None:
        """Wait for a place, first come first served."""
        if self._held < self._size and not self._waiters:
            self._held += 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # the place was given just as the waiter was cancelled
            else:
                with contextlib.suppress(ValueError):  # already taken off by _wake
                    self._waiters.remove(waiter)
            raise

    def release(self) -> None:
        """Give a place back."""
        self._held -= 1
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self._held < self._size:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self._held += 1
                waiter.set_result(None)
