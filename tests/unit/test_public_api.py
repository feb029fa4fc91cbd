"""The public face of ``regview.registry`` (and ``regview.registry.layers``): ``__all__``
lists exactly what is public, every name imports, every public name and method has a
docstring, and importing the package brings in no UI (as httpx's
``tests/test_exported_members.py`` guards httpx)."""

from __future__ import annotations

import ast
import importlib
import inspect
import itertools
import subprocess
import sys
import types
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
FACES = ("regview.registry", "regview.registry.layers")


def public_attributes(module: types.ModuleType) -> set[str]:
    """Names the package binds that a user would take as API: not private, and not the
    implementation submodules (which the import system binds as attributes)."""
    names = set()
    for name, value in vars(module).items():
        if name.startswith("_") or name == "annotations":
            continue
        if isinstance(value, types.ModuleType) and value.__name__.startswith(module.__name__):
            continue
        names.add(name)
    return names


@pytest.mark.parametrize("face", FACES)
def test_all_lists_every_public_name_sorted_and_each_imports(face: str) -> None:
    module = importlib.import_module(face)
    exported = list(module.__all__)
    assert exported == sorted(exported), "keep __all__ sorted"
    assert len(set(exported)) == len(exported), "a name is listed twice"
    for name in exported:
        assert hasattr(module, name), f"{face}.{name} is in __all__ but does not import"
    modules_listed = {n for n in exported if isinstance(getattr(module, n), types.ModuleType)}
    assert public_attributes(module) | modules_listed == set(exported)


@pytest.mark.parametrize("face", FACES)
def test_star_import_gives_exactly_all(face: str) -> None:
    namespace: dict[str, object] = {}
    exec(f"from {face} import *", namespace)
    namespace.pop("__builtins__")
    assert set(namespace) == set(importlib.import_module(face).__all__)


def _parse(source: str) -> list[ast.stmt]:
    """``ast.parse(source).body``, tried again when CPython 3.11.7 says "AST constructor
    recursion depth mismatch": its ast module keeps that depth in state that all threads
    share (gh-106905), so a parse on another thread at the same moment (a test's server,
    pytest rewriting a module imported there) can trip it. It has nothing to do with
    regview's source."""
    for attempt in range(10):
        try:
            return ast.parse(source).body
        except SystemError:
            if attempt == 9:
                raise
    raise AssertionError("unreachable")


def alias_docstrings(module: types.ModuleType) -> dict[str, str]:
    """Attribute docstrings (a string right after ``NAME = ...``) in a module's source."""
    source = inspect.getsource(module)
    found: dict[str, str] = {}
    body = _parse(source)
    for node, following in itertools.pairwise(body):
        targets = []
        if isinstance(node, ast.Assign):
            targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            targets = [node.target.id]
        if (
            targets
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            for t in targets:
                found[t] = following.value.value
    return found


def own_docstring(value: object) -> str | None:
    if inspect.isclass(value):
        return vars(value).get("__doc__")
    return getattr(value, "__doc__", None)


def defining_module(face: types.ModuleType, name: str) -> types.ModuleType:
    """The submodule whose source assigns ``name`` (for type aliases and constants)."""
    for sub in sorted(sys.modules):
        if sub.startswith(face.__name__ + ".") and name in vars(sys.modules[sub]):
            mod = sys.modules[sub]
            if name in alias_docstrings(mod):
                return mod
    return face


@pytest.mark.parametrize("face", FACES)
def test_every_public_name_has_a_docstring(face: str) -> None:
    module = importlib.import_module(face)
    missing = []
    for name in module.__all__:
        value = getattr(module, name)
        if inspect.isclass(value) or inspect.isfunction(value) or inspect.ismodule(value):
            if not (own_docstring(value) or "").strip():
                missing.append(name)
        elif not alias_docstrings(defining_module(module, name)).get(name):
            missing.append(f"{name} (a type alias or constant needs an attribute docstring)")
    assert missing == []


@pytest.mark.parametrize("face", FACES)
def test_every_public_method_of_an_exported_class_has_a_docstring(face: str) -> None:
    module = importlib.import_module(face)
    missing = []
    for name in module.__all__:
        cls = getattr(module, name)
        if not inspect.isclass(cls) or issubclass(cls, BaseException):
            continue
        for attr, value in vars(cls).items():
            if attr.startswith("_"):
                continue
            func = value.fget if isinstance(value, property) else value
            func = getattr(func, "__func__", func)  # classmethod, staticmethod
            if callable(func) and not (getattr(func, "__doc__", None) or "").strip():
                missing.append(f"{name}.{attr}")
    assert missing == []


def modules_after(code: str) -> set[str]:
    script = f"import sys\n{code}\nprint('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", script],
        check=True,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
    ).stdout
    return set(out.split())


def test_importing_the_public_face_imports_no_user_interface() -> None:
    modules = modules_after("import regview.registry\nfrom regview.registry import *")
    assert "regview.registry.client" in modules
    ui = {
        m
        for m in modules
        if m.split(".")[0] in ("textual", "ipywidgets", "anywidget", "IPython")
        or m.startswith(("regview.tui", "regview.cli", "regview.notebook"))
    }
    assert ui == set()


def _type_checking_imports() -> dict[str, str]:
    """What the ``if TYPE_CHECKING:`` block of ``regview/registry/__init__.py`` imports:
    name -> the module it comes from (a submodule itself for ``from regview.registry
    import layers``)."""
    found: dict[str, str] = {}
    for node in _parse((SRC / "regview/registry/__init__.py").read_text()):
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for stmt in node.body:
                assert isinstance(stmt, ast.ImportFrom), ast.unparse(stmt)
                for alias in stmt.names:
                    package = stmt.module == "regview.registry"
                    found[alias.name] = (
                        f"regview.registry.{alias.name}" if package else str(stmt.module)
                    )
    return found


def test_lazy_names_and_the_type_checking_imports_agree() -> None:
    """The package imports each name on first use from ``_HOMES``; mypy reads the
    ``TYPE_CHECKING`` imports. Both must name the same home for every name in ``__all__``."""
    import regview.registry as face

    homes = face._HOMES
    assert homes == _type_checking_imports()
    assert set(homes) == set(face.__all__)
    for name, home in homes.items():
        module = importlib.import_module(home)
        expected = module if home == f"regview.registry.{name}" else getattr(module, name)
        assert getattr(face, name) is expected, name


def test_a_script_pays_only_for_the_names_it_imports() -> None:
    """``from regview.registry import RegistryClient, Settings`` (what ``regview
    inspect`` needs) loads none of the layer, diff or efficiency code."""
    modules = modules_after("from regview.registry import RegistryClient, Settings")
    assert "regview.registry.client" in modules
    heavy = {
        "regview.registry.layers",
        "regview.registry.image_diff",
        "regview.registry.efficiency",
    }
    assert heavy & modules == set()
    assert "regview.registry.layers" in modules_after("from regview.registry import LayerIndexer")


def test_an_unknown_name_is_an_attribute_error() -> None:
    import regview.registry as face

    with pytest.raises(AttributeError, match="no attribute 'NoSuchThing'"):
        face.NoSuchThing  # noqa: B018
    with pytest.raises(ImportError):
        exec("from regview.registry import NoSuchThing", {})
    assert set(face.__all__) <= set(dir(face))
