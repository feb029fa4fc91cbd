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

__all__ = [
    "PLANNED",
    "build_parser",
    "commands",
    "find_command",
    "main",
    "mistyped_command",
    "parse_args",
    "value_flags",
]


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


def _first_positional(argv: Sequence[str]) -> str | None:
    """The first argument that is neither an option nor an option's value (None after
    ``--``: what follows it is a target, whatever it looks like)."""
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
        return token
    return None


def find_command(argv: Sequence[str]) -> str | None:
    """The subcommand named by the first positional argument, if it is one."""
    word = _first_positional(argv)
    return word if word is not None and word in commands() else None


PLANNED: tuple[str, ...] = ()
"""Commands the open issues add (none now: ``blob`` landed). Until they land, a bare
word among them is a command someone expected, not the Docker Hub image ``library/WORD``."""


def _distance(a: str, b: str) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) that turn ``a`` into ``b``."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        row = [i]
        for j, cb in enumerate(b, start=1):
            cost = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, previous2[j - 2] + 1)
            row.append(cost)
        previous2, previous = previous, row
    return previous[-1]


def mistyped_command(word: str) -> str | None:
    """Why ``word``, given where a target goes, is taken for a mistyped command; None
    when it is a target.

    Only a bare word can be one: a target with a dot, a colon or a slash (a host, a
    tag, a namespace, ``oci:PATH``) never is, nor is ``demo``. A word is a command's
    typo when at most one edit (two for commands longer than five letters) turns it
    into the command's name. (difflib's ratio at its default cutoff also took tomcat,
    crate, kong and scratch, which are Docker Hub images, and missed ``tgas``.)
    """
    from regview.targets import DEMO
    from regview.textsafe import visible

    if any(c in word for c in ".:/@") or word == DEMO:
        return None
    lowered = word.lower()
    scored = sorted(
        (_distance(lowered, name), index, name) for index, name in enumerate(commands())
    )
    close = [name for d, _, name in scored if d <= (1 if len(name) <= 5 else 2)]
    shown = visible(word, limit=80)
    hub = f" (for the Docker Hub image, write docker.io/{shown})" if word == lowered else ""
    if close:
        return f"'{shown}' is not a command: did you mean {' or '.join(close[:3])}?{hub}"
    if lowered in PLANNED:
        listed = ", ".join(commands())
        return f"'{shown}' is not a regview command; the commands are {listed}{hub}"
    return None


def parse_args(argv: Sequence[str]) -> tuple[str | None, argparse.Namespace]:
    """The subcommand named in ``argv`` (None for the explorer) and its arguments.

    A bare word where the explorer's target goes that is a command's name mistyped
    is a usage error (exit 2) with the suggestion, not a Docker Hub image.
    """
    args_list = list(argv)
    command = find_command(args_list)
    parser = build_parser(command)
    if command is None:
        word = _first_positional(args_list)
        why = mistyped_command(word) if word is not None else None
        if why is not None:
            parser.error(why)
    return command, parser.parse_args(args_list)


def main(argv: Sequence[str] | None = None) -> int:
    """``regview``: a scripting command, or the explorer when none is named."""
    command, args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if command is None:
            return run_explorer(args)
        chosen = commands()[command]
        if chosen.standalone is not None:
            return chosen.standalone(args)
        skip_unused_imports()
        import asyncio

        return asyncio.run(_run_command(chosen, args))
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
    assert command.run is not None
    pool = client_pool(args, command.registries(args))
    try:
        return await command.run(pool, args)
    finally:
        await pool.aclose()
