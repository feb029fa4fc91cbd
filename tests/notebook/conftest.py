"""Fixtures for the notebook tests: a real ipykernel run by nbclient, and the real registry.

Read this before writing a test under ``tests/notebook``:

* **The real registry.** ``registry``, ``content``, ``kinds``, ``bulk_tags``,
  ``basic_registry`` and ``basic_credentials`` are the fixtures of
  ``tests/integration/conftest.py``, imported here so they are visible to every test in
  this directory (a run of both directories starts a second registry: ~1 s). A test that
  uses one is marked ``integration`` and skipped, with the reason, when
  ``docker-registry``, ``skopeo`` or ``htpasswd`` is missing.
* **The kernel.** ``kernel`` is one real ipykernel per test *module* (start ~2-3 s),
  reached over the ``ipc`` transport (no TCP warning, no ports), with its own cwd, ``HOME``,
  XDG and Jupyter/IPython dirs, an empty ``DOCKER_CONFIG``, ``REGVIEW_CACHE_DIR`` in a
  temporary directory, and ``PYTHONPATH`` pointing at this worktree's ``src``: no test reads
  the user's cache, credentials or IPython profile. ``kernel.run(code)`` executes one cell
  (top-level ``await`` works) and returns its :class:`Outputs`; ``kernel.value(expr)``
  returns ``expr`` evaluated in the kernel, through JSON. State (imports, variables, the
  regview session) carries over between cells and tests of the module. Widget state as
  nbclient stores it in a saved notebook: ``kernel.widget_state()``. The raw
  ``jupyter_client`` client (to send comm messages as a browser would): ``kernel.kc``.
* **Whole notebooks.** ``run_notebook(nb)`` executes a notebook (an ``nbformat`` node or
  a path) in a fresh kernel with the same isolation, and returns the executed notebook
  (outputs and ``metadata.widgets`` filled in). ``kernel_env`` is the environment it uses
  (its ``cache_dir``, ``cwd``; ``env`` is the dict passed to the kernel). For a module-
  scoped run: ``run_notebook_in(make_kernel_env(tmp_path_factory.mktemp("x")), nb)``.

Every cell has a wide hang guard (``CELL_TIMEOUT``); no assertion is timed.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient
from traitlets.config import Config

import regview
from tests.integration.conftest import (
    basic_credentials,
    basic_registry,
    bulk_tags,
    content,
    kinds,
    registry,
)
from tests.support.cli import base_env
from tests.support.registry import binaries_missing

__all__ = [
    "CELL_TIMEOUT",
    "Kernel",
    "KernelEnv",
    "Outputs",
    "basic_credentials",
    "basic_registry",
    "bulk_tags",
    "content",
    "kinds",
    "make_kernel_env",
    "registry",
    "run_notebook_in",
]

CELL_TIMEOUT = 180
"""Seconds one cell may run before nbclient gives up: a hang guard, not a measurement."""

_REGISTRY_FIXTURES = {"registry", "content", "kinds", "bulk_tags", "basic_registry"}
_SRC = Path(regview.__file__).resolve().parent.parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    missing = binaries_missing()
    skip = pytest.mark.skip(
        reason=f"needs {', '.join(missing)} (apt-get install docker-registry skopeo "
        "apache2-utils)"
    )
    for item in items:
        if here not in Path(str(item.path)).parents:
            continue
        if _REGISTRY_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)
            if missing:
                item.add_marker(skip)


# --------------------------------------------------------------------------- environment


@dataclass(frozen=True)
class KernelEnv:
    """Where a kernel runs: its cwd, its cache directory and its whole environment."""

    root: Path
    cwd: Path
    cache_dir: Path
    env: dict[str, str]

    def config(self) -> Config:
        """nbclient configuration: the ipc transport, its sockets under ``root``."""
        c = Config()
        c.KernelManager.transport = "ipc"
        c.KernelManager.ip = str(self.root / "sockets" / "kernel")
        return c


def make_kernel_env(root: Path, **extra: str) -> KernelEnv:
    """An isolated kernel environment under ``root`` (``extra`` variables laid over it)."""
    home = root / "home"
    cwd = root / "cwd"
    cache = root / "cache"
    dirs = {
        "HOME": home,
        "XDG_CONFIG_HOME": home / ".config",
        "XDG_CACHE_HOME": home / ".cache",
        "XDG_DATA_HOME": home / ".local" / "share",
        "XDG_STATE_HOME": home / ".local" / "state",
        "XDG_RUNTIME_DIR": home / "run",
        "DOCKER_CONFIG": root / "docker-config",  # stays empty: no credentials
        "IPYTHONDIR": home / ".ipython",
        "JUPYTER_CONFIG_DIR": home / ".jupyter",
        "JUPYTER_DATA_DIR": home / ".local" / "share" / "jupyter",
        "JUPYTER_RUNTIME_DIR": home / "run" / "jupyter",
        "REGVIEW_CACHE_DIR": cache,
    }
    for d in (*dirs.values(), cwd, root / "sockets"):
        d.mkdir(parents=True, exist_ok=True)
    env = base_env()
    env.update({k: str(v) for k, v in dirs.items()})
    env["PYTHONPATH"] = os.pathsep.join(
        [str(_SRC), *[p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p != "src"]]
    )
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    env.update(extra)
    return KernelEnv(root=root, cwd=cwd, cache_dir=cache, env=env)


@pytest.fixture
def kernel_env(tmp_path: Path) -> KernelEnv:
    """An isolated kernel environment for one test (used by ``run_notebook``)."""
    return make_kernel_env(tmp_path / "kernel")


# --------------------------------------------------------------------------- outputs


class Outputs(list[dict[str, Any]]):
    """The outputs of one cell, as nbformat stores them in a saved notebook."""

    def data(self, mime: str) -> list[Any]:
        """Every ``mime`` payload of the cell's display/execute results, in order."""
        return [
            o["data"][mime]
            for o in self
            if o.get("output_type") in ("display_data", "execute_result") and mime in o["data"]
        ]

    def first(self, mime: str) -> Any:
        found = self.data(mime)
        assert found, f"no {mime} output in {self.summary()}"
        return found[0]

    @property
    def html(self) -> str:
        """The first ``text/html`` output."""
        value = self.first("text/html")
        return "".join(value) if isinstance(value, list) else str(value)

    @property
    def plain(self) -> str:
        """The first ``text/plain`` output."""
        value = self.first("text/plain")
        return "".join(value) if isinstance(value, list) else str(value)

    @property
    def stdout(self) -> str:
        return "".join(
            "".join(o["text"]) if isinstance(o["text"], list) else o["text"]
            for o in self
            if o.get("output_type") == "stream" and o.get("name") == "stdout"
        )

    @property
    def stderr(self) -> str:
        return "".join(
            "".join(o["text"]) if isinstance(o["text"], list) else o["text"]
            for o in self
            if o.get("output_type") == "stream" and o.get("name") == "stderr"
        )

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [o for o in self if o.get("output_type") == "error"]

    def summary(self) -> str:
        return json.dumps(list(self), default=str)[:4000]


