"""The explorer served to browsers: a textual-serve :class:`Server` with a token, its own
page, and sessions that always end.

Each websocket gets an :class:`~regview.serve.session.AppSession` (its own app process).
The server prints its URL, then one line when a session opens and one when it closes, on
stdout; what the apps write on stderr goes to stderr. SIGINT, SIGTERM and SIGHUP stop
every session, then the server.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import shlex
import signal
import socket
import sys
import time
from collections.abc import Mapping, Sequence
from typing import TextIO

from aiohttp import WSCloseCode, WSMsgType, web
from textual_serve.server import Server

from regview.serve.access import Access, new_token, refused
from regview.serve.page import render_page
from regview.serve.session import AppSession

__all__ = ["RegviewServer", "url_for"]

HEARTBEAT = 15.0  # seconds between websocket pings: a vanished browser is noticed
MAX_MESSAGE = 1 << 20  # bytes of one websocket message (a paste, say)
WIDTH_RANGE = (10, 1000)
HEIGHT_RANGE = (4, 500)
DRAIN_TIMEOUT = 15.0  # seconds to wait for the handlers of stopped sessions


def url_for(host: str, port: int, token: str) -> str:
    """The URL to open: ``host`` as the user named it (a name for an any-address bind)."""
    if host in ("0.0.0.0", "::", ""):
        host = socket.gethostname()
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}/?token={token}"


def _clamp(value: object, default: int, bounds: tuple[int, int]) -> int:
    try:
        number = int(str(value))
    except ValueError:
        number = default
    return max(bounds[0], min(bounds[1], number))


class RegviewServer(Server):
    """Serves ``app_argv`` (``python -m regview …``) to every browser tab with the token,
    each app with ``app_env`` laid over the server's environment."""

    def __init__(
        self,
        app_argv: Sequence[str],
        *,
        sock: socket.socket,
        url_host: str,
        title: str,
        app_env: Mapping[str, str] | None = None,
        out: TextIO = sys.stdout,
        err: TextIO = sys.stderr,
    ) -> None:
        port = int(sock.getsockname()[1])
        super().__init__(shlex.join(app_argv), host=url_host, port=port, title=title)
        self.app_argv = list(app_argv)
        self.app_env = dict(app_env or {})
        self.sock = sock
        self.access = Access(new_token(), port)
        self.url = url_for(url_host, port, self.access.token)
        self._out = out
        self._err = err
        self._numbers = itertools.count(1)
        self._sessions: dict[int, tuple[AppSession, web.WebSocketResponse]] = {}
        self._idle = asyncio.Event()
        self._idle.set()
        self._stopping = False

    # --- output ---------------------------------------------------------------------

    def say(self, line: str) -> None:
        print(line, file=self._out, flush=True)

    def warn(self, line: str) -> None:
        print(line, file=self._err, flush=True)

    # --- the web application --------------------------------------------------------

    async def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self.access.middleware])
        app.on_response_prepare.append(self.access.on_prepare)
        app.add_routes(
            [
                web.get("/", self.page, name="index"),
                web.get("/ws", self.websocket, name="websocket"),
                web.get("/download/{key}", self.handle_download, name="download"),
                web.static("/static", self.statics_path, show_index=False, name="static"),
            ]
        )
        return app

    async def page(self, request: web.Request) -> web.Response:
        nonce = secrets.token_urlsafe(16)
        request["nonce"] = nonce  # the access headers add the page's CSP with it
        font_size = _clamp(request.query.get("fontsize", "16"), 16, (6, 64))
        html = render_page(title=self.title, font_size=font_size, nonce=nonce)
        return web.Response(text=html, content_type="text/html")

    async def websocket(self, request: web.Request) -> web.StreamResponse:
        if not self.access.same_origin(request):
            return refused()
        if self._stopping:
            return web.Response(status=503, text="regview serve is stopping\n")
        width = _clamp(request.query.get("width", "80"), 80, WIDTH_RANGE)
        height = _clamp(request.query.get("height", "24"), 24, HEIGHT_RANGE)
        ws = web.WebSocketResponse(heartbeat=HEARTBEAT, max_msg_size=MAX_MESSAGE)
        await ws.prepare(request)

        async def close() -> None:
            await ws.close()

        number = next(self._numbers)
        session = AppSession(
            number,
            self.app_argv,
            env=self.app_env,
            write_bytes=ws.send_bytes,
            write_str=ws.send_str,
            close=close,
            download_manager=self.download_manager,
            log_line=self.warn,
        )
        self._sessions[number] = (session, ws)
        self._idle.clear()
        try:
            try:
                await session.start(width, height)
            except OSError as exc:
                self.say(f"session {number} could not start: {exc.strerror or exc}")
                return ws
            self.say(
                f"session {number} opened: pid {session.pid}, {width}x{height}, "
                f"from {request.remote}"
            )
            await self._receive(ws, session)
        finally:
            code = await session.end()
            await ws.close()
            del self._sessions[number]
            if not self._sessions:
                self._idle.set()
            if code is not None:
                elapsed = time.monotonic() - session.started
                self.say(f"session {number} closed: exit {code} after {elapsed:.1f} s")
        return ws

    async def _receive(self, ws: web.WebSocketResponse, session: AppSession) -> None:
        """The browser's messages (textual-serve's protocol), checked, to the app."""
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                envelope = json.loads(message.data)
            except ValueError:
                continue
            if not isinstance(envelope, list) or not envelope:
                continue
            kind, data = envelope[0], envelope[1] if len(envelope) > 1 else None
            if kind == "stdin" and isinstance(data, str):
                await session.send_bytes(data.encode("utf-8", "replace"))
            elif kind == "resize" and isinstance(data, dict):
                await session.set_terminal_size(
                    _clamp(data.get("width"), 80, WIDTH_RANGE),
                    _clamp(data.get("height"), 24, HEIGHT_RANGE),
                )
            elif kind == "ping" and isinstance(data, str):
                await ws.send_json(["pong", data])
            elif kind == "blur":
                await session.blur()
            elif kind == "focus":
                await session.focus()

    # --- running --------------------------------------------------------------------

    def serve(self, debug: bool = False) -> None:
        """Serve until SIGINT or SIGTERM (textual-serve's entry point, kept working)."""
        asyncio.run(self.run())

    async def run(self) -> int:
        """Serve until SIGINT, SIGTERM or SIGHUP; then stop every session. Exit status 0."""
        app = await self._make_app()
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=5)
        await runner.setup()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
        for sig in signals:
            loop.add_signal_handler(sig, stop.set)
        try:
            await web.SockSite(runner, self.sock).start()
            self.say(self.url)
            await stop.wait()
        finally:
            await self.stop_sessions()
            await runner.cleanup()
            for sig in signals:
                loop.remove_signal_handler(sig)
        return 0

    async def stop_sessions(self) -> None:
        """Stop every app process and close every websocket; refuse new ones."""
        self._stopping = True
        sessions = list(self._sessions.values())
        await asyncio.gather(*(s.end() for s, _ in sessions), return_exceptions=True)
        await asyncio.gather(
            *(ws.close(code=WSCloseCode.GOING_AWAY) for _, ws in sessions),
            return_exceptions=True,
        )
        try:
            await asyncio.wait_for(self._idle.wait(), DRAIN_TIMEOUT)
        except TimeoutError:
            self.warn(f"regview serve: {len(self._sessions)} session(s) did not close")
