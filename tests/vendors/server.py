"""The base of the vendor fakes: real HTTP/1.1 on 127.0.0.1, one thread per connection.

A :class:`VendorServer` owns one or more :class:`Listener` s (a registry API host, a token
service on another host, ...), each a ``ThreadingHTTPServer`` in a daemon thread, so sync
tests (the CLI in a subprocess) and async tests (the client, the TUI under Pilot) use
it alike. Every request is recorded (:attr:`VendorServer.seen`). A vendor module
subclasses it and answers in :meth:`VendorServer.answer`, which returns a
:class:`Reply`.

:class:`Images` holds small OCI images (manifests, configs, layers) and answers the
distribution API's manifest, blob and tag-list reads the way every vendor shares;
the vendor modules change only what their documentation says differs.
"""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from regview.registry import media_types as mt
from tests.support.fake_registry import digest_of, make_image

__all__ = ["Images", "Listener", "Reply", "Request", "VendorServer", "oci_error"]


@dataclass(frozen=True)
class Request:
    """One request as a listener received it."""

    listener: str
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    @property
    def authorization(self) -> str | None:
        return self.headers.get("authorization")

    def basic(self) -> tuple[str, str] | None:
        """(user, password) from a Basic Authorization header, if there is one."""
        value = self.authorization or ""
        if not value.startswith("Basic "):
            return None
        try:
            user, _, password = base64.b64decode(value[6:]).decode().partition(":")
        except ValueError:
            return None
        return user, password

    def bearer(self) -> str | None:
        value = self.authorization or ""
        return value[7:] if value.startswith("Bearer ") else None


@dataclass
class Reply:
    """An answer: status, headers (in order, repeats allowed) and body."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def json(cls, status: int, obj: Any, headers: list[tuple[str, str]] | None = None) -> Reply:
        body = json.dumps(obj).encode()
        return cls(status, body, [("Content-Type", "application/json"), *(headers or [])])

    @classmethod
    def text(cls, status: int, text: str, headers: list[tuple[str, str]] | None = None) -> Reply:
        return cls(status, text.encode(), [("Content-Type", "text/plain"), *(headers or [])])


def oci_error(
    status: int, code: str, message: str, headers: list[tuple[str, str]] | None = None
) -> Reply:
    """The distribution spec's error body: ``{"errors": [{"code", "message", "detail"}]}``."""
    return Reply.json(
        status, {"errors": [{"code": code, "message": message, "detail": None}]}, headers
    )


class Listener:
    """One ``host:port`` on loopback, answered by its server's :meth:`VendorServer.answer`."""

    def __init__(self, owner: VendorServer, name: str) -> None:
        self.name = name
        outer = owner

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                request = Request(
                    listener=name,
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    headers={k.lower(): v for k, v in self.headers.items()},
                )
                length = int(self.headers.get("content-length") or 0)
                if length:
                    self.rfile.read(length)
                outer.record(request)
                try:
                    reply = outer.answer(request)
                except Exception as exc:  # a bug in the fake: say so, loudly
                    outer.errors.append(f"{type(exc).__name__}: {exc}")
                    reply = Reply.text(500, "fake server error")
                self.send_response(reply.status)
                for key, value in reply.headers:
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if self.command != "HEAD" and reply.body:
                    self.wfile.write(reply.body)

            do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = _serve

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, name=f"vendor-{name}", daemon=True
        )

    @property
    def address(self) -> str:
        """``127.0.0.1:PORT``."""
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``: what an endpoint override points at."""
        return f"http://{self.address}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class VendorServer:
    """Listeners named in ``LISTENERS``; subclasses answer in :meth:`answer`."""

    LISTENERS: tuple[str, ...] = ("registry",)

    def __init__(self) -> None:
        self.listeners = {name: Listener(self, name) for name in self.LISTENERS}
        self.seen: list[Request] = []
        self.errors: list[str] = []
        self._lock = threading.Lock()

    def __enter__(self) -> VendorServer:
        for listener in self.listeners.values():
            listener.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for listener in self.listeners.values():
            listener.stop()

    def endpoints(self) -> dict[str, str]:
        """``Settings.endpoints`` that send the vendor's hosts to these listeners."""
        raise NotImplementedError

    def endpoints_env(self) -> str:
        """The same, as ``$REGVIEW_ENDPOINTS``."""
        return ",".join(f"{host}={url}" for host, url in self.endpoints().items())

    def record(self, request: Request) -> None:
        with self._lock:
            self.seen.append(request)

    def requests(self, listener: str | None = None) -> list[Request]:
        with self._lock:
            return [r for r in self.seen if listener is None or r.listener == listener]

    def reset(self) -> None:
        with self._lock:
            self.seen.clear()

    def answer(self, request: Request) -> Reply:
        raise NotImplementedError


