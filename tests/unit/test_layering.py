"""The layers stay apart (import contracts, as harlequin keeps them with import-linter):

* the client (``regview.registry``) knows nothing of Textual, Jupyter, the CLI or the TUI,
  and its modules import each other by module path, never through the package face;
* the front ends (TUI, notebook) import the registry only through its public face;
* the TUI never speaks HTTP, and the notebook never imports Textual;
* no package has an import cycle (``TYPE_CHECKING`` imports and imports inside
  functions count too: a cycle is a cycle in the design);
* ``regview --version`` and the scripting CLI start light.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "regview"


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in SRC.rglob("*.py")}


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, anywhere in it (absolute names, as written)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def regview_imports(path: Path, name: str | None = None) -> set[str]:
    """The regview modules ``path`` imports: ``from pkg import sub`` names the submodule."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in MODULES)
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{path}: relative import"
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                if full in MODULES:
                    found.add(full)
                elif node.module in MODULES or node.module.startswith("regview"):
                    found.add(node.module)
    found.discard(name or module_name(path))
    return found


def import_cycles() -> list[list[str]]:
    """Strongly connected components (more than one module) of the import graph."""
    graph = {name: regview_imports(path, name) for name, path in MODULES.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, set())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return cycles


def test_no_import_cycles() -> None:
    assert import_cycles() == []


def test_the_cycle_finder_finds_a_cycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = {"regview.a": tmp_path / "a.py", "regview.b": tmp_path / "b.py"}
    fake["regview.a"].write_text("def f():\n    from regview.b import g\n")
    fake["regview.b"].write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                 "    from regview import a\n")
    monkeypatch.setattr(sys.modules[__name__], "MODULES", {**fake, "regview": tmp_path / "x.py"})
    (tmp_path / "x.py").write_text("")
    assert import_cycles() == [["regview.a", "regview.b"]]


def test_registry_modules_never_import_the_registry_face() -> None:
    """``from regview.registry import X`` inside the registry would be a cycle through
    the package's ``__init__`` (which imports every module)."""
    offenders = []
    for name, path in MODULES.items():
        if name.startswith("regview.registry.") and name != "regview.registry.layers":
            faces = {"regview.registry"} if ".layers." not in name else {
                "regview.registry", "regview.registry.layers"}
            if regview_imports(path) & faces:
                offenders.append(name)
    assert offenders == []


@pytest.mark.parametrize("front_end", ["regview.tui", "regview.notebook"])
def test_front_ends_use_the_registry_only_through_its_public_face(front_end: str) -> None:
    allowed = {"regview.registry", "regview.registry.layers", "regview.registry.media_types"}
    offenders = sorted(
        f"{name}: {imported}"
        for name, path in MODULES.items()
        if name == front_end or name.startswith(front_end + ".")
        for imported in regview_imports(path)
        if imported.startswith("regview.registry") and imported not in allowed
    )
    assert offenders == []


def test_registry_never_imports_a_front_end() -> None:
    offenders = sorted(
        f"{name}: {imported}"
        for name, path in MODULES.items()
        if name.startswith("regview.registry")
        for imported in regview_imports(path) | imported_modules(path)
        if imported.startswith(("regview.cli", "regview.tui", "regview.notebook"))
        or imported.split(".")[0] in ("textual", "rich", "ipywidgets", "anywidget", "IPython")
    )
    assert offenders == []


def test_the_notebook_never_imports_textual() -> None:
    offenders = sorted(
        f"{name}: {imported}"
        for name, path in MODULES.items()
        if name.startswith("regview.notebook")
        for imported in imported_modules(path)
        if imported.split(".")[0] in ("textual", "rich") or imported.startswith("regview.tui")
    )
    assert offenders == []


def test_registry_layer_never_imports_textual_rich_or_the_tui() -> None:
    offenders = []
    for path in sorted((SRC / "registry").rglob("*.py")):
        for name in imported_modules(path):
            root = name.split(".")[0]
            if root in ("textual", "rich") or name.startswith("regview.tui"):
                offenders.append(f"{path.relative_to(SRC)}: {name}")
    assert offenders == []


def test_the_tui_never_speaks_http_itself() -> None:
    offenders = []
    for path in sorted((SRC / "tui").rglob("*.py")):
        for name in imported_modules(path):
            if name.split(".")[0] in ("httpx", "h2", "httpcore"):
                offenders.append(f"{path.relative_to(SRC)}: {name}")
    assert offenders == []


def run_and_list_modules(code: str) -> set[str]:
    script = f"import sys\n{code}\nprint('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout
    return set(out.split())


def test_version_and_scripting_cli_do_not_import_textual() -> None:
    modules = run_and_list_modules(
        "from regview import cli\n"
        "import contextlib, io\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    cli.main(['--version'])\n"
    )
    assert "regview.cli" in modules
    assert not {m for m in modules if m.split(".")[0] in ("textual", "rich", "httpx")}


def test_importing_the_whole_registry_layer_does_not_import_textual() -> None:
    imports = "\n".join(
        f"import regview.registry.{p.stem}"
        for p in sorted((SRC / "registry").glob("*.py"))
        if p.stem != "__init__"
    )
    modules = run_and_list_modules(imports)
    assert "regview.registry.client" in modules
    # (rich may arrive through httpx's optional CLI module; Textual never may)
    assert not {m for m in modules if m.split(".")[0] == "textual" or m.startswith("regview.tui")}
