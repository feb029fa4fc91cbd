"""The CLI package: commands come from their group modules, nothing is listed twice,
and its modules import each other without a circle."""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

import pytest

from regview.cli import find_command, parse_args
from regview.cli.dispatch import build_parser, commands

CLI = Path(__file__).resolve().parents[2] / "src" / "regview" / "cli"


def test_every_command_in_the_order_help_lists_them() -> None:
    assert list(commands()) == [
        "catalog",
        "tags",
        "manifest",
        "config",
        "referrers",
        "inspect",
        "lint",
        "files",
        "cat",
        "blob",
        "analyze",
        "diff",
        "ratelimit",
        "delete",
        "serve",
    ]


def _value_options(parser: argparse.ArgumentParser) -> list[str]:
    """Options that take a value, read from argparse's help text (``--opt VALUE``)."""
    options = []
    for line in parser.format_help().splitlines():
        words = line.split()
        for i, word in enumerate(words[:-1]):
            opt = word.rstrip(",")
            nxt = words[i + 1].rstrip(",")
            if opt.startswith("-") and (nxt.isupper() or nxt.startswith("{")) and opt != "-h":
                options.append(opt)
    return options


@pytest.mark.parametrize("name", list(commands()))
def test_a_value_option_before_the_command_does_not_hide_it(name: str) -> None:
    (sub,) = (
        a.choices[name]
        for a in build_parser(name)._actions
        if isinstance(a, argparse._SubParsersAction)
    )
    options = _value_options(sub)
    assert {"--timeout", "-u", "--username", "--cache-dir", "--auth-file"} <= set(options)
    own = {"catalog": {"--page-size"}, "files": {"--layer", "--sort", "--platform"}}
    assert own.get(name, set()) <= set(options)
    for option in options:
        assert find_command([option, "x", name, "ref"]) == name, option
        assert find_command([option, name, "ref"]) is None, option  # NAME is its value


def test_the_explorer_flags_are_not_commands() -> None:
    assert find_command(["--keymap", "tags", "host"]) is None
    command, args = parse_args(["--keymap", "tags", "127.0.0.1:5000"])
    assert command is None and args.target == "127.0.0.1:5000"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def test_no_module_of_the_cli_package_imports_itself_round_a_circle() -> None:
    modules = {
        ("regview.cli" if p.stem == "__init__" else f"regview.cli.{p.stem}"): p
        for p in CLI.glob("*.py")
    }
    graph = {
        name: {m for m in _imports(path) if m in modules and m != name}
        for name, path in modules.items()
    }
    assert not any("regview.cli" in deps for deps in graph.values())  # nothing imports the face

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in graph[start]:
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    assert [name for name in graph if reaches(name, name, set())] == []


def test_the_old_modules_are_gone() -> None:
    src = CLI.parent
    assert not (src / "cli.py").exists()
    assert not (src / "cli_layers.py").exists()
