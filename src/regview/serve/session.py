"""One browser tab's app process: ``python -m regview [FLAGS] [TARGET]`` on a websocket,
with the settings that must not be on its command line (the proxy) in its environment.

textual-serve's :class:`~textual_serve.app_service.AppService` runs its command through a
shell and, to stop it, asks it to quit and waits for as long as it takes. This session
runs the argv itself (no shell, no quoting), in a session of its own (a Ctrl+C typed at
the server's terminal reaches the server, which stops the apps in order), and stops it
for certain: quit, then SIGTERM, then SIGKILL to its process group. On Linux the app also
gets SIGTERM when the server dies without stopping it. What the app writes on stderr is
passed on, one escaped line at a time, with the session's number.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import shlex
import signal
import sys
import time
from asyncio.subprocess import PIPE, Process
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence

from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

from regview.textsafe import visible

__all__ = ["AppSession"]

QUIT_GRACE = 5.0  # seconds an app gets to quit when asked, then SIGTERM
TERM_GRACE = 2.0  # seconds after SIGTERM, then SIGKILL
LINE_LIMIT = 1000  # characters of one forwarded stderr line
_PRELUDE_LINES = 10  # lines an app may print before Textual's start marker

_PACKET_DATA = b"D"
_PACKET_META = b"M"
_PACKET_PACKED = b"P"


def _die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the kernel send SIGTERM when the server dies (Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    parent = os.getpid()
    pr_set_pdeathsig = 1

    def preexec() -> None:
        prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the server died before prctl: do not outlive it
            os._exit(1)

    return preexec


class AppSession(AppService):
    """The app process of one websocket (textual-serve's packet protocol on its pipes)."""

    def __init__(
        self,
        number: int,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        write_bytes: Callable[[bytes], Awaitable[None]],
        write_str: Callable[[str], Awaitable[None]],
        close: Callable[[], Awaitable[None]],
        download_manager: DownloadManager,
        log_line: Callable[[str], None],
    ) -> None:
        super().__init__(
            shlex.join(argv),
            write_bytes=write_bytes,
            write_str=write_str,
            close=close,
            download_manager=download_manager,
        )
        self.number = number
        self.argv = list(argv)
        self.env = dict(env or {})  # over the server's: what must not be on the argv
        self.started = time.monotonic()
        self._log_line = log_line
        self._stderr_tail: deque[str] = deque(maxlen=20)
        self._stderr_task: asyncio.Task[None] | None = None
        self._stopped: asyncio.Future[int | None] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def returncode(self) -> int | None:
        return self._process.returncode if self._process is not None else None

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Process:
        self._process = process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=PIPE,
            stdout=PIPE,
            stderr=PIPE,
            env={**self._build_environment(width=width, height=height), **self.env},
            start_new_session=True,
            preexec_fn=_die_with_parent(),
        )
        assert process.stdin is not None
        self._stdin = process.stdin
        assert process.stderr is not None
        self._stderr_task = asyncio.create_task(self._forward_stderr(process.stderr))
        return process

    async def _forward_stderr(self, stderr: asyncio.StreamReader) -> None:
        pending = b""
        skipping = False  # in the rest of a line too long to pass on whole
        while chunk := await stderr.read(4096):
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                if skipping:
                    skipping = False
                    continue
                self._stderr_line(line)
            if len(pending) > LINE_LIMIT * 4:
                if not skipping:
                    self._stderr_line(pending)
                skipping, pending = True, b""
        if pending and not skipping:
            self._stderr_line(pending)

    def _stderr_line(self, raw: bytes) -> None:
        text = visible(raw.decode("utf-8", "replace").rstrip("\r"), limit=LINE_LIMIT)
        self._stderr_tail.append(text)
        self._log_line(f"session {self.number}: {text}")

    async def run(self) -> None:
        """Pass the app's packets to the browser until its stdout ends."""
        process = self._process
        assert process is not None and process.stdout is not None
        stdout = process.stdout
        try:
            if await self._wait_for_start(stdout):
                while True:
                    kind = await stdout.readexactly(1)
                    size = int.from_bytes(await stdout.readexactly(4), "big")
                    payload = await stdout.readexactly(size)
                    if kind == _PACKET_DATA:
                        await self.on_data(payload)
                    elif kind == _PACKET_META:
                        await self.on_meta(payload)
                    elif kind == _PACKET_PACKED:
                        await self.on_packed(payload)
            else:
                await self._show_failure()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            await self.remote_close()

    async def _wait_for_start(self, stdout: asyncio.StreamReader) -> bool:
        for _ in range(_PRELUDE_LINES):
            line = await stdout.readline()
            if not line:
                return False
            if line == b"__GANGLION__\n":
                return True
        return False

    async def _show_failure(self) -> None:
        """The app ended before it started (a bad target, say): show why in the tab."""
        if self._stderr_task is not None:
            await asyncio.wait({self._stderr_task}, timeout=QUIT_GRACE)
        tail = list(self._stderr_tail) or ["regview exited before its screen appeared"]
        text = "\r\n".join(tail) + "\r\n"
        await self.remote_write_bytes(text.encode("utf-8"))

    async def stop(self) -> None:
        await self.end()

    async def end(self) -> int | None:
        """End the app (asked, then SIGTERM, then SIGKILL); its exit status."""
        if self._stopped is None:
            self._stopped = asyncio.get_running_loop().create_future()
            try:
                self._stopped.set_result(await self._stop())
            except BaseException as exc:
                self._stopped.set_exception(exc)
                raise
        return await asyncio.shield(self._stopped)

    async def _stop(self) -> int | None:
        process = self._process
        if process is None:
            return None
        await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
        if process.returncode is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.send_meta({"type": "quit"}), QUIT_GRACE)
            if not await _exited(process, QUIT_GRACE):
                self._signal(signal.SIGTERM)
                if not await _exited(process, TERM_GRACE):
                    self._signal(signal.SIGKILL)
                    await process.wait()
        self._signal(signal.SIGKILL)  # anything the app left running in its group
        for task in (self._task, self._stderr_task):
            if task is not None and not await _finished(task, TERM_GRACE):
                task.cancel()
        return process.returncode

    def _signal(self, sig: signal.Signals) -> None:
        if self._process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._process.pid, sig)


async def _exited(process: Process, seconds: float) -> bool:
    try:
        await asyncio.wait_for(process.wait(), seconds)
    except TimeoutError:
        return False
    return True


async def _finished(task: asyncio.Task[None], seconds: float) -> bool:
    done, _ = await asyncio.wait({task}, timeout=seconds)
    return bool(done)
