"""The explorer without a terminal refuses at once, in one line, and never spins.

Each run is a real process: without a controlling terminal (a new session, as under
cron), with its output redirected, or in a pseudo-terminal of its own. Nothing here
listens on 127.0.0.1:1: the explorer must refuse before it connects anywhere.
"""

from __future__ import annotations

import os
import select
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.cli import base_env
from tests.support.terminal import Terminal

HANG_GUARD = 60.0  # seconds; before the fix the explorer started and never ended


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **base_env(),
        "REGVIEW_CACHE_DIR": str(tmp_path / "cache"),
        "DOCKER_CONFIG": str(tmp_path / "docker"),
        "HOME": str(tmp_path / "home"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }


def regview_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "regview", *args]


def assert_refusal(stderr: str, missing: str) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("regview: the explorer needs a terminal"), stderr
    assert missing in lines[0] and "regview -h" in lines[0], stderr
    assert "Traceback" not in stderr


def test_no_terminal_at_all(env: dict[str, str]) -> None:
    """A cron job: no controlling terminal, stdin /dev/null, output to pipes."""
    proc = subprocess.run(
        regview_argv("--plain-http", "127.0.0.1:1"),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=HANG_GUARD,
        start_new_session=True,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert_refusal(proc.stderr, "standard output is not one")


def test_password_on_stdin_and_no_terminal(env: dict[str, str]) -> None:
    proc = subprocess.run(
        regview_argv("--plain-http", "-u", "bob", "--password-stdin", "127.0.0.1:1"),
        input="secret\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=HANG_GUARD,
        start_new_session=True,
    )
    assert proc.returncode == 2
    assert_refusal(proc.stderr, "standard output is not one")
    assert "secret" not in proc.stderr


def test_a_terminal_to_draw_on_but_none_to_read_keys_from(env: dict[str, str]) -> None:
    """Output on a pty that is not the controlling terminal; stdin a finished pipe."""
    master, slave = os.openpty()
    proc = subprocess.Popen(
        regview_argv("--plain-http", "-u", "bob", "--password-stdin", "127.0.0.1:1"),
        stdin=subprocess.PIPE,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,  # no controlling terminal: /dev/tty cannot be opened
    )
    os.close(slave)
    assert proc.stdin is not None
    proc.stdin.write(b"secret\n")
    proc.stdin.close()
    drawn = b""
    deadline = time.monotonic() + HANG_GUARD
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            if select.select([master], [], [], 0.2)[0]:
                try:
                    drawn += os.read(master, 65536)
                except OSError:
                    break
        returncode = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        try:
            while select.select([master], [], [], 0.1)[0]:
                drawn += os.read(master, 65536)
        except OSError:
            pass
        os.close(master)
    assert returncode == 2, drawn
    assert_refusal(drawn.decode(errors="replace"), "none to read keys from")


def test_output_redirected_in_a_real_terminal(env: dict[str, str]) -> None:
    """``regview HOST </dev/null >/dev/null`` typed at a terminal."""
    argv = shlex.join(regview_argv("--plain-http", "127.0.0.1:1"))
    with Terminal(f"{argv} </dev/null >/dev/null; echo exit=$?", env) as term:
        term.read_until("exit=", timeout=HANG_GUARD)
        assert term.wait(timeout=HANG_GUARD) == 0
    assert "exit=2" in term.text
    (line,) = [x for x in term.text.splitlines() if x.startswith("regview:")]
    assert_refusal(line, "standard output is not one")
