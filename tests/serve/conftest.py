"""Fixtures for ``regview serve``: the server as a subprocess, its app processes, Chromium.

Every test starts the server through :func:`serve_argv` (``python -m regview serve``). The real
registry of the integration tests (``registry``, ``content``) is imported from their
conftest. The server runs with its own cache, an empty Docker config and its own home,
as ``tests/support/cli.py`` runs the CLI.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import content, registry  # noqa: F401  (fixtures)
from tests.serve import browser as chromium
from tests.serve.processes import Served
from tests.support.cli import Regview, base_env
from tests.support.registry import binaries_missing

__all__ = ["serve_argv"]


def serve_argv(*args: str) -> list[str]:
    """The command line of ``regview serve ARGS``."""
    return [sys.executable, "-m", "regview", "serve", *args]


@pytest.fixture
def home(tmp_path: Path) -> Regview:
    """This test's own cache, Docker config and home (``tests/support/cli.py``)."""
    return Regview(tmp_path)


@pytest.fixture
def serve(home: Regview) -> Iterator[Callable[..., Served]]:
    """Start ``regview serve ARGS`` (with ``--port 0`` unless a port is given)."""
    started: list[Served] = []

    def start(*args: str, wait: bool = True) -> Served:
        argv = list(args)
        if "--port" not in argv:
            argv = ["--port", "0", *argv]
        served = Served(serve_argv(*argv), {**base_env(), **home.env()})
        started.append(served)
        return served.started() if wait else served

    yield start
    for served in started:
        served.finish()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[chromium.Browser]:
    """One headless Chromium per test module (never two at once)."""
    why = chromium.missing()
    if why is not None:
        pytest.skip(why)
    instance = chromium.Browser(user_data_dir=tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield instance
    finally:
        instance.quit()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests on the real registry are integration tests, skipped without its binaries."""
    here = Path(__file__).parent
    missing = binaries_missing()
    for item in items:
        uses_registry = "registry" in getattr(item, "fixturenames", ())
        if here in Path(str(item.path)).parents and uses_registry:
            item.add_marker(pytest.mark.integration)
            if missing:
                item.add_marker(
                    pytest.mark.skip(
                        reason=f"needs {', '.join(missing)} (apt-get install "
                        "docker-registry skopeo apache2-utils)"
                    )
                )
