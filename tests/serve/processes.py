"""The processes of a ``regview serve`` run, read from /proc: the server, its apps.

:class:`Served` runs a server command as a subprocess, pumps its stdout and stderr into
lists of lines (its first stdout line is the URL), and finds its app processes.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO
from urllib.parse import parse_qs, urlsplit

__all__ = ["Served", "alive", "app_pids", "cmdline", "descendants", "rss_kib", "wait_until"]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces and parentheses
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (zombies excluded)."""
    out: list[int] = []
    todo = [pid]
    while todo:
        kids = _children(todo.pop())
        out += kids
        todo += kids
    return out


def cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rindex(")") + 2] != "Z"


def app_pids(server_pid: int) -> list[int]:
    """The app processes (``python -m regview …``) a server started."""
    return [p for p in descendants(server_pid) if cmdline(p)[1:3] == ["-m", "regview"]]


def wait_until(check: Callable[[], bool], *, guard: float, what: str) -> None:
    """Poll ``check`` until it holds; fail after ``guard`` seconds (a hang guard only)."""
    deadline = time.monotonic() + guard
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {guard:.0f} s")


class Served:
    """A running ``regview serve``: its URL, its output lines, its process tree."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.argv = argv
        self.process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        self.out: list[str] = []
        self.err: list[str] = []
        self._changed = threading.Condition()
        self._ended = 0
        assert self.process.stdout is not None and self.process.stderr is not None
        for stream, lines in ((self.process.stdout, self.out), (self.process.stderr, self.err)):
            threading.Thread(target=self._pump, args=(stream, lines), daemon=True).start()
        self.url = ""

    def _pump(self, stream: IO[bytes], lines: list[str]) -> None:
        for raw in stream:
            with self._changed:
                lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._ended += 1
            self._changed.notify_all()

    def wait_out(self, pattern: str, *, guard: float = 60.0) -> re.Match[str]:
        """The first stdout line matching ``pattern`` (waiting for it: a hang guard)."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + guard
        with self._changed:
            while True:
                for line in self.out:
                    if match := regex.search(line):
                        return match
                left = deadline - time.monotonic()
                if left <= 0 or self._ended == 2:
                    break
                self._changed.wait(min(left, 0.5))
        raise AssertionError(
            f"the server never printed {pattern!r}\nstdout: {self.out}\nstderr: {self.err}"
        )

    def started(self) -> Served:
        match = self.wait_out(r"^http://\S+$", guard=60.0)
        self.url = match.group(0)
        return self

    @property
    def base(self) -> str:
        """``http://host:port`` without the token."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def token(self) -> str:
        return parse_qs(urlsplit(self.url).query)["token"][0]

    @property
    def port(self) -> int:
        return int(urlsplit(self.url).port or 0)

    @property
    def pid(self) -> int:
        return self.process.pid

    def apps(self) -> list[int]:
        return app_pids(self.pid)

    def signal(self, sig: signal.Signals) -> int:
        """Send ``sig`` and wait for the server to exit (a hang guard); its status."""
        self.process.send_signal(sig)
        return self.exited()

    def exited(self) -> int:
        """Wait for the server to exit and its output to be read (a hang guard)."""
        status = self.process.wait(timeout=60)
        with self._changed:
            self._changed.wait_for(lambda: self._ended == 2, timeout=30)
        return status

    def finish(self) -> None:
        """Stop the server if it still runs; kill whatever it left (and fail loudly)."""
        leftovers = descendants(self.pid) if self.process.poll() is None else []
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for pid in leftovers:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def rss_kib(pid: int) -> int:
    """Resident set size of ``pid`` in KiB (VmRSS), 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
