"""Processes the benchmark runs: the real registry and the latency proxy (loopback only)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # tests.support (the registry helper and the pusher)

from tests.support.registry import RegistryServer  # noqa: E402

__all__ = ["LatencyProxy", "RegistryServer", "cpu_seconds", "load", "registry"]


@contextlib.contextmanager
def registry(workdir: Path) -> Iterator[RegistryServer]:
    """``docker-registry`` on 127.0.0.1, storage on /dev/shm when there is one."""
    server = RegistryServer(workdir, name="bench-registry")
    server.start()
    try:
        yield server
    finally:
        server.cleanup()


class LatencyProxy:
    """``latency_proxy.py`` in its own process (so it never competes for our GIL).

    ``port`` 0 takes any free port; a fixed one keeps ``127.0.0.1:PORT`` the same from
    run to run (regview's cache is keyed by host:port).
    """

    def __init__(self, target: str, rtt_ms: float, port: int = 0) -> None:
        self.target = target
        self.rtt_ms = rtt_ms
        self.port = port
        self.stats = ""
        self._proc: subprocess.Popen[str] | None = None

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def __enter__(self) -> LatencyProxy:
        self._proc = subprocess.Popen(
            [
                sys.executable,
                str(HERE / "latency_proxy.py"),
                "--listen",
                f"127.0.0.1:{self.port}",
                "--target",
                self.target,
                "--rtt-ms",
                str(self.rtt_ms),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line.startswith("LISTENING "):
            self._proc.kill()
            self._proc.wait()
            raise RuntimeError(
                f"latency proxy did not start on port {self.port or 'any'}: {line!r} "
                "(is the port taken? choose another with --proxy-port)"
            )
        self.port = int(line.split()[1])
        return self

    def __exit__(self, *exc: object) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.close()  # the proxy stops when its stdin closes
        try:
            self.stats = proc.stdout.read().strip()
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU seconds a running process (all its threads) has used so far."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


def load() -> str:
    """The 1-minute load average and the CPU count, e.g. ``1.85 on 2 CPUs``."""
    one, _five, _fifteen = os.getloadavg()
    return f"{one:.2f} on {os.cpu_count()} CPUs"
