"""Fixtures for the hostile-registry suite.

``hostile`` is one :class:`~tests.hostile.server.HostileServer` per session. Around every
test its recordings are cleared, and afterwards the test fails if any credential reached
the other host (beyond Basic credentials at a token realm) or if the server's own
handlers raised.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hostile.server import HostileServer


@pytest.fixture(scope="session")
def hostile_server() -> Iterator[HostileServer]:
    server = HostileServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def hostile(hostile_server: HostileServer) -> Iterator[HostileServer]:
    hostile_server.reset()
    hostile_server.errors.clear()
    yield hostile_server
    leaks = hostile_server.leaks()
    assert not leaks, f"credentials reached the other host: {leaks}"
    assert not hostile_server.errors, f"the hostile server itself failed: {hostile_server.errors}"
