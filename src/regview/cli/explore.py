"""The explorer: ``regview [FLAGS] [TARGET]`` with no command starts the TUI.

Textual is imported only when the explorer starts, never by the scripting commands.

The explorer needs a terminal: Textual draws on standard error, sizes itself from
standard output and reads keys from standard input. When standard input is a pipe
(``echo pw | regview -u USER --password-stdin HOST``) keys come from the controlling
terminal, ``/dev/tty``, once the password has been read; with no terminal at all (a
cron job, ``regview HOST </dev/null >/dev/null``) the explorer refuses at once.
Without that, Textual read end-of-file from the pipe in a loop (100% CPU) while the
terminal, never put in raw mode, echoed the keys.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from regview.cli.common import UsageError, client_pool

if TYPE_CHECKING:
    from regview.registry import ClientPool, Settings
    from regview.targets import Opened
    from regview.tui.app import RegviewApp
    from regview.tui.screens.start import StartChoice

__all__ = ["add_arguments", "build_explorer", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The explorer's own arguments (the global flags are added by the caller)."""
    parser.add_argument(
        "target",
        nargs="?",
        metavar="TARGET",
        help="HOST, HOST/REPO, HOST/REPO:TAG, HOST/REPO@DIGEST or oci:PATH",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="open the embedded demo (a TARGET is then REPO[:TAG|@DIGEST] in it)",
    )
    parser.add_argument(
        "--allow-delete",
        action="store_true",
        help="offer D: delete a tag's manifest (by digest, after a confirmation naming "
        "every tag that goes with it)",
    )
    parser.add_argument(
        "--keymap",
        type=Path,
        default=None,
        metavar="PATH",
        help="key bindings file (default ~/.config/regview/keys.toml)",
    )


_SCRIPTING = "scripts use the commands: regview -h"


def run(args: argparse.Namespace) -> int:
    """Start the explorer and wait until it exits."""
    keys = _terminal_for_keys()  # before anything is read or sent: refuse at once
    try:
        app, pool = build_explorer(args)  # reads the --password-stdin line
        if keys is not None:
            os.dup2(keys, 0)  # Textual reads keys from descriptor 0
    finally:
        if keys is not None:
            os.close(keys)
    try:
        result = app.run()
    finally:
        pool.cache.flush()  # the cache writes still queued when the app closed
    return result if isinstance(result, int) else 0


def _terminal_for_keys() -> int | None:
    """A descriptor of the controlling terminal when standard input is not one (the
    explorer's stdin becomes it once the password is read); None when stdin is the
    terminal already. Raises :class:`UsageError` when there is no terminal to use."""
    if os.environ.get("TEXTUAL_DRIVER") or os.name != "posix":
        return None  # another driver (textual-serve's web driver) brings its own input
    for name, stream in (("output", sys.__stdout__), ("error", sys.__stderr__)):
        if stream is None or not stream.isatty():
            raise UsageError(
                f"the explorer needs a terminal (standard {name} is not one); {_SCRIPTING}"
            )
    if sys.__stdin__ is not None and sys.__stdin__.isatty():
        return None
    try:
        return os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        raise UsageError(
            f"the explorer needs a terminal (none to read keys from); {_SCRIPTING}"
        ) from None


def build_explorer(args: argparse.Namespace) -> tuple[RegviewApp, ClientPool]:
    """The explorer app as ``regview [FLAGS] [TARGET]`` runs it, and the client pool
    behind it (flush its cache once the app has exited). Tests build it here too."""
    from regview.recent import remember
    from regview.registry import parse_target
    from regview.targets import DEMO, open_target, split_local_reference

    target_text: str | None = DEMO if args.demo else args.target
    registries: list[str] = []
    if target_text is not None and target_text != DEMO and not target_text.startswith("oci:"):
        registries = [parse_target(target_text).registry]
    pool = client_pool(args, registries)
    settings = pool.settings

    def opener(text: str) -> Opened:
        return open_target(text, pool.get, settings)

    def opened(text: str) -> None:
        # Called by the app once the target's first request succeeded: a target that
        # never answered (127.0.0.1:1, a typo) is not offered again.
        if text.strip() != DEMO:
            remember(settings.state_root(), text.strip())

    from regview.tui.app import create_app

    if target_text is None:
        app = create_app(
            None,
            settings=settings,
            opener=opener,
            start_choices=_start_choices(settings),
            on_target_opened=opened,
            allow_delete=getattr(args, "allow_delete", False),
        )
        return app, pool
    first = opener(target_text)
    repository, reference = first.repository, first.reference
    if args.demo and args.target:  # regview --demo acme/web:latest
        repository, reference = split_local_reference(args.target)
    app = create_app(
        first.source,
        settings=settings,
        repository=repository,
        reference=reference,
        opener=opener,
        target=target_text,
        on_target_opened=opened,
        allow_delete=getattr(args, "allow_delete", False),
    )
    return app, pool


def _start_choices(settings: Settings) -> list[StartChoice]:
    """The picker's list: the demo, recent targets, registries in the auth files."""
    from regview.recent import load_recent
    from regview.registry import CredentialsError, CredentialStore
    from regview.targets import DEMO
    from regview.tui.screens.start import StartChoice

    choices = [StartChoice(DEMO, "the embedded demo")]
    seen = {DEMO}
    for target in load_recent(settings.state_root()):
        if target not in seen:
            seen.add(target)
            choices.append(StartChoice(target, "recent"))
    try:
        known = CredentialStore(auth_files=settings.auth_files).registries()
    except CredentialsError:
        known = []
    for registry in known:
        if registry not in seen:
            seen.add(registry)
            choices.append(StartChoice(registry, "in your auth files"))
    return choices
