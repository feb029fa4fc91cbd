"""Tasks on the kernel's running loop, one per slot: a new one cancels the one it replaces.

Every load the widget starts goes through :meth:`Tasks.start` with the slot of what it
fills (``"tags"``, ``"tree"``, ``"details"``, ...). Starting a task in a slot cancels the
task running there (the user clicked something else); a task that fails reports its
one-line message through ``on_error`` (a registry error's own message, or ``internal
error: ...``, which is also logged with its traceback), so no failure is ever lost and
no task is left unreferenced.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from regview.notebook.explorer.text import failure_message
from regview.registry import RegistryError

__all__ = ["Tasks"]

log = logging.getLogger("regview.notebook")

ErrorHandler = Callable[[str, str], None]
"""``on_error(slot, message)``."""


class Tasks:
    """Named slots of at most one running task each."""

    def __init__(self, on_error: ErrorHandler, on_change: Callable[[], None] | None = None) -> None:
        self.on_error = on_error
        self.on_change = on_change
        self._slots: dict[str, asyncio.Task[None]] = {}

    def __len__(self) -> int:
        return len(self._slots)

    @property
    def running(self) -> list[str]:
        """The slots with a task."""
        return list(self._slots)

    def start(self, slot: str, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run ``work`` in ``slot``, cancelling what ran there."""
        self.cancel(slot)
        task = asyncio.get_running_loop().create_task(work, name=f"regview:{slot}")
        self._slots[slot] = task
        task.add_done_callback(lambda t: self._done(slot, t))
        self._changed()
        return task

    def cancel(self, *slots: str) -> None:
        """Cancel the tasks of ``slots``."""
        for slot in slots:
            task = self._slots.pop(slot, None)
            if task is not None:
                task.cancel()

    def cancel_prefix(self, prefix: str) -> None:
        """Cancel every slot whose name starts with ``prefix``."""
        self.cancel(*(s for s in self._slots if s.startswith(prefix)))

    def cancel_all(self) -> None:
        """Cancel everything (the widget closes)."""
        self.cancel(*self._slots)

    def _done(self, slot: str, task: asyncio.Task[None]) -> None:
        if self._slots.get(slot) is task:
            del self._slots[slot]
        if not task.cancelled():
            error = task.exception()
            if error is not None:
                if not isinstance(error, RegistryError):
                    log.error("widget task %s failed", slot, exc_info=error)
                try:
                    self.on_error(slot, failure_message(error))
                except Exception:
                    log.exception("reporting the failure of widget task %s failed", slot)
        self._changed()

    def _changed(self) -> None:
        if self.on_change is not None:
            try:
                self.on_change()
            except Exception:
                log.exception("updating the widget after a task failed")

    async def wait_idle(self) -> None:
        """Return once no task is running (tasks may start more tasks: wait for those)."""
        while self._slots:
            await asyncio.wait(list(self._slots.values()))
            await asyncio.sleep(0)  # let the done callbacks run
