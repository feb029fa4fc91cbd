"""One place where a failed worker becomes a notification (never a crash or traceback).

``Worker.StateChanged`` does not bubble, so every widget that runs workers forwards it
here from its ``on_worker_state_changed``; each pane has already put its inline marker.
"""

from __future__ import annotations

from textual.dom import DOMNode
from textual.worker import Worker, WorkerState

from regview.registry import RegistryError
from regview.tui.text import visible

__all__ = ["failure_message", "report_failure"]


def failure_message(error: BaseException | None) -> str:
    if isinstance(error, RegistryError):
        return str(error)
    name = type(error).__name__ if error is not None else "unknown"
    return f"internal error: {name}: {error}"


def report_failure(node: DOMNode, event: Worker.StateChanged) -> None:
    """Notify the user if ``event`` says a worker failed."""
    if event.state is not WorkerState.ERROR:
        return
    worker: Worker[object] = event.worker
    node.app.notify(
        visible(failure_message(worker.error), 300),
        title="error",
        severity="error",
        markup=False,
        timeout=6,
    )
