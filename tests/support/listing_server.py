"""A loopback fake of distribution's paginated listings, for lists a real registry cannot
hold quickly (a million tags) or would never send (a ``Link`` that goes on for ever).

Pagination as distribution does it for ``_catalog``: at most ``n`` (capped at 1,000)
entries a page, and a relative ``Link: </v2/…?last=…&n=…>; rel="next"`` while more
follow. Repositories:

* ``bench/million``: ``total`` tags named by :func:`tag_name`, ``3.14.159-r0314159``;
* ``endless/short``: every page links to a new next page with a new ``last``, for ever
  (issue #12: 814 MB before the page limit stopped it); names by :func:`endless_name`;
* ``endless/long``: the same with :data:`LONG`-character names.

``_catalog`` goes on for ever too, with names by :func:`endless_name` (or, with
``endless_catalog=False``, lists the three repositories above). What was served is
recorded (``pages``, ``bytes_sent``) so a test can compare with what the client kept.
Its pages are plain stdlib JSON: :func:`page_body` builds the exact bytes of each.

Run as a script (``python -m tests.support.listing_server TOTAL [--endless-catalog]``),
it prints its port and serves until its standard input closes: the benchmark measures
the client's memory without the server's.
"""

from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit

__all__ = [
    "LONG",
    "PAGE",
    "ListingServer",
    "endless_name",
    "page_body",
    "tag_name",
]

PAGE = 1000
"""Most entries a page holds (distribution's ``catalog.maxentries``)."""
LONG = 120
"""Characters of an ``endless/long`` name."""


def tag_name(i: int) -> str:
    """The ``i``-th tag of ``bench/million``: versions, unique by their ``-r`` tail."""
    return f"{i // 100_000}.{i // 1000 % 100}.{i % 1000}-r{i:07d}"


def endless_name(page: int, j: int, *, long: bool = False) -> str:
    """Entry ``j`` of page ``page`` of an endless listing."""
    name = f"endless-{page:09d}-{j:04d}"
    return name + "x" * (LONG - len(name)) if long else name


def page_body(key: str, entries: list[str], name: str | None = None) -> bytes:
    """The exact bytes of one page."""
    obj: dict[str, object] = {key: entries} if name is None else {"name": name, key: entries}
    return json.dumps(obj).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        try:
            n = min(int(query.get("n", PAGE)), PAGE)
        except ValueError:
            n = PAGE
        last = query.get("last")
        path = url.path
        if path == "/v2/":
            self._send(200, b"{}")
        elif path == "/v2/_catalog" and not self.server.endless_catalog:
            names = ["bench/million", "endless/long", "endless/short"]
            self._send(200, page_body("repositories", names))
        elif path == "/v2/_catalog":
            page = _endless_page(last)
            names = [endless_name(page, j) for j in range(n)]
            self._send(200, page_body("repositories", names), f"{path}?last={names[-1]}&n={n}")
        elif path == "/v2/bench/million/tags/list":
            start = 0 if last is None else int(last.rpartition("-r")[2]) + 1
            stop = min(start + n, self.server.total)
            tags = [tag_name(i) for i in range(start, stop)]
            more = stop < self.server.total
            link = f"{path}?last={quote(tags[-1])}&n={n}" if more else None
            self._send(200, page_body("tags", tags, "bench/million"), link)
        elif path in ("/v2/endless/short/tags/list", "/v2/endless/long/tags/list"):
            page = _endless_page(last)
            long = path.startswith("/v2/endless/long/")
            tags = [endless_name(page, j, long=long) for j in range(n)]
            name = path[len("/v2/") : -len("/tags/list")]
            self._send(200, page_body("tags", tags, name), f"{path}?last={tags[-1]}&n={n}")
        else:
            body = b'{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known"}]}'
            self._send(404, body)

    def _send(self, status: int, body: bytes, link: str | None = None) -> None:
        with self.server.lock:
            self.server.pages.append(self.path)
            self.server.bytes_sent += len(body)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Docker-Distribution-API-Version", "registry/2.0")
        if link is not None:
            self.send_header("Link", f'<{link}>; rel="next"')
        self.end_headers()
        self.wfile.write(body)


def _endless_page(last: str | None) -> int:
    """The page after the one ``last`` ends (``endless-000000007-0999…`` -> 8)."""
    if last is None:
        return 0
    return int(last.split("-")[1]) + 1


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hangs up after its limit is not the server's error

    def __init__(self, total: int, endless_catalog: bool) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.total = total
        self.endless_catalog = endless_catalog
        self.lock = threading.Lock()
        self.pages: list[str] = []
        self.bytes_sent = 0


class ListingServer:
    """The fake on a free loopback port, served from a thread."""

    def __init__(self, total: int = 1_000_000, *, endless_catalog: bool = True) -> None:
        self._server = _Server(total, endless_catalog)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self._server.server_address[1]}"

    @property
    def pages(self) -> list[str]:
        """Paths (with queries) of every answer so far."""
        return list(self._server.pages)

    @property
    def bytes_sent(self) -> int:
        """Bytes of every body sent so far."""
        return self._server.bytes_sent

    def reset(self) -> None:
        with self._server.lock:
            self._server.pages.clear()
            self._server.bytes_sent = 0

    def start(self) -> ListingServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def main() -> int:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    server = ListingServer(total, endless_catalog="--endless-catalog" in sys.argv).start()
    print(server._server.server_address[1], flush=True)
    sys.stdin.read()
    server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