# --------------------------------------------------------------------------- kernels


class Kernel:
    """One running ipykernel; cells are appended to an in-memory notebook and run there."""

    def __init__(self, env: KernelEnv) -> None:
        self.env = env
        self.nb = nbformat.v4.new_notebook()
        self.nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        self.client = NotebookClient(
            self.nb,
            timeout=CELL_TIMEOUT,
            startup_timeout=120,
            allow_errors=True,
            config=env.config(),
            resources={"metadata": {"path": str(env.cwd)}},
        )

    def start(self) -> Kernel:
        self.client.km = self.client.create_kernel_manager()
        self.client.start_new_kernel(env=self.env.env, cwd=str(self.env.cwd))
        self.client.start_new_kernel_client()
        return self

    @property
    def kc(self) -> Any:
        """The ``jupyter_client`` kernel client (shell, iopub, comm messages)."""
        return self.client.kc

    def run(self, code: str, *, allow_error: bool = False) -> Outputs:
        """Execute ``code`` as one cell; fail the test if it raised, unless ``allow_error``."""
        cell = nbformat.v4.new_code_cell(code)
        self.nb.cells.append(cell)
        self.client.execute_cell(cell, len(self.nb.cells) - 1)
        outputs = Outputs(cell.outputs)
        if not allow_error and outputs.errors:
            err = outputs.errors[0]
            trace = "\n".join(err.get("traceback", []))
            raise AssertionError(f"cell raised {err['ename']}: {err['evalue']}\n{trace}\n{code}")
        return outputs

    def value(self, expr: str) -> Any:
        """``expr`` evaluated in the kernel (top-level ``await`` allowed), through JSON."""
        marker = "@@regview-value@@"
        out = self.run(
            "import json as _json\n"
            f"_value = {expr}\n"
            f"print({marker!r} + _json.dumps(_value, default=str))"
        )
        text = out.stdout
        assert marker in text, out.summary()
        return json.loads(text.split(marker, 1)[1])

    def widget_state(self) -> dict[str, Any]:
        """model id -> state, as nbclient saves it in ``metadata.widgets``."""
        self.client.set_widgets_metadata()
        widgets = self.nb.metadata.get("widgets", {})
        state = widgets.get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
        return dict(state)

    def stop(self) -> None:
        self.client._cleanup_kernel()


@pytest.fixture(scope="module")
def kernel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kernel]:
    """One real ipykernel for the whole test module (see the module docstring)."""
    env = make_kernel_env(tmp_path_factory.mktemp("kernel"))
    k = Kernel(env).start()
    try:
        yield k
    finally:
        k.stop()
        shutil.rmtree(env.root / "sockets", ignore_errors=True)


def run_notebook_in(env: KernelEnv, nb: Any, *, allow_errors: bool = False) -> Any:
    """Execute ``nb`` (a notebook node or a path) in a fresh kernel in ``env``; return the
    executed notebook (outputs, and the widget state in ``metadata.widgets``)."""
    if isinstance(nb, str | Path):
        nb = nbformat.read(str(nb), as_version=4)
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        startup_timeout=120,
        allow_errors=allow_errors,
        kernel_name="python3",
        config=env.config(),
        resources={"metadata": {"path": str(env.cwd)}},
    )
    client.execute(env=env.env, cwd=str(env.cwd))
    return nb


@pytest.fixture
def run_notebook(kernel_env: KernelEnv) -> Callable[..., Any]:
    """``run_notebook(nb_or_path, allow_errors=False)``: execute it in a fresh kernel."""

    def run(nb: Any, *, allow_errors: bool = False) -> Any:
        return run_notebook_in(kernel_env, nb, allow_errors=allow_errors)

    return run
