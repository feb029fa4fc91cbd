"""Keys typed in one burst with the filter key belong to the filter input.

"/we" typed fast, pasted, or batched by SSH arrives as one burst: every key of it is
dispatched to the focused list before the filter action runs and moves focus, so
without this "we" vanishes (and "j"/"k" move the cursor). A widget feeds its key
events here; the screen takes what was kept once the filter input has focus.
"""

from __future__ import annotations

from textual import events
from textual.widget import Widget

__all__ = ["TypeAhead"]


class TypeAhead:
    def __init__(self) -> None:
        self._keys: list[str] | None = None

    def feed(
        self, widget: Widget, event: events.Key, actions: tuple[str, ...] = ("filter",)
    ) -> None:
        """Look at a key the widget received; keep it if a filter (or another of
        ``actions`` that opens an input) is opening."""
        if self._keys is not None:
            if event.is_printable and event.character:
                self._keys.append(event.character)
                event.prevent_default()
                event.stop()
            return
        active = widget.app.active_bindings.get(event.key)
        if active is not None and active.binding.action.rsplit(".", 1)[-1] in actions:
            self._keys = []

    def take(self) -> str:
        """What was typed after the filter key; stops keeping keys."""
        text = "".join(self._keys or ())
        self._keys = None
        return text

    def reset(self) -> None:
        self._keys = None
