"""How the TUI is put together (issue #10): one home for key bindings, no import cycles,
the registry reached only through its public face, no module reaching up to the app."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from regview.tui.bindings import all_bindings, load_keymap

TUI = Path(__file__).resolve().parents[2] / "src" / "regview" / "tui"


def _modules() -> dict[str, Path]:
    out: dict[str, Path] = {}
    for path in sorted(TUI.rglob("*.py")):
        parts = path.relative_to(TUI.parents[1]).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(path: Path) -> list[str]:
    """Every module ``path`` imports, wherever the import is (TYPE_CHECKING, functions)."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
            found.extend(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return found


def test_no_import_cycle_inside_the_tui() -> None:
    modules = _modules()
    graph = {m: {i for i in _imports(p) if i in modules and i != m} for m, p in modules.items()}
    cycles: list[list[str]] = []

    def walk(node: str, path: list[str]) -> None:
        for nxt in sorted(graph[node]):
            if nxt in path:
                cycles.append([*path[path.index(nxt):], nxt])
            elif len(path) < len(graph):
                walk(nxt, [*path, nxt])

    for start in sorted(graph):
        walk(start, [start])
    assert cycles == []


def test_the_registry_is_imported_only_through_its_public_face() -> None:
    faces = {"regview.registry", "regview.registry.layers"}
    for name, path in _modules().items():
        for imported in _imports(path):
            if imported.startswith("regview.registry"):
                module = imported if imported in faces else imported.rpartition(".")[0]
                assert module in faces or imported in {"regview.registry.media_types"}, (
                    f"{name} imports {imported}")


def test_no_screen_or_widget_reaches_up_to_the_app() -> None:
    for name, path in _modules().items():
        if name == "regview.tui.app":
            continue
        assert "regview.tui.app" not in _imports(path), name
        # ``self.app.explorer`` (a module named ``explorer_texts`` is not a reach-up)
        assert re.search(r"\.explorer\b", path.read_text(encoding="utf-8")) is None, name


def test_every_binding_is_defined_in_bindings_py() -> None:
    for name, path in _modules().items():
        if name == "regview.tui.bindings":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)
                 and getattr(n.func, "id", getattr(n.func, "attr", "")) == "Binding"]
        assert calls == [], f"{name} defines a Binding"


def test_the_two_trees_share_one_set_of_bindings_with_their_old_ids() -> None:
    groups = dict(all_bindings())
    tree_ids = [b.id for b in groups["Manifest tree"]]
    files_ids = [b.id for b in groups["File tree"]]
    suffixes = ["up", "down", "open", "close", "toggle", "page-up", "page-down", "first",
                "last"]
    assert tree_ids == [f"tree.{s}" for s in suffixes]
    assert files_ids == [f"files-tree.{s}" for s in suffixes]
    assert [b.key for b in groups["Manifest tree"]] == [b.key for b in groups["File tree"]]


MISSING_BEFORE = ["filter.clear", "filter.accept", "json.close", "json.down", "json.up",
                  "start.to-list", "start.quit", "help.close"]


def test_help_and_keymap_cover_every_binding_of_every_screen() -> None:
    ids = {b.id for _, group in all_bindings() for b in group}
    assert set(MISSING_BEFORE) <= ids


@pytest.mark.parametrize("binding_id", MISSING_BEFORE)
def test_the_keymap_file_accepts_every_binding_id(tmp_path: Path, binding_id: str) -> None:
    keys = tmp_path / "keys.toml"
    keys.write_text(f'[keys]\n"{binding_id}" = "ctrl+x"\n')
    assert load_keymap(keys) == {binding_id: "ctrl+x"}
