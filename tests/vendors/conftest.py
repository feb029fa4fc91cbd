"""Fixtures for the vendor fakes: each test gets a fresh fake (its budget and recordings
its own), and fails if the fake's own handlers raised."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import CliResult, Regview, run_regview
from tests.vendors.dockerhub import DockerHub


@pytest.fixture
def hub() -> Iterator[DockerHub]:
    with DockerHub() as server:
        server.images.put("library/alpine", "latest", "3.20", label="alpine")
        server.images.put("library/busybox", "latest", label="busybox")
        yield server
        assert not server.errors, server.errors


@pytest.fixture
def regview(tmp_path: Path) -> Regview:
    return Regview(tmp_path)


def run_with_endpoints(
    regview: Regview, endpoints: str, *args: str, input: str | None = None
) -> CliResult:
    """``regview ARGS`` with ``$REGVIEW_ENDPOINTS`` pointing the vendor's hosts here."""
    env = {**regview.env(), "REGVIEW_ENDPOINTS": endpoints}
    return run_regview(*args, env=env, input=input)
