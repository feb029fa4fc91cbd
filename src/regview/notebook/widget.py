"""The explorer as a Jupyter widget: repositories -> tags -> manifest tree -> details.

:func:`explore` returns an :class:`Explorer` (an anywidget). Its front end is an ES
module shipped in the package, four files of ``static/`` joined in order
(:data:`ESM_PARTS`; no build step, no network), styled by ``static/explorer.css``. The
kernel side is :mod:`regview.notebook.explorer`; this module only bridges it to the
widget: custom messages from the front end go to the controller, and the controller's
state goes into a few small synced traits.

Synced state (what ``widget.get_state()`` holds and a saved notebook keeps): the source
(name, user name), the start list, each pane's meta (title, row count, loading, error,
filter), the selection (breadcrumb, the references the copy buttons copy), the details
document of the node under the cursor, the files view's summary, the status line and
the last error. Rows travel only as custom messages for the window the front end shows,
so a 100,000-tag repository costs a few hundred bytes of state. No credential or token
is ever part of it: regview never puts one there, and one a registry echoes back is
replaced by ``<hidden>`` in the state and in every message.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from regview.notebook.explorer.messages import MessageController
from regview.notebook.secrets import hide_json, hide_message, remember_session
from regview.notebook.session import Session, session

__all__ = ["ESM_PARTS", "Explorer", "explore"]

log = logging.getLogger("regview.notebook")

_STATIC = Path(__file__).parent / "static"
#: The front end's ES module, in the order its parts are joined (the last one exports).
ESM_PARTS = ("list.js", "draw.js", "explorer.js", "actions.js")


#: The traits the controller publishes.
SYNCED = ("source", "start", "panes", "selection", "details", "files", "status", "error")


def _static(name: str) -> str:
    return (_STATIC / name).read_text(encoding="utf-8")


class Explorer(anywidget.AnyWidget):
    """Browse a registry, a repository or an OCI layout in a notebook."""

    _esm = "\n".join(_static(name) for name in ESM_PARTS)
    _css = _static("explorer.css")

    source = traitlets.Dict().tag(sync=True)
    """``{"name", "identity", "local"}`` of what is browsed (empty on the start list)."""
    start = traitlets.Dict().tag(sync=True)
    """``{"open", "choices": [{"target", "note"}], "busy"}``: the start list."""
    panes = traitlets.Dict().tag(sync=True)
    """Per pane (repos, tags, tree, files): title, length, version, loading, error, ..."""
    selection = traitlets.Dict().tag(sync=True)
    """``{"repository", "reference", "node", "crumbs", "refs": {"digest", "tag"}}``."""
    details = traitlets.Dict().tag(sync=True)
    """``{"node", "blocks"}``: the details document (see :mod:`.explorer.details`)."""
    files = traitlets.Dict().tag(sync=True)
    """The files view: open, title, progress, summary, sort, filter, error."""
    status = traitlets.Dict().tag(sync=True)
    """The status line: source, identity, requests, cache hits, in flight, budget, tasks."""
    error = traitlets.Unicode("").tag(sync=True)
    """The last failure, one line ('' when the last action went well)."""

    def __init__(self, session: Session, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: The loop (and thread) of the kernel that made the widget: every load runs there,
        #: where the registry clients live.
        self._loop = asyncio.get_running_loop()
        self._thread = threading.get_ident()
        self.controller = MessageController(self, session)
        self.on_msg(self._on_msg)

    # --- the controller's sink ------------------------------------------------------------

    def publish(self, **state: Any) -> None:
        """Set synced traits, in one message. A credential a registry echoed back (in an
        error, a label...) is hidden first (:mod:`regview.notebook.secrets`)."""
        remember_session(self.controller.session)
        with self.hold_sync():
            for name, value in state.items():
                setattr(self, name, hide_message(value) if name == "error" else hide_json(value))

    def send(self, content: dict[str, Any], buffers: Any = None) -> None:
        """Send a custom message to the front end (a no-op once the widget is closed),
        with echoed credentials hidden."""
        if self.comm is not None:
            remember_session(self.controller.session)
            super().send(hide_json(content), buffers)

    def _on_msg(self, _widget: object, content: object, _buffers: object) -> None:
        # ipykernel 7 may hand a comm message to a subshell: another thread, another event
        # loop. The work belongs on the kernel's own loop, where the clients were made.
        if threading.get_ident() == self._thread:
            self.controller.handle(content)
            return
        try:
            self._loop.call_soon_threadsafe(self.controller.handle, content)
        except RuntimeError:
            log.warning("the kernel's event loop is closed: a widget message was dropped")

    # --- for notebooks and tests ----------------------------------------------------------

    async def idle(self) -> Explorer:
        """Wait until every load started so far (and those they started) has finished,
        then send the whole state again: a notebook run without a page (nbclient,
        papermill) only keeps the updates sent while a cell runs, and the loads may have
        finished between two cells."""
        await self.controller.tasks.wait_idle()
        if self.comm is not None:
            self.send_state(key=list(SYNCED))
        return self

    def click(self, message: dict[str, Any]) -> None:
        """Act on ``message`` as if the front end had sent it (see
        :mod:`regview.notebook.explorer.messages`)."""
        self.controller.handle(message)

    def close(self) -> None:
        """Stop every load and close the widget."""
        self.controller.close()
        super().close()


def explore(target: str | None = None, **settings: Any) -> Explorer:
    """An explorer widget on ``target``: ``HOST``, ``HOST/REPO``, a reference
    (``HOST/REPO:TAG``, ``@sha256:…``), ``oci:PATH`` or ``demo``; with no target, a list
    of the demo and the recent targets. ``settings`` are keyword names of
    :class:`~regview.registry.Settings` (``cache_dir``, ``plain_http``, ``auth_files``...).

    Call it in a notebook cell (it runs its loads on the kernel's event loop); ``await
    widget.idle()`` waits for what it started. A target that cannot be opened shows its
    error in the widget, with the start list.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        raise RuntimeError(
            "explore() needs a running event loop: call it in a Jupyter notebook cell "
            "(or from async code)"
        ) from None
    widget = Explorer(session(**settings))
    controller = widget.controller
    controller.show_start()
    if target is not None and target.strip():
        controller.open_target(target)
    return widget
