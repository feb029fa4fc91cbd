"""Find the commands, build the parser, run what the command line names.

Every module of this package that defines ``COMMANDS`` (a tuple of
:class:`~regview.cli.common.Command`) is a command group: adding a command means
writing its arguments, its registries and its handler in one module. ``ORDER`` in
that module places its commands in ``regview -h``. Which options take a value, which
word names a command, the help texts and the handlers all come from those records.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Iterable, Sequence
from functools import cache

from regview import __version__
from regview.cli.common import (
    Command,
    Parser,
    UsageError,
    add_global_flags,
    client_pool,
    fail,
    silence_stdout,
    skip_unused_imports,
)
from regview.cli.explore import add_arguments as add_explorer_arguments
from regview.cli.explore import run as run_explorer

__all__ = ["build_parser", "commands", "find_command", "main", "parse_args", "value_flags"]


@cache
def commands() -> dict[str, Command]:
    """Every command, by name, in the order ``regview -h`` lists them."""
    groups: list[tuple[int, str, tuple[Command, ...]]] = []
    for name in _module_names():
        module = importlib.import_module(f"regview.cli.{name}")
        listed = getattr(module, "COMMANDS", None)
        if listed is not None:
            groups.append((int(getattr(module, "ORDER", 1000)), name, tuple(listed)))
    found: dict[str, Command] = {}
    for _order, module_name, group in sorted(groups):
        for command in group:
            if command.name in found:
                raise RuntimeError(f"two commands named {command.name!r} ({module_name})")
            found[command.name] = command
    return found


def _module_names() -> list[str]:
    """The modules of this package, from its directory (``pkgutil`` would cost
    ``regview --version`` 3 ms of zipfile imports)."""
    names = set()
    for entry in os.listdir(os.path.dirname(__file__)):
        stem, dot, suffix = entry.partition(".")
        if dot and suffix in ("py", "pyc") and stem.isidentifier() and not stem.startswith("__"):
            names.add(stem)
    return sorted(names)


def build_parser(command: str | None) -> argparse.ArgumentParser:
    """The parser for ``command``, or for the explorer when it is None."""
    parser = Parser(
        prog="regview",
        description="Explore container registries: repositories, tags, manifests, configs.",
    )
    parser.epilog_from = lambda: (
        "Commands: " + ", ".join(commands()) + ". Run `regview COMMAND -h` for each."
    )
    parser.add_argument("--version", action="version", version=f"regview {__version__}")
    add_global_flags(parser, suppress=False)
    if command is None:
        add_explorer_arguments(parser)
        return parser
    sub = parser.add_subparsers(dest="command", required=True)
    for cmd in commands().values():
        sp = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help)
        add_global_flags(sp, suppress=True)
        cmd.add_arguments(sp)
    return parser


def _options(parser: argparse.ArgumentParser) -> Iterable[tuple[str, bool]]:
    """Every option of ``parser`` and its subparsers, and whether it takes a value."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _options(sub)
        for option in action.option_strings:
            yield option, action.nargs != 0


@cache
def _explorer_options() -> dict[str, bool]:
    return dict(_options(build_parser(None)))


@cache
def value_flags() -> frozenset[str]:
    """Every option, of the explorer or of any command, that takes a value."""
    every_command = build_parser(next(iter(commands())))  # holds all the subparsers
    options = [*_explorer_options().items(), *_options(every_command)]
    return frozenset(option for option, takes_value in options if takes_value)


def _takes_value(option: str) -> bool:
    known = _explorer_options()  # the global flags: no command module needed for them
    return known[option] if option in known else option in value_flags()


def find_command(argv: Sequence[str]) -> str | None:
    """The subcommand named by the first positional argument, if it is one."""
    skip = False
    for token in argv:
        if skip:
            skip = False
            continue
        if token == "--":
            return None
        if token.startswith("-"):
            skip = _takes_value(token)
            continue
        return token if token in commands() else None
    return None


def parse_args(argv: Sequence[str]) -> tuple[str | None, argparse.Namespace]:
    """The subcommand named in ``argv`` (None for the explorer) and its arguments."""
    args_list = list(argv)
    command = find_command(args_list)
    return command, build_parser(command).parse_args(args_list)


def main(argv: Sequence[str] | None = None) -> int:
    """``regview``: a scripting command, or the explorer when none is named."""
    command, args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if command is None:
            return run_explorer(args)
        skip_unused_imports()
        import asyncio

        return asyncio.run(_run_command(commands()[command], args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        silence_stdout()
        return 0
    except UsageError as exc:
        fail(str(exc))
        return 2
    except Exception as exc:
        from regview.registry import RegistryError

        if isinstance(exc, RegistryError):
            fail(str(exc))
            return 1
        if isinstance(exc, OSError):
            fail(f"{exc.strerror or exc}")
            return 1
        raise


async def _run_command(command: Command, args: argparse.Namespace) -> int:
    pool = client_pool(args, command.registries(args))
    try:
        return await command.run(pool, args)
    finally:
        await pool.aclose()
