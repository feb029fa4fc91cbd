"""``serve``: the explorer in a web browser, one app process per tab (:mod:`regview.serve`).

The server runs its own event loop (aiohttp's) and each tab's app its own clients, so
this command is standalone: no client pool is made for it here.
"""

from __future__ import annotations

import argparse

from regview.cli.common import Command

ORDER = 40
"""After the scripting commands in ``regview -h``."""


def _arguments(p: argparse.ArgumentParser) -> None:
    from regview.serve.options import add_arguments

    add_arguments(p)


def _serve(args: argparse.Namespace) -> int:
    from regview.serve.command import run

    return run(args)


COMMANDS = (
    Command(
        "serve",
        "serve the explorer to web browsers (a token in the URL; loopback unless --public)",
        _arguments,
        lambda args: [],
        None,
        standalone=_serve,
    ),
)
