"""An app that will not quit, and one that writes hostile stderr (fakes: faults only).

The real app quits when asked (``test_lifecycle``); these check what the session does
when an app does not: SIGTERM, then SIGKILL to its whole process group.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time

import pytest
from textual_serve.download_manager import DownloadManager

from regview.serve import session as session_module
from regview.serve.session import LINE_LIMIT, AppSession
from tests.serve.processes import alive

STUBBORN = r"""
import signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = subprocess.Popen([sys.executable, "-c",
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"])
sys.stdout.write("__GANGLION__\n"); sys.stdout.flush()
sys.stderr.write(f"grandchild {child.pid}\n"); sys.stderr.flush()
time.sleep(600)
"""

HOSTILE = r"""
import sys
sys.stderr.write("\x1b]52;c;ZXZpbA==\x07\x1b[2Jcleared?\n")
sys.stderr.write("x" * 100000 + "\n")
sys.stderr.flush()
"""


class Tab:
    """What the browser side of a session receives."""

    def __init__(self) -> None:
        self.data = b""
        self.closed = 0
        self.log: list[str] = []

    async def write_bytes(self, data: bytes) -> None:
        self.data += data

    async def write_str(self, text: str) -> None:
        pass

    async def close(self) -> None:
        self.closed += 1


def make(script: str, tab: Tab) -> AppSession:
    return AppSession(
        7,
        [sys.executable, "-c", script],
        write_bytes=tab.write_bytes,
        write_str=tab.write_str,
        close=tab.close,
        download_manager=DownloadManager(),
        log_line=tab.log.append,
    )


async def wait_for(check: object, guard: float = 30.0) -> None:
    deadline = time.monotonic() + guard
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "hang guard"
        await asyncio.sleep(0.05)


async def test_an_app_that_ignores_quit_and_sigterm_is_killed_with_its_group(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(session_module, "QUIT_GRACE", 0.3)
    monkeypatch.setattr(session_module, "TERM_GRACE", 0.3)
    tab = Tab()
    app = make(STUBBORN, tab)
    await app.start(80, 24)
    await wait_for(lambda: any("grandchild" in line for line in tab.log))
    grandchild = int(next(line for line in tab.log if "grandchild" in line).split()[-1])
    assert app.pid is not None and alive(app.pid) and alive(grandchild)
    status = await asyncio.wait_for(app.end(), 30)
    assert status == -signal.SIGKILL
    await wait_for(lambda: not alive(grandchild))
    assert tab.closed >= 1  # the page was told
    assert await asyncio.wait_for(app.end(), 5) == status  # ending twice is one ending


async def test_stderr_is_passed_on_escaped_numbered_and_clipped() -> None:
    tab = Tab()
    app = make(HOSTILE, tab)
    await app.start(80, 24)
    assert await asyncio.wait_for(app.end(), 30) == 0
    assert tab.log[0] == "session 7: \\x1b]52;c;ZXZpbA==\\x07\\x1b[2Jcleared?"
    assert all("\x1b" not in line and "\x07" not in line for line in tab.log)
    assert len(tab.log) == 2  # the long line once, clipped
    assert all(len(line) <= len("session 7: ") + LINE_LIMIT for line in tab.log)
    # it never started a screen: the tab shows what it said
    assert b"cleared?" in tab.data and b"\x1b" not in tab.data
