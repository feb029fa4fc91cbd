"""The explorer: ``regview [FLAGS] [TARGET]`` with no command starts the TUI.

Textual is imported only when the explorer starts, never by the scripting commands.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from regview.cli.common import client_pool

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
    parser.add_argument("--demo", action="store_true", help="open the embedded demo")
    parser.add_argument(
        "--keymap",
        type=Path,
        default=None,
        metavar="PATH",
        help="key bindings file (default ~/.config/regview/keys.toml)",
    )


def run(args: argparse.Namespace) -> int:
    """Start the explorer and wait until it exits."""
    app, pool = build_explorer(args)
    try:
        result = app.run()
    finally:
        pool.cache.flush()  # the cache writes still queued when the app closed
    return result if isinstance(result, int) else 0


def build_explorer(args: argparse.Namespace) -> tuple[RegviewApp, ClientPool]:
    """The explorer app as ``regview [FLAGS] [TARGET]`` runs it, and the client pool
    behind it (flush its cache once the app has exited). Tests build it here too."""
    from regview.recent import remember
    from regview.registry import parse_target
    from regview.targets import DEMO, open_target

    target_text: str | None = DEMO if args.demo else args.target
    registries: list[str] = []
    if target_text is not None and target_text != DEMO and not target_text.startswith("oci:"):
        registries = [parse_target(target_text).registry]
    pool = client_pool(args, registries)
    settings = pool.settings

    def opener(text: str) -> Opened:
        opened = open_target(text, pool.get, settings)
        if text.strip() != DEMO:
            remember(settings.state_root(), text.strip())
        return opened

    from regview.tui.app import create_app

    if target_text is None:
        app = create_app(
            None, settings=settings, opener=opener, start_choices=_start_choices(settings)
        )
        return app, pool
    opened = opener(target_text)
    app = create_app(
        opened.source,
        settings=settings,
        repository=opened.repository,
        reference=opened.reference,
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
