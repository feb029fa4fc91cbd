"""Share one in-flight coroutine among every caller that asks for the same key.

When the last waiter is cancelled (the user moved on) the shared work is cancelled too;
cancelling one waiter while others still wait leaves the work running for them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class _Call(Generic[T]):
    __slots__ = ("task", "waiters")

    def __init__(self, task: asyncio.Task[T]) -> None:
        self.task = task
        self.waiters = 0


class SingleFlight(Generic[T]):
    def __init__(self) -> None:
        self._calls: dict[Hashable, _Call[T]] = {}

    def __len__(self) -> int:
        return len(self._calls)

    async def do(self, key: Hashable, factory: Callable[[], Awaitable[T]]) -> T:
        call = self._calls.get(key)
        if call is None:
            task: asyncio.Task[T] = asyncio.ensure_future(factory())
            call = _Call(task)
            self._calls[key] = call

            def _forget(_: asyncio.Task[T], key: Hashable = key, call: _Call[T] = call) -> None:
                if self._calls.get(key) is call:
                    del self._calls[key]

            task.add_done_callback(_forget)
        call.waiters += 1
        try:
            return await asyncio.shield(call.task)
        except asyncio.CancelledError:
            if not call.task.done() and call.waiters == 1:
                call.task.cancel()
            raise
        finally:
            call.waiters -= 1
