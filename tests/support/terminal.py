"""Run a command in a pseudo-terminal of its own, as a person at a terminal would.

:class:`Terminal` forks a child whose controlling terminal is a new pty of the given
size (``/dev/tty`` works in it), runs ``sh -c COMMAND`` there, and lets a test read
what it draws (escape sequences stripped), type keys and wait for it to exit. Every
wait has a deadline: a child that hangs is killed and the test fails, it never blocks.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import select
import signal
import struct
import termios
import time
from collections.abc import Mapping

# CSI and OSC sequences, and two-character escapes: what a TUI draws besides text.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]")


class Terminal:
    """``sh -c command`` in its own pty, ``columns`` x ``rows``."""

    def __init__(
        self,
        command: str,
        env: Mapping[str, str],
        *,
        columns: int = 120,
        rows: int = 40,
    ) -> None:
        self.raw = b""
        self.status: int | None = None
        pid, fd = pty.fork()
        if pid == 0:  # the child: the pty is its controlling terminal and its stdio
            try:
                os.execve("/bin/sh", ["sh", "-c", command], {**env, "TERM": "xterm-256color"})
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))

    @property
    def text(self) -> str:
        """Everything drawn so far, escape sequences removed."""
        return _ESCAPES.sub("", self.raw.decode("utf-8", "replace"))

    def _pump(self, timeout: float) -> bool:
        """Read what is there within ``timeout``; False once the pty is closed."""
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: every process on the slave side has gone
            return False
        self.raw += data
        return bool(data)

    def read_until(self, needle: str, timeout: float = 60.0) -> str:
        """Read until ``needle`` has been drawn; fail with the screen when it never is."""
        deadline = time.monotonic() + timeout
        while needle not in self.text:
            left = deadline - time.monotonic()
            if left <= 0 or not self._pump(min(left, 0.2)):
                if needle in self.text:
                    break
                raise AssertionError(f"{needle!r} never appeared; drawn:\n{self.text[-3000:]}")
        return self.text

    def send(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def wait(self, timeout: float = 60.0) -> int:
        """The exit status of ``sh``; the child is killed if it has not exited in time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                while self._pump(0.05):
                    pass
                self.status = os.waitstatus_to_exitcode(status)
                return self.status
            self._pump(0.1)
        self.close()
        raise AssertionError(f"still running after {timeout} s; drawn:\n{self.text[-3000:]}")

    def close(self) -> None:
        """Kill the child's process group if it still runs, and close the pty."""
        if self.status is None:
            try:
                os.killpg(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            self.status = -signal.SIGKILL
        with contextlib.suppress(OSError):
            os.close(self.fd)

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
