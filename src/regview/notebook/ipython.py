"""What ``import regview.notebook`` sets up in IPython (and only when IPython runs).

* The registry's models (:class:`~regview.registry.FetchedManifest`,
  :class:`~regview.registry.FetchedConfig`, manifests, configs, descriptors,
  :class:`~regview.registry.TagInfo`) display as HTML: their renderers
  (:mod:`regview.notebook.models_html`) are registered with the shell's ``text/html``
  formatter, and a one-line summary with the ``text/plain`` one (their repr holds the raw
  bytes). ``regview.registry`` itself never learns about Jupyter.
* A :class:`~regview.registry.RegistryError` raised in a cell shows as one line,
  ``NotFound: acme/web:nope not found``, as the CLI prints it, instead of a traceback
  through the client's internals; ``%tb`` still shows the whole traceback. This is left
  alone when the shell already has a custom exception handler.

Nothing here imports IPython: the running shell is found through ``sys.modules``.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any

from regview.notebook.secrets import hide_message
from regview.registry import RegistryError
from regview.textsafe import visible

__all__ = ["current_shell", "error_message", "install", "one_line_error"]


def current_shell() -> Any | None:
    """The running IPython shell, or None (IPython not imported, or not running)."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None
    get = getattr(ipython, "get_ipython", None)
    return get() if get is not None else None


def error_message(error: BaseException) -> str:
    """The error's message with control characters visible and credentials hidden."""
    return visible(hide_message(str(error)), limit=2000)


def one_line_error(error: BaseException) -> str:
    """``Kind: message``, as a cell shows a :class:`~regview.registry.RegistryError`."""
    return f"{type(error).__name__}: {error_message(error)}"


def _registry_error(
    shell: Any,
    etype: type[BaseException],
    value: BaseException,
    tb: TracebackType | None,
    tb_offset: int | None = None,
) -> list[str]:
    # Keep what %tb and the debugger read.
    sys.last_type, sys.last_value, sys.last_traceback = etype, value, tb
    stb = [one_line_error(value)]
    # The error output (saved in the notebook) holds the cleaned message, not the raw one.
    shell._showtraceback(etype, error_message(value), stb)
    return stb


def install(shell: Any | None = None) -> bool:
    """Register the HTML renderers and the one-line error with ``shell`` (default: the
    running one). Returns False when there is no shell. Safe to call again."""
    from regview.notebook.models_html import FORMATTERS, pretty_printer

    shell = shell if shell is not None else current_shell()
    if shell is None or not hasattr(shell, "display_formatter"):
        return False
    formatters = shell.display_formatter.formatters
    for kind, render in FORMATTERS:
        formatters["text/html"].for_type(kind, render)
        # The default text is the dataclass repr: raw bytes, and whatever they hold.
        formatters["text/plain"].for_type(kind, pretty_printer)
    handled = getattr(shell, "custom_exceptions", ())
    if handled in ((), (RegistryError,)):
        shell.set_custom_exc((RegistryError,), _registry_error)
    return True
