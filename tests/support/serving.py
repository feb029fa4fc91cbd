"""Run a test server on 127.0.0.1 in a thread for the length of a ``with`` block: an
``http.server`` one (:func:`serving`), or an asyncio one (:class:`LoopbackServer`)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from typing import Self

__all__ = ["LoopbackServer", "serving"]


@contextlib.contextmanager
def serving(server: ThreadingHTTPServer) -> Iterator[str]:
    """Serve ``server`` (bound to a loopback port) until the block ends; yields
    ``127.0.0.1:PORT``. The server is shut down and closed afterwards, even on error."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


class LoopbackServer:
    """An asyncio server on 127.0.0.1, on an event loop in a thread of its own.

    A subclass (a dataclass with a ``port`` field, 0 for any free port) answers each
    connection in ``_serve``; ``with`` starts it (``port`` then holds the port taken) and
    stops it, cancelling what is still being served.
    """

    port: int

    def __post_init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            if self._server is not None:
                self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _start(self) -> asyncio.Server:
        return await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError
