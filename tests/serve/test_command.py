"""The command line of ``regview serve``: where it listens, what it refuses, what it says."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.serve.processes import Served


def error_lines(served: Served) -> list[str]:
    """The non-blank stderr lines of a server that exits by itself."""
    served.exited()
    return [line for line in served.err if line.strip()]


def test_it_listens_on_loopback_by_default(serve: Callable[..., Served]) -> None:
    served = serve("demo")
    parts = urlsplit(served.url)
    assert parts.hostname == "127.0.0.1"
    assert parts.path == "/" and parts.query == f"token={served.token}"
    assert len(served.token) >= 32
    assert served.err == []  # no warning
    listening = _listening_addresses(served.port)
    assert listening == {"127.0.0.1"}, listening


def test_every_start_draws_a_new_token(serve: Callable[..., Served]) -> None:
    assert serve("demo").token != serve("demo").token


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_any_other_address_needs_public(serve: Callable[..., Served], host: str) -> None:
    served = serve("--host", host, "demo", wait=False)
    lines = error_lines(served)
    assert served.process.returncode == 2
    assert served.out == []
    assert len(lines) == 1 and "--public" in lines[0] and "Traceback" not in lines[0]


def test_public_listens_everywhere_and_warns(serve: Callable[..., Served]) -> None:
    served = serve("--host", "0.0.0.0", "--public", "demo")
    assert served.out[0] == served.url
    assert urlsplit(served.url).hostname == socket.gethostname()
    assert len(served.err) == 1
    assert "warning" in served.err[0] and "credentials" in served.err[0]
    assert _listening_addresses(served.port) == {"0.0.0.0"}


@pytest.mark.parametrize(
    "args",
    [
        ["-u", "someone", "--password-stdin", "demo"],
        ["--concurrency", "0", "demo"],
        ["127.0.0.1:5000/Not_A_Valid/NAME"],
        ["oci:/nonexistent/layout"],
        ["--port", "70000", "demo"],
    ],
)
def test_a_bad_command_line_fails_at_start_with_one_line(
    serve: Callable[..., Served], args: list[str]
) -> None:
    served = serve(*args, wait=False)
    lines = error_lines(served)
    assert served.process.returncode == 2, served.err
    assert served.out == []
    assert len(lines) == 1 and lines[0].startswith("regview serve: error: "), lines


def test_a_port_in_use_is_a_one_line_error(serve: Callable[..., Served]) -> None:
    first = serve("demo")
    second = serve("--port", str(first.port), "demo", wait=False)
    lines = error_lines(second)
    assert second.process.returncode == 1
    assert len(lines) == 1 and "--port" in lines[0] and "cannot listen" in lines[0]


def _listening_addresses(port: int) -> set[str]:
    """Local addresses of sockets listening on ``port`` (from /proc/net/tcp{,6})."""
    found: set[str] = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            rows = Path(table).read_text(encoding="ascii").splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            local, state = row.split()[1], row.split()[3]
            address, port_hex = local.split(":")
            if state != "0A" or int(port_hex, 16) != port:  # 0A: LISTEN
                continue
            if width == 8:
                found.add(socket.inet_ntop(socket.AF_INET, bytes.fromhex(address)[::-1]))
            else:
                raw = b"".join(bytes.fromhex(address[i : i + 8])[::-1] for i in range(0, 32, 8))
                found.add(socket.inet_ntop(socket.AF_INET6, raw))
    return found
