"""A quiet ``BaseHTTPRequestHandler`` that answers with a body and its length: the base of
the test servers that echo what the client sent."""

from __future__ import annotations

import contextlib
from http.server import BaseHTTPRequestHandler
from typing import Any

__all__ = ["QuietHandler"]


class QuietHandler(BaseHTTPRequestHandler):
    """No access log on stderr; :meth:`send` writes a JSON (or given) answer."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def handle(self) -> None:
        # The client may hang up mid-answer (regview stops reading some on purpose).
        with contextlib.suppress(ConnectionError):
            super().handle()

    def send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for k, v in {"Content-Type": "application/json", **(headers or {})}.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