@dataclass
class Images:
    """Small OCI images by repository and tag, answered as distribution does."""

    manifests: dict[tuple[str, str], bytes] = field(default_factory=dict)
    tags: dict[str, list[str]] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)

    def put(self, repository: str, *tags: str, label: str = "x") -> str:
        """Store an image under ``tags``; return its manifest digest."""
        manifest, config, layers = make_image(label or repository)
        digest = digest_of(manifest)
        self.manifests[(repository, digest)] = manifest
        for tag in tags:
            self.manifests[(repository, tag)] = manifest
            self.tags.setdefault(repository, []).append(tag)
        self.blobs[digest_of(config)] = config
        for layer in layers:
            self.blobs[digest_of(layer)] = layer
        return digest

    def repositories(self) -> list[str]:
        return sorted({repo for repo, _ in self.manifests})

    def manifest(self, request: Request, repository: str, reference: str) -> Reply:
        data = self.manifests.get((repository, reference))
        if data is None:
            return oci_error(404, "MANIFEST_UNKNOWN", "manifest unknown")
        return Reply(
            200,
            data,
            [("Content-Type", mt.OCI_MANIFEST), ("Docker-Content-Digest", digest_of(data))],
        )

    def blob(self, request: Request, digest: str) -> Reply:
        data = self.blobs.get(digest)
        if data is None:
            return oci_error(404, "BLOB_UNKNOWN", "blob unknown to registry")
        return Reply(200, data, [("Content-Type", "application/octet-stream"),
                                 ("Docker-Content-Digest", digest)])

    def read(self, request: Request, repository: str, kind: str, reference: str) -> Reply:
        """A manifest, blob or tag-list read (``split_v2``'s parts), as distribution
        answers it."""
        if kind == "manifests":
            return self.manifest(request, repository, reference)
        if kind == "blobs":
            return self.blob(request, reference)
        if kind == "tags":
            tags = self.tag_list(repository)
            if tags is None:
                return oci_error(404, "NAME_UNKNOWN", "repository name not known to registry")
            return Reply.json(200, {"name": repository, "tags": tags})
        return oci_error(404, "NOT_FOUND", "not found")

    def tag_list(self, repository: str) -> list[str] | None:
        return None if repository not in self.tags else sorted(self.tags[repository])


def split_v2(path: str) -> tuple[str, str, str] | None:
    """``/v2/<repo>/<kind>/<ref>`` -> (repo, kind, ref); ``tags/list`` gives kind ``tags``."""
    if not path.startswith("/v2/"):
        return None
    rest = path[len("/v2/"):]
    if rest.endswith("/tags/list"):
        return rest[: -len("/tags/list")], "tags", ""
    for kind in ("manifests", "blobs", "referrers"):
        marker = f"/{kind}/"
        if marker in rest:
            repo, _, ref = rest.rpartition(marker)
            return repo, kind, ref
    return None


def page_of(names: list[str], last: str | None, n: int) -> tuple[list[str], bool]:
    """The ``n`` names after ``last`` (sorted input), and whether more follow."""
    start = 0
    if last is not None:
        start = next((i for i, name in enumerate(names) if name > last), len(names))
    page = names[start : start + n]
    return page, start + n < len(names)
