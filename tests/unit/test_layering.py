"""The layers stay apart: the client knows nothing of Textual, the CLI starts light."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "regview"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


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
