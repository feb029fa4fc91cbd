"""The custom messages the front end sends, decoded and checked, then acted on.

Every message is a JSON object with a ``type``:

==============  ==============================================  ================================
type            fields                                          does
==============  ==============================================  ================================
``window``      ``pane``, ``start``, ``stop``                   rows shown (answered with them)
``open``        ``pane`` (repos, tags), ``row``, ``version``    opens the repository / tag
``start``       ``index``                                       opens an entry of the start list
``target``      ``text``                                        opens what the user typed
``repository``  ``name``                                        a typed repository (no catalog)
``filter``      ``pane`` (repos, tags, files), ``query``        filters that list
``select``      ``node``                                        details of a tree node
``toggle``      ``node``, optional ``open`` (bool)              opens/closes a tree node
``enter``       ``node``                                        opens it, or its files
``action``      ``node``, ``id`` (files, merged, raw)           a button of the details pane
``raw``         ``pane`` (tags), ``row``, ``version``           raw JSON of a tag's manifest
``files``       ``op`` (close, toggle, sort, largest, layers),  the files view
                ``row`` and ``version``, or ``sort``
``reload``      ``pane``                                        reads a pane again
==============  ==============================================  ================================

Rows are addressed by (``row``, ``version``): a click on a row of a list that has changed
since (another filter, another repository) is ignored. Nothing the front end sends is
registry text, except what the user typed (a filter, a target, a repository name).

The kernel sends ``rows`` (``pane``, ``version``, ``length``, ``start``, ``rows``: a window
of a list), ``cursor`` (``pane``, ``row``: put the cursor there), ``raw`` (``title``,
``text``, ``bytes``, ``cut``), ``focus`` (``pane``) and ``say`` (``text``: a notice).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from regview.notebook.explorer.controller import Controller
from regview.notebook.explorer.text import failure_message
from regview.registry import RegistryError

log = logging.getLogger("regview.notebook")

__all__ = ["HANDLERS", "BadMessage", "MessageController"]

#: The longest text a user types that the kernel accepts (a filter, a target).
MAX_TEXT = 2048


class BadMessage(ValueError):
    """A message that does not say what it needs to (ignored, logged)."""


def _int(message: dict[str, Any], key: str) -> int:
    value = message.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadMessage(f"{key} must be an integer")
    return value


def _text(message: dict[str, Any], key: str) -> str:
    value = message.get(key)
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise BadMessage(f"{key} must be a string of at most {MAX_TEXT} characters")
    return value


def _pane(message: dict[str, Any], allowed: tuple[str, ...]) -> str:
    pane = message.get("pane")
    if pane not in allowed:
        raise BadMessage(f"pane must be one of {', '.join(allowed)}")
    assert isinstance(pane, str)
    return pane


def _row_item(c: Controller, message: dict[str, Any], pane: str) -> str | None:
    """The item of the row a message names, if its version is still the one shown."""
    rows = c.repos if pane == "repos" else c.tags.list
    if _int(message, "version") != rows.version:
        return None
    return rows.item(_int(message, "row"))


def window(c: Controller, message: dict[str, Any]) -> None:
    pane = _pane(message, ("repos", "tags", "tree", "files"))
    c.lists[pane].set_window(_int(message, "start"), _int(message, "stop"))
    c.push(pane)
    if pane == "tags":
        c.fill_columns()


def open_row(c: Controller, message: dict[str, Any]) -> None:
    pane = _pane(message, ("repos", "tags"))
    item = _row_item(c, message, pane)
    if item is None:
        return
    if pane == "repos":
        c.open_repository(item)
    elif c.tags.repository is not None:
        c.pane("tags", selected=_int(message, "row"))
        c.open_reference(c.tags.repository, item)


def start(c: Controller, message: dict[str, Any]) -> None:
    target = c.start_choice(_int(message, "index"))
    if target is not None:
        c.open_target(target)


def target(c: Controller, message: dict[str, Any]) -> None:
    text = _text(message, "text").strip()
    if text:
        c.open_target(text)


def repository(c: Controller, message: dict[str, Any]) -> None:
    name = _text(message, "name").strip()
    if name and c.source is not None:
        c.add_repository(name)


def filter_list(c: Controller, message: dict[str, Any]) -> None:
    pane = _pane(message, ("repos", "tags", "files"))
    query = _text(message, "query")
    if pane == "files":
        c.files_view.filter(query)
        return
    rows = c.repos if pane == "repos" else c.tags.list
    picked = c.tags.repository if pane == "repos" else c.reference

    async def run() -> None:
        if not await rows.set_filter(query):
            return
        selected = rows.row_of(picked) if picked is not None else None
        c.push(pane, query=query[:200], selected=-1 if selected is None else selected)
        c.cursor(pane, 0 if selected is None else selected)
        if pane == "tags":
            c.fill_columns(debounce=False)

    c.tasks.start(f"filter:{pane}", run())


def _node(c: Controller, message: dict[str, Any]) -> Any:
    return c.find_node(_int(message, "node"))


def select(c: Controller, message: dict[str, Any]) -> None:
    node = _node(c, message)
    if node is not None:
        c.select_node(node)


def toggle(c: Controller, message: dict[str, Any]) -> None:
    node = _node(c, message)
    want = message.get("open")
    if node is not None:
        c.toggle(node, want=want if isinstance(want, bool) else None)


def enter(c: Controller, message: dict[str, Any]) -> None:
    node = _node(c, message)
    if node is None:
        return
    if node.expandable and not node.expanded:
        c.toggle(node, want=True)
    elif node.kind == "layer" and c.files_view.open(node, c.crumbs()):
        return
    else:
        c.sink.send({"type": "focus", "pane": "details"})


def action(c: Controller, message: dict[str, Any]) -> None:
    node = _node(c, message)
    what = message.get("id")
    if node is None:
        return
    if what in ("files", "merged"):
        if not c.files_view.open(node, c.crumbs()):
            c.sink.send({"type": "say", "text": "Choose a layer, or an image, to see its files"})
    elif what == "raw":
        c.raw_of_node(node)


def raw(c: Controller, message: dict[str, Any]) -> None:
    _pane(message, ("tags",))
    item = _row_item(c, message, "tags")
    if item is not None:
        c.raw_of_tag(item)


def files(c: Controller, message: dict[str, Any]) -> None:
    op = message.get("op")
    if op == "close":
        c.files_view.close()
    elif op == "toggle":
        rows = c.files_view.rows
        if rows is not None and _int(message, "version") == rows.version:
            c.files_view.toggle(_int(message, "row"))
    elif op == "sort":
        key = message.get("sort")
        if key in ("name", "size"):
            c.files_view.sort("size" if key == "size" else "name")
    elif op == "largest":
        c.files_view.largest()
    elif op == "layers":
        c.files_view.layers()


def reload(c: Controller, message: dict[str, Any]) -> None:
    c.reload(_pane(message, ("repos", "tags", "tree")))


HANDLERS: dict[str, Callable[[Controller, dict[str, Any]], None]] = {
    "window": window,
    "open": open_row,
    "start": start,
    "target": target,
    "repository": repository,
    "filter": filter_list,
    "select": select,
    "toggle": toggle,
    "enter": enter,
    "action": action,
    "raw": raw,
    "files": files,
    "reload": reload,
}
"""Message type -> what it does."""


class MessageController(Controller):
    """The controller the widget drives: it acts on the front end's messages.

    (The handlers above need the controller, so acting on messages lives here, not in
    :mod:`.controller`, which then needs nothing of this module.)
    """

    def handle(self, message: object) -> None:
        """Act on one message of the front end (see :mod:`.messages`); a failure shows on
        the error line, a malformed message is logged and ignored."""
        if not isinstance(message, dict):
            log.warning("ignored a widget message that is not an object")
            return
        kind = message.get("type")
        handler = HANDLERS.get(kind) if isinstance(kind, str) else None
        if handler is None:
            log.warning("ignored a widget message of type %r", kind)
            return
        try:
            handler(self, message)
        except BadMessage as exc:
            log.warning("ignored a malformed %s message: %s", kind, exc)
        except RegistryError as exc:
            self.error(failure_message(exc))
        except Exception as exc:
            log.exception("handling a %s message failed", kind)
            self.error(failure_message(exc))

