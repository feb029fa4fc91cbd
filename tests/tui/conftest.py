"""Fixtures for the TUI tests: deterministic layouts and sources over them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tui.fakes import FakeSource
from tests.tui.layouts import build_file_layouts, build_layouts


@pytest.fixture(autouse=True)
def _hermetic_config(tmp_path_factory: pytest.TempPathFactory,
                     monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test reads the user's keymap file."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
    yield


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Layer TOCs the app indexes go to a directory of this test's own."""
    cache = tmp_path / "regview-cache"
    monkeypatch.setenv("REGVIEW_CACHE_DIR", str(cache))
    yield cache


@pytest.fixture(scope="session")
def file_layouts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_file_layouts(tmp_path_factory.mktemp("file-layouts"))


@pytest.fixture
def file_source(file_layouts: Path) -> FakeSource:
    return FakeSource(file_layouts)


@pytest.fixture(scope="session")
def layouts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_layouts(tmp_path_factory.mktemp("layouts"))


@pytest.fixture
def source(layouts: Path) -> FakeSource:
    return FakeSource(layouts)
