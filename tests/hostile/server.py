"""A hostile container registry: real HTTP/1.1 on loopback, with byte-level control.

:class:`HostileServer` runs raw ``asyncio.start_server`` listeners in a background
thread with their own event loop, so sync tests (the CLI) and async tests (the client,
the TUI) use it alike. It can stall after the headers, drip a body, reset a connection in
the middle of a body, lie in ``Content-Length``, send headers forever, and serve 50 MiB or
a gzip bomb without building them in memory.

Listeners (each a ``host:port`` that regview treats as a registry):

``registry``
    The main hostile registry, no auth. Its catalog lists every case below.
``secure``
    Bearer auth with its token realm on ``other``; users in :data:`USERS`. Its catalog's
    ``Link`` points to ``other``. Same repositories as ``registry``.
``basic``
    Basic auth (users in :data:`USERS`): the password itself is in every request's
    Authorization header, so a redirect that kept it would hand it to another host.
``other``
    "Another host" (127.0.0.2 when it binds, else another port): serves token realms
    (``/token/...``), redirected blobs (``/blobs/<digest>``) and anything a ``Link``
    might point at. Every request to it is recorded; tests assert that no
    ``Authorization`` ever reached it, except Basic credentials at a token realm.
``catalog-*``
    Registries whose catalog misbehaves (see :data:`CATALOG_MODES`).

Every request to every listener is recorded (:attr:`HostileServer.seen`).

Repositories of ``registry`` (and ``secure``), one per case, listed in :data:`CASES`.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import json
import re
import secrets
import socket
import struct
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from regview.registry import media_types as mt
from tests.hostile import content as c

USERS = {"alice": "s3cret-pw-\u00e9"}

#: Repository -> one line saying how it misbehaves. The catalog lists all of them.
CASES: dict[str, str] = {
    "ok/image": "a well-behaved image (tags latest, v1)",
    "text/attack": "tags, annotations, labels, env, history, user... are all text attacks",
    "text/error-body": "every answer is a 404 whose OCI error body holds escapes and markup",
    "big/manifest-50mib": "a 50 MiB manifest with Content-Length",
    "big/manifest-50mib-chunked": "a 50 MiB manifest, chunked (no Content-Length)",
    "big/config-200mib": "a manifest whose config declares 200 MiB",
    "big/config-lies": "a config that declares 500 bytes and streams 200 MiB",
    "big/tags-1m": "1,000,000 tags in one tag-list response",
    "big/gzip-bomb": "a manifest sent with Content-Encoding: gzip, inflating to 1 GiB",
    "big/layers-100k": "a manifest with 100,000 layers (~16 MB)",
    "index/self": "an index that lists itself (served again under its child's digest)",
    "index/mutual": "two indexes that list each other",
    "index/deep-1000": "indexes nested 1,000 deep",
    "index/fanout": "an index listing one child 1,000 times, 4 levels (10^12 paths)",
    "manifest/invalid-json": "a manifest that is not JSON",
    "manifest/size-string": 'config descriptor with "size": "10"',
    "manifest/size-negative": 'config descriptor with "size": -1',
    "manifest/size-nan": 'config descriptor with "size": NaN',
    "manifest/size-huge-int": "config descriptor with a 5,000-digit size",
    "manifest/digest-zzz": 'config descriptor with "digest": "sha256:zzz"',
    "manifest/digest-unknown-alg": 'config descriptor with "digest": "md5:..."',
    "manifest/layers-object": '"layers" is an object, not an array',
    "manifest/deep-json": "JSON nested 100,000 deep",
    "manifest/unknown-media-type": "a manifest whose mediaType is unknown (and hostile)",
    "manifest/missing-media-type": "no mediaType and no recognisable shape",
    "manifest/missing-media-type-shaped": "no mediaType, but the shape of an image manifest",
    "manifest/content-type-lies": "Content-Type says index; the body is an image manifest",
    "manifest/content-type-lies-unlabelled": "Content-Type: index; body: unlabelled manifest",
    "manifest/schema1-signed": "a legitimate libtrust-signed schema1 manifest",
    "manifest/schema1-digest-mismatch": "signed schema1, wrong Docker-Content-Digest",
    "config/wrong-types": "an image whose config has Env as a string",
    "config/invalid-json": "an image whose config blob is not JSON (but hashes right)",
    "integrity/header-mismatch": "Docker-Content-Digest does not match the body",
    "integrity/manifest-bytes": "GET by digest returns bytes with another digest",
    "integrity/config-blob": "the config blob's bytes do not hash to its digest",
    "integrity/layer-blob": "a layer blob's bytes do not hash to its digest",
    "fault/stall-after-headers": "GET manifest: headers, 10 bytes, then silence",
    "fault/stall-before-headers": "GET and HEAD manifest: silence",
    "fault/drip": "GET manifest: a byte every 50 ms",
    "fault/stall-blob": "layer blob: headers, then silence",
    "fault/stall-blob-error": "layer blob: a 404 whose body drips",
    "fault/reset-mid-body": "GET manifest: connection reset half-way through the body",
    "fault/reset-blob": "layer blob: connection reset half-way",
    "fault/lying-length": "Content-Length 5000, 100 bytes, then close",
    "fault/garbage-status": "a status line that is not HTTP",
    "fault/endless-headers": "response headers that never end",
    "fault/429-sane": "429 with Retry-After: 1, once, then the image",
    "fault/429-date": "429 with an HTTP-date Retry-After, once, then the image",
    "fault/429-garbage": "429 with Retry-After: soon, once, then the image",
    "fault/429-absurd": "429 with Retry-After: 999999999, always",
    "fault/429-always": "429 with Retry-After: 0, always",
    "fault/500-once": "500 once, then the image",
    "fault/502-once": "502 once, then the image",
    "fault/503-once": "503 once, then the image",
    "fault/503-always": "503, always",
    "fault/redirect-loop": "manifest redirects a -> b -> a ...",
    "fault/redirect-other": "config and layer blobs redirect to the other host",
    "fault/redirect-bad-scheme": "manifest redirects to ftp://",
    "fault/redirect-garbage": "manifest redirects to an unparseable URL",
    "fault/br-encoding": "manifest with Content-Encoding: br",
    "fault/corrupt-gzip": "manifest with Content-Encoding: gzip that is not gzip",
    "auth/realm-stall": "401 Bearer; the realm never answers",
    "auth/realm-bomb": "401 Bearer; the realm answers a gzip bomb",
    "auth/realm-invalid-json": "401 Bearer; the realm answers non-JSON",
    "auth/realm-no-token": "401 Bearer; the realm answers JSON without a token",
    "auth/realm-nan-expiry": "401 Bearer; the token expires in NaN seconds",
    "auth/realm-refuses": "401 Bearer; the realm answers 401",
    "auth/realm-500": "401 Bearer; the realm answers 500",
    "auth/realm-redirect": "401 Bearer; the realm redirects to yet another origin",
    "auth/always-401": "401 Bearer; the token is never accepted",
}

#: Malformed WWW-Authenticate challenges, served by repository auth/challenge-<key>.
CHALLENGES: dict[str, list[str]] = {
    "empty": [""],
    "missing": [],
    "garbage": ['!!!"""===,,,\\'],
    "bearer-bare": ["Bearer"],
    "bearer-empty-realm": ['Bearer realm=""'],
    "bearer-unterminated": ['Bearer realm="http://127.0.0.1:1/token'],
    "bearer-ftp-realm": ['Bearer realm="ftp://example.invalid/token",service="x"'],
    "bearer-relative-realm": ['Bearer realm="/token",service="x"'],
    "bearer-bad-url": ['Bearer realm="http://[::1/token",service="x"'],
    "bearer-bad-port": ['Bearer realm="http://127.0.0.1:1:2/token"'],
    "bearer-escape-realm": ['Bearer realm="http://\x1b]52;c;eA==\x07/token"'],
    "unsupported": ["Negotiate abc==", "NTLM"],
    "huge": ["Bearer " + "a=b," * 20_000],
    "many-params": ["Bearer " + ",".join(f"p{i}=v" for i in range(2000))],
}
for _key in CHALLENGES:
    CASES[f"auth/challenge-{_key}"] = f"401 with a malformed WWW-Authenticate ({_key})"

#: Catalog behaviours, one listener each (``catalog-<mode>``).
CATALOG_MODES: dict[str, str] = {
    "forever": "every page links to a new next page",
    "loop": "page 2 links back to page 1",
    "same-page": "every page repeats the first one under a new URL",
    "other-host": "the Link points to the other host",
    "bad-n": "the Link carries n=abc, and the next page answers 400",
    "redos-link": "Link headers built to make a backtracking regex crawl",
    "huge": "1,000,000 repositories in one response",
    "invalid": '{"repositories": "not a list"}',
}


#: Repositories whose Bearer challenge names a misbehaving token realm on the other
#: host: (realm path, whether even a valid token is refused).
REALM_CASES: dict[str, tuple[str, bool]] = {
    "auth/realm-stall": ("/token/stall", False),
    "auth/realm-bomb": ("/token/bomb", False),
    "auth/realm-invalid-json": ("/token/invalid-json", False),
    "auth/realm-no-token": ("/token/no-token", False),
    "auth/realm-nan-expiry": ("/token/nan-expiry", False),
    "auth/realm-refuses": ("/token/refuse", False),
    "auth/realm-500": ("/token/500", False),
    "auth/realm-redirect": ("/token/redirect", False),
    "auth/always-401": ("/token", True),
}


@dataclass(frozen=True)
class Seen:
    """One request as the server received it."""

    listener: str
    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]

    def header(self, name: str) -> str | None:
        name = name.lower()
        for k, v in self.headers:
            if k == name:
                return v
        return None

    @property
    def authorization(self) -> str | None:
        return self.header("authorization")


@dataclass
class Request:
    listener: str
    method: str
    path: str  # still percent-encoded
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None


class Conn:
    """One client connection; handlers write through it."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.method = "GET"
        self.closed = False

    async def head(self, status: int, headers: Iterable[tuple[str, str]], reason: str = "") -> None:
        lines = [f"HTTP/1.1 {status} {reason or _REASONS.get(status, 'Whatever')}"]
        lines += [f"{k}: {v}" for k, v in headers]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        await self.writer.drain()

    async def write(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def send(
        self,
        status: int,
        body: bytes = b"",
        headers: Iterable[tuple[str, str]] = (),
        *,
        content_type: str | None = "application/json",
    ) -> None:
        hdrs = list(headers)
        if content_type and not any(k.lower() == "content-type" for k, _ in hdrs):
            hdrs.append(("Content-Type", content_type))
        hdrs.append(("Content-Length", str(len(body))))
        await self.head(status, hdrs)
        if self.method != "HEAD" and body:
            await self.write(body)

    async def json(self, status: int, obj: Any, headers: Iterable[tuple[str, str]] = ()) -> None:
        await self.send(status, c.dumps(obj), headers)

    async def stream(
        self,
        status: int,
        chunks: Iterable[bytes],
        headers: Iterable[tuple[str, str]] = (),
        *,
        length: int | None = None,
    ) -> None:
        """Send a lazily generated body, chunked when ``length`` is None."""
        hdrs = list(headers)
        hdrs.append(
            ("Content-Length", str(length))
            if length is not None
            else ("Transfer-Encoding", "chunked")
        )
        await self.head(status, hdrs)
        if self.method == "HEAD":
            return
        for chunk in chunks:
            if not chunk:
                continue
            if length is None:
                await self.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            else:
                await self.write(chunk)
            await asyncio.sleep(0)
        if length is None:
            await self.write(b"0\r\n\r\n")

    async def stall(self, seconds: float = 120.0) -> None:
        """Say nothing more until the client hangs up (or ``seconds`` pass)."""
        with contextlib.suppress(TimeoutError, ConnectionError):
            async with asyncio.timeout(seconds):
                while await self.reader.read(4096):
                    pass
        self.close()

    async def reset(self, after: float = 0.1) -> None:
        """Let what was written reach the client, then send a TCP RST."""
        await asyncio.sleep(after)
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()
        self.closed = True

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.writer.close()


_REASONS = {
    200: "OK",
    206: "Partial Content",
    307: "Temporary Redirect",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}

Handler = Callable[[Request, Conn], Awaitable[None]]


@dataclass
class Listener:
    name: str
    host: str
    port: int = 0
    server: asyncio.Server | None = None

    @property
    def address(self) -> str:
        """``host:port``: what regview calls the registry."""
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}"


def _other_host() -> str:
    """127.0.0.2 when this machine lets us bind it, else 127.0.0.1 (on another port)."""
    try:
        with socket.socket() as s:
            s.bind(("127.0.0.2", 0))
    except OSError:
        return "127.0.0.1"
    return "127.0.0.2"


def oci_error(code: str, message: str) -> dict[str, Any]:
    return {"errors": [{"code": code, "message": message, "detail": None}]}


@dataclass
class _Store:
    """Manifests by (repository, reference) and blobs by digest."""

    manifests: dict[tuple[str, str], tuple[bytes, str]] = field(default_factory=dict)
    tags: dict[str, list[str]] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)

    def put_image(self, repo: str, image: c.Image, *tags: str) -> None:
        self.put_manifest(repo, image.manifest, mt.OCI_MANIFEST, *tags)
        self.blobs.update(image.blobs())

    def put_manifest(self, repo: str, raw: bytes, media_type: str, *tags: str) -> str:
        digest = c.digest_of(raw)
        self.manifests[(repo, digest)] = (raw, media_type)
        for tag in tags:
            self.manifests[(repo, tag)] = (raw, media_type)
            self.tags.setdefault(repo, []).append(tag)
        return digest


class HostileServer:
    """The listeners, their recordings, and the hostile content. Start with ``start()``."""

    def __init__(self) -> None:
        other_host = _other_host()
        self.listeners: dict[str, Listener] = {
            "registry": Listener("registry", "127.0.0.1"),
            "secure": Listener("secure", "127.0.0.1"),
            "basic": Listener("basic", "127.0.0.1"),
            "other": Listener("other", other_host),
        }
        for mode in CATALOG_MODES:
            self.listeners[f"catalog-{mode}"] = Listener(f"catalog-{mode}", "127.0.0.1")
        self.seen: list[Seen] = []
        self.errors: list[str] = []  # exceptions raised by our own handlers (test bugs)
        self.tokens: set[str] = set()
        self._counters: dict[tuple[str, str, str], int] = {}
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._startup_error: BaseException | None = None
        self.store = _Store()
        self._lazy: dict[str, bytes] = {}
        self._build()

    # --- addresses ---------------------------------------------------------------------

    @property
    def registry(self) -> str:
        return self.listeners["registry"].address

    @property
    def secure(self) -> str:
        return self.listeners["secure"].address

    @property
    def basic(self) -> str:
        return self.listeners["basic"].address

    @property
    def other(self) -> str:
        return self.listeners["other"].address

    def catalog(self, mode: str) -> str:
        return self.listeners[f"catalog-{mode}"].address

    # --- recordings --------------------------------------------------------------------

    def requests(self, listener: str | None = None) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if listener is None or s.listener == listener]

    def reset(self) -> None:
        with self._lock:
            self.seen.clear()
            self._counters.clear()

    def leaks(self) -> list[Seen]:
        """Requests to ``other`` that carried credentials they should not have.

        A token realm may receive Basic credentials (the protocol requires it), never a
        bearer token; every other path on ``other`` must receive no Authorization at all.
        """
        bad = []
        for s in self.requests("other"):
            auth = s.authorization
            if auth is None:
                continue
            if s.path.startswith("/token") and auth.startswith("Basic "):
                continue
            bad.append(s)
        return bad

    def _count(self, listener: str, method: str, path: str) -> int:
        """How many times this (listener, method, path) was asked, this one included."""
        with self._lock:
            key = (listener, method, path)
            self._counters[key] = self._counters.get(key, 0) + 1
            return self._counters[key]

    # --- lifecycle -----------------------------------------------------------------------

    def start(self) -> HostileServer:
        self._thread = threading.Thread(target=self._run, name="hostile-registry", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the hostile registry did not start")
        if self._startup_error is not None:
            raise RuntimeError("the hostile registry did not start") from self._startup_error
        return self

    def stop(self) -> None:
        loop = self._loop
        if loop is None or self._thread is None:
            return
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(10)
        self._loop = None

    def __enter__(self) -> HostileServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._listen())
        except BaseException as exc:
            self._startup_error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    async def _listen(self) -> None:
        for listener in self.listeners.values():
            app = self._app_for(listener)

            async def on_connect(
                reader: asyncio.StreamReader,
                writer: asyncio.StreamWriter,
                listener: Listener = listener,
                app: Handler = app,
            ) -> None:
                await self._serve_connection(listener, app, reader, writer)

            listener.server = await asyncio.start_server(
                on_connect, listener.host, 0, limit=1024 * 1024
            )
            listener.port = listener.server.sockets[0].getsockname()[1]

    async def _shutdown(self) -> None:
        for listener in self.listeners.values():
            if listener.server is not None:
                listener.server.close()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _serve_connection(
        self,
        listener: Listener,
        app: Handler,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        conn = Conn(reader, writer)
        try:
            while not conn.closed:
                request = await _read_request(listener.name, reader)
                if request is None:
                    break
                self._record(request)
                conn.method = request.method
                try:
                    await app(request, conn)
                except (ConnectionError, asyncio.IncompleteReadError):
                    break
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # a bug in this test server: report it
                    self.errors.append(f"{request.method} {request.path}: {exc!r}")
                    break
                if request.headers.get("connection", "").lower() == "close":
                    break
        except (
            ConnectionError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            ValueError,
        ):
            pass
        except asyncio.CancelledError:
            pass
        finally:
            conn.close()
            self._tasks.discard(task)

    def _record(self, r: Request) -> None:
        query = "&".join(f"{k}={v}" for k, vs in r.query.items() for v in vs)
        seen = Seen(r.listener, r.method, r.path, query, tuple(r.headers.items()))
        with self._lock:
            self.seen.append(seen)

    # --- content -------------------------------------------------------------------------

    def _build(self) -> None:
        s = self.store
        self.ok = c.Image("ok")
        s.put_image("ok/image", self.ok, "latest", "v1")
        self.hostile = c.hostile_image()
        s.blobs.update(self.hostile.blobs())
        for repo in CASES:
            if repo.startswith(("fault/", "auth/")):
                s.put_image(repo, self.ok, "latest")
        # config/*
        wrong = c.Image("wrong-types", config={"config": {"Env": "PATH=/bin"}})
        s.put_image("config/wrong-types", wrong, "latest")
        not_json = c.Image("not-json")
        not_json.config = b"\x00this is not json"
        manifest = json.loads(not_json.manifest)
        manifest["config"] = c.descriptor(mt.OCI_CONFIG, not_json.config)
        not_json.manifest = c.dumps(manifest)
        s.put_image("config/invalid-json", not_json, "latest")
        # integrity/*
        self.tampered = c.Image("tampered")
        for repo in ("integrity/manifest-bytes", "integrity/config-blob", "integrity/layer-blob"):
            s.tags[repo] = ["latest"]
        # index/*
        self.self_index = c.index_listing([c.fake_digest("self")])
        s.put_manifest("index/self", self.self_index, mt.OCI_INDEX, "latest")
        leaf_b = c.index_listing([c.fake_digest("mutual-a")])  # B lists A (as served)
        self.mutual_a = c.index_listing([c.digest_of(leaf_b)])  # A lists B
        self.mutual_b = c.index_listing([c.digest_of(self.mutual_a)])
        s.put_manifest("index/mutual", self.mutual_a, mt.OCI_INDEX, "latest")
        deep = c.nested_indexes(1000, self.ok.manifest)
        for i, raw in enumerate(deep):
            mtype = mt.OCI_INDEX if i < len(deep) - 1 else mt.OCI_MANIFEST
            s.put_manifest("index/deep-1000", raw, mtype, *(["latest"] if i == 0 else []))
        s.blobs.update(self.ok.blobs())
        fan = c.fanout_indexes(4, 1000, self.ok.manifest)
        for i, raw in enumerate(fan):
            mtype = mt.OCI_INDEX if i < len(fan) - 1 else mt.OCI_MANIFEST
            s.put_manifest("index/fanout", raw, mtype, *(["latest"] if i == 0 else []))
        # manifest/*
        plain = {
            "manifest/invalid-json": b'{"schemaVersion": 2, "mediaType": ',
            "manifest/size-string": c.bad_manifest(size="10"),
            "manifest/size-negative": c.bad_manifest(size=-1),
            "manifest/size-nan": c.bad_manifest(size=float("nan")),
            "manifest/size-huge-int": c.bad_manifest(size=0).replace(
                b'"size":0', b'"size":' + b"9" * 5000
            ),
            "manifest/digest-zzz": c.bad_manifest(digest="sha256:zzz"),
            "manifest/digest-unknown-alg": c.bad_manifest(digest="md5:" + "0" * 32),
            "manifest/layers-object": c.dumps(
                {
                    "schemaVersion": 2,
                    "mediaType": mt.OCI_MANIFEST,
                    "config": json.loads(self.ok.manifest)["config"],
                    "layers": {"a": 1},
                }
            ),
            "manifest/deep-json": b"[" * 100_000 + b"]" * 100_000,
            "manifest/unknown-media-type": c.dumps(
                {
                    "schemaVersion": 2,
                    "mediaType": "application/x-evil\x1b[2J[bold]",
                    "manifests": [],
                }
            ),
            "manifest/missing-media-type": c.dumps({"schemaVersion": 2, "whatever": 1}),
        }
        for repo, raw in plain.items():
            s.put_manifest(repo, raw, "application/json", "latest")
        unlabelled = json.loads(self.ok.manifest)
        del unlabelled["mediaType"]
        self.unlabelled = c.dumps(unlabelled)
        s.put_manifest(
            "manifest/missing-media-type-shaped", self.unlabelled, mt.OCI_MANIFEST, "latest"
        )
        s.put_manifest("manifest/content-type-lies", self.ok.manifest, mt.OCI_INDEX, "latest")
        s.put_manifest(
            "manifest/content-type-lies-unlabelled", self.unlabelled, mt.OCI_INDEX, "latest"
        )
        self.schema1, self.schema1_digest = c.signed_schema1("manifest/schema1-signed", "latest")
        for repo in ("manifest/schema1-signed", "manifest/schema1-digest-mismatch"):
            s.manifests[(repo, "latest")] = (self.schema1, mt.DOCKER_SCHEMA1_SIGNED)
            s.manifests[(repo, self.schema1_digest)] = (self.schema1, mt.DOCKER_SCHEMA1_SIGNED)
            s.tags[repo] = ["latest"]
        # big/*
        self.config_200 = c.dumps(
            {
                "schemaVersion": 2,
                "mediaType": mt.OCI_MANIFEST,
                "config": {
                    "mediaType": mt.OCI_CONFIG,
                    "digest": c.fake_digest("200"),
                    "size": 200 * c.MiB,
                },
                "layers": [],
            }
        )
        s.put_manifest("big/config-200mib", self.config_200, mt.OCI_MANIFEST, "latest")
        self.config_lies = c.dumps(
            {
                "schemaVersion": 2,
                "mediaType": mt.OCI_MANIFEST,
                "config": {
                    "mediaType": mt.OCI_CONFIG,
                    "digest": c.fake_digest("lies"),
                    "size": 500,
                },
                "layers": [],
            }
        )
        s.put_manifest("big/config-lies", self.config_lies, mt.OCI_MANIFEST, "latest")
        for repo in (
            "big/manifest-50mib",
            "big/manifest-50mib-chunked",
            "big/gzip-bomb",
            "big/layers-100k",
        ):
            s.tags[repo] = ["latest"]

    def layers_100k(self) -> bytes:
        raw = self._lazy.get("layers-100k")
        if raw is None:
            raw = self._lazy["layers-100k"] = c.manifest_with_layers(100_000)
        return raw

    def catalog_names(self) -> list[str]:
        names = list(CASES) + c.HOSTILE_REPO_NAMES
        return sorted(names)

    # --- apps ----------------------------------------------------------------------------

    def _app_for(self, listener: Listener) -> Handler:
        if listener.name == "other":
            return self._other_app
        if listener.name.startswith("catalog-"):
            mode = listener.name.removeprefix("catalog-")

            async def catalog_app(req: Request, conn: Conn) -> None:
                await self._registry_app(req, conn, catalog_mode=mode)

            return catalog_app
        auth = {"secure": "bearer", "basic": "basic"}.get(listener.name, "none")

        async def app(req: Request, conn: Conn) -> None:
            mode = "secure" if auth != "none" else "normal"
            await self._registry_app(req, conn, catalog_mode=mode, auth=auth)

        return app

    async def _registry_app(
        self, req: Request, conn: Conn, *, catalog_mode: str, auth: str = "none"
    ) -> None:
        path = req.path
        if auth == "bearer" and not await self._authorised(req, conn):
            return
        if auth == "basic" and not await self._basic_authorised(req, conn):
            return
        if path in ("/v2/", "/v2"):
            await conn.json(200, {}, [("Docker-Distribution-API-Version", "registry/2.0")])
            return
        if path == "/v2/_catalog":
            await self._catalog(req, conn, catalog_mode)
            return
        if path == "/steal":
            await conn.json(200, {"stolen": True})
            return
        m = re.fullmatch(r"/v2/(.+)/(tags/list|manifests/[^/]+|blobs/[^/]+)", path)
        if m is None:
            await conn.json(404, oci_error("NOT_FOUND", "no such route"))
            return
        repo = unquote(m.group(1))
        kind, _, ref = m.group(2).partition("/")
        ref = unquote(ref)
        handler = getattr(self, "_case_" + re.sub(r"[^a-z0-9]+", "_", repo.lower()), None)
        if repo.startswith("text/") and repo != "text/error-body":
            handler = self._case_text
        if repo.startswith("auth/challenge-"):
            await self._bad_challenge(req, conn, repo.removeprefix("auth/challenge-"))
            return
        realm = REALM_CASES.get(repo)
        if realm is not None and await self._realm_case(req, conn, *realm):
            return
        if handler is not None and await handler(req, conn, repo, kind, ref):
            return
        await self._serve_store(req, conn, repo, kind, ref)

    async def _serve_store(self, req: Request, conn: Conn, repo: str, kind: str, ref: str) -> None:
        s = self.store
        if kind == "tags":
            tags = s.tags.get(repo)
            if tags is None:
                await conn.json(
                    404, oci_error("NAME_UNKNOWN", "repository name not known to registry")
                )
                return
            await conn.json(200, {"name": repo, "tags": tags})
            return
        if kind == "manifests":
            found = s.manifests.get((repo, ref))
            if found is None:
                await conn.json(404, oci_error("MANIFEST_UNKNOWN", "manifest unknown"))
                return
            raw, media_type = found
            await conn.send(
                200, raw, [("Docker-Content-Digest", c.digest_of(raw))], content_type=media_type
            )
            return
        blob = s.blobs.get(ref)
        if blob is None:
            await conn.json(404, oci_error("BLOB_UNKNOWN", "blob unknown to registry"))
            return
        await self._send_blob(req, conn, blob)

    async def _send_blob(self, req: Request, conn: Conn, blob: bytes) -> None:
        rng = req.headers.get("range")
        m = re.fullmatch(r"bytes=(\d+)-(\d*)", rng or "")
        if m:
            start = int(m.group(1))
            end = int(m.group(2)) if m.group(2) else len(blob) - 1
            part = blob[start : end + 1]
            await conn.send(
                206,
                part,
                [("Content-Range", f"bytes {start}-{start + len(part) - 1}/{len(blob)}")],
                content_type="application/octet-stream",
            )
            return
        await conn.send(
            200,
            blob,
            [("Docker-Content-Digest", c.digest_of(blob))],
            content_type="application/octet-stream",
        )

    # --- auth ----------------------------------------------------------------------------

    def _challenge(self, req: Request, path: str = "/token") -> str:
        m = re.fullmatch(r"/v2/(.+)/(tags/list|manifests/[^/]+|blobs/[^/]+)", req.path)
        if req.path == "/v2/_catalog":
            scope = "registry:catalog:*"
        elif m:
            scope = f"repository:{unquote(m.group(1))}:pull"
        else:
            scope = ""
        realm = f"{self.listeners['other'].url}{path}"
        parts = [f'realm="{realm}"', 'service="hostile"']
        if scope:
            parts.append(f'scope="{scope}"')
        return "Bearer " + ",".join(parts)

    async def _authorised(self, req: Request, conn: Conn) -> bool:
        auth = req.headers.get("authorization", "")
        if auth.startswith("Bearer ") and auth[7:] in self.tokens:
            return True
        await conn.json(
            401,
            oci_error("UNAUTHORIZED", "authentication required"),
            [("WWW-Authenticate", self._challenge(req))],
        )
        return False

    async def _basic_authorised(self, req: Request, conn: Conn) -> bool:
        auth = req.headers.get("authorization", "")
        if auth.startswith("Basic "):
            import base64

            with contextlib.suppress(ValueError):
                user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
                if USERS.get(user) == password:
                    return True
        await conn.json(
            401,
            oci_error("UNAUTHORIZED", "authentication required"),
            [("WWW-Authenticate", 'Basic realm="hostile"')],
        )
        return False

    async def _bad_challenge(self, req: Request, conn: Conn, key: str) -> None:
        headers = [("WWW-Authenticate", v) for v in CHALLENGES[key]]
        await conn.json(401, oci_error("UNAUTHORIZED", "authentication required"), headers)

    async def _realm_case(
        self, req: Request, conn: Conn, realm_path: str, always: bool = False
    ) -> bool:
        auth = req.headers.get("authorization", "")
        if not always and auth.startswith("Bearer ") and auth[7:] in self.tokens:
            return False  # authorised: serve the image
        await conn.json(
            401,
            oci_error("UNAUTHORIZED", "authentication required"),
            [("WWW-Authenticate", self._challenge(req, realm_path))],
        )
        return True

    # --- the other host ------------------------------------------------------------------

    async def _other_app(self, req: Request, conn: Conn) -> None:
        path = req.path
        if path.startswith("/token"):
            await self._token(req, conn, path.removeprefix("/token").lstrip("/"))
            return
        m = re.fullmatch(r"/blobs/(sha256:[0-9a-f]{64})", path)
        if m:
            blob = self.store.blobs.get(m.group(1))
            if blob is not None:
                await self._send_blob(req, conn, blob)
                return
        if path == "/v2/_catalog":
            await conn.json(200, {"repositories": ["from/the/other/host"]})
            return
        await conn.json(404, oci_error("NOT_FOUND", "nothing here"))

    async def _token(self, req: Request, conn: Conn, variant: str) -> None:
        auth = req.headers.get("authorization")
        if auth is not None and auth.startswith("Basic "):
            import base64

            try:
                user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            except ValueError:
                user, password = "", ""
            if USERS.get(user) != password:
                await conn.json(401, {"details": "wrong credentials"})
                return
        if variant == "stall":
            await conn.stall()
            return
        if variant == "bomb":
            await conn.stream(
                200,
                c.gzip_bomb(1024 * c.MiB),
                [("Content-Type", "application/json"), ("Content-Encoding", "gzip")],
            )
            return
        if variant == "invalid-json":
            await conn.send(200, b"<html>not json</html>")
            return
        if variant == "no-token":
            await conn.json(200, {"token": 12345, "access_token": ["x"]})
            return
        if variant == "refuse":
            await conn.json(401, {"details": "no"})
            return
        if variant == "500":
            await conn.send(500, b"oops")
            return
        if variant == "redirect":
            await conn.send(307, b"", [("Location", f"{self.listeners['registry'].url}/steal")])
            return
        token = "tok-" + secrets.token_hex(16)
        self.tokens.add(token)
        if variant == "nan-expiry":
            await conn.send(200, b'{"token": "%s", "expires_in": NaN}' % token.encode())
            return
        await conn.json(
            200, {"token": token, "expires_in": 300, "issued_at": "2024-01-01T00:00:00Z"}
        )

    # --- catalogs ------------------------------------------------------------------------

    async def _catalog(self, req: Request, conn: Conn, mode: str) -> None:
        n_text = req.param("n")
        last = req.param("last") or ""
        names = self.catalog_names()
        base = "/v2/_catalog"
        if mode in ("normal", "secure"):
            try:
                n = int(n_text) if n_text else 100
            except ValueError:
                await conn.json(400, oci_error("PAGINATION_NUMBER_INVALID", "bad n"))
                return
            if n <= 0 or n > 1000:
                await conn.json(400, oci_error("PAGINATION_NUMBER_INVALID", "bad n"))
                return
            rest = [x for x in names if x > last]
            page = rest[: min(n, 40) if mode == "secure" else n]
            headers: list[tuple[str, str]] = []
            if len(rest) > len(page):
                from urllib.parse import quote

                target = f"{base}?last={quote(page[-1], safe='')}&n={len(page)}"
                if mode == "secure":
                    target = f"{self.listeners['other'].url}{target}"
                headers.append(("Link", f'<{target}>; rel="next"'))
            await conn.json(200, {"repositories": page}, headers)
            return
        page_no = int(last[1:]) if last.startswith("p") and last[1:].isdigit() else 0
        if mode == "forever":
            await conn.json(
                200,
                {"repositories": [f"forever/page-{page_no:06d}"]},
                [("Link", f'<{base}?last=p{page_no + 1}&n=1>; rel="next"')],
            )
        elif mode == "loop":
            nxt = "p1" if page_no == 0 else "p0"
            await conn.json(
                200,
                {"repositories": [f"loop/page-{page_no}"]},
                [("Link", f'<{base}?last={nxt}&n=1>; rel="next"')],
            )
        elif mode == "same-page":
            await conn.json(
                200,
                {"repositories": ["same/a", "same/b"]},
                [("Link", f'<{base}?last=p{page_no + 1}&n=2>; rel="next"')],
            )
        elif mode == "other-host":
            await conn.json(
                200,
                {"repositories": ["here/one"]},
                [("Link", f'<{self.listeners["other"].url}{base}?last=here/one>; rel="next"')],
            )
        elif mode == "bad-n":
            if page_no == 0:
                await conn.json(
                    200,
                    {"repositories": ["bad-n/first"]},
                    [("Link", f'<{base}?last=p1&n=abc>; rel="next"')],
                )
            else:
                await conn.json(400, oci_error("PAGINATION_NUMBER_INVALID", "n is not a number"))
        elif mode == "redos-link":
            links = [("Link", "<" * 8000), ("Link", "<>;" * 2700)] * 6
            await conn.json(200, {"repositories": ["redos/only"]}, links)
        elif mode == "huge":

            def names_stream() -> Iterator[bytes]:
                yield b'{"repositories":["huge/repo-0000000"'
                for start in range(1, 1_000_000, 50_000):
                    yield b"".join(b',"huge/repo-%07d"' % i for i in range(start, start + 50_000))
                yield b"]}"

            await conn.stream(200, names_stream(), [("Content-Type", "application/json")])
        elif mode == "invalid":
            await conn.json(200, {"repositories": "not a list"})
        else:
            await conn.json(404, oci_error("NOT_FOUND", f"mode {mode}"))

    # --- cases ---------------------------------------------------------------------------
    # Each returns True when it answered, False to fall back to the store.

    async def _case_text(self, req: Request, conn: Conn, repo: str, kind: str, ref: str) -> bool:
        if kind == "tags":
            await conn.json(200, {"name": repo, "tags": c.HOSTILE_TAGS})
            return True
        if kind == "manifests":
            raw = self.hostile.manifest
            await conn.send(
                200,
                raw,
                [("Docker-Content-Digest", c.digest_of(raw))],
                content_type=mt.OCI_MANIFEST,
            )
            return True
        return False

    async def _case_text_error_body(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        body = {
            "errors": [
                {
                    "code": "NAME_UNKNOWN\x1b[2J",
                    "message": c.TEXT_ATTACKS["markup-click"] + c.TEXT_ATTACKS["osc52-clipboard"],
                },
                {"code": c.TEXT_ATTACKS["rtl-override"], "message": c.TEXT_ATTACKS["c1-controls"]},
            ]
        }
        await conn.json(404, body)
        return True

    async def _case_big_manifest_50mib(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        if kind != "manifests":
            return False
        total = 50 * c.MiB
        await conn.stream(
            200, c.padded_manifest(total), [("Content-Type", mt.OCI_MANIFEST)], length=total
        )
        return True

    async def _case_big_manifest_50mib_chunked(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        if kind != "manifests":
            return False
        await conn.stream(200, c.padded_manifest(50 * c.MiB), [("Content-Type", mt.OCI_MANIFEST)])
        return True

    async def _case_big_config_200mib(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        if kind != "blobs":
            return False
        await conn.stream(
            200,
            c.zeros(200 * c.MiB),
            [("Content-Type", "application/octet-stream")],
            length=200 * c.MiB,
        )
        return True

    async def _case_big_config_lies(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        if kind != "blobs":
            return False
        await conn.stream(200, c.zeros(200 * c.MiB), [("Content-Type", "application/octet-stream")])
        return True

    async def _case_big_tags_1m(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        if kind != "tags":
            return False
        await conn.stream(200, c.many_tags(1_000_000), [("Content-Type", "application/json")])
        return True

    async def _case_big_gzip_bomb(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        if kind != "manifests":
            return False
        await conn.stream(
            200,
            c.gzip_bomb(1024 * c.MiB),
            [("Content-Type", mt.OCI_MANIFEST), ("Content-Encoding", "gzip")],
        )
        return True

    async def _case_big_layers_100k(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        if kind != "manifests":
            return False
        raw = self.layers_100k()
        await conn.send(
            200, raw, [("Docker-Content-Digest", c.digest_of(raw))], content_type=mt.OCI_MANIFEST
        )
        return True

    async def _case_index_self(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        if kind == "manifests" and ref == c.fake_digest("self"):
            await conn.send(200, self.self_index, content_type=mt.OCI_INDEX)
            return True
        return False

    async def _case_index_mutual(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        if kind == "manifests" and ref == json.loads(self.mutual_a)["manifests"][0]["digest"]:
            await conn.send(200, self.mutual_b, content_type=mt.OCI_INDEX)
            return True
        if kind == "manifests" and ref == c.digest_of(self.mutual_a):
            await conn.send(200, self.mutual_a, content_type=mt.OCI_INDEX)
            return True
        return False

    async def _case_manifest_schema1_signed(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        if kind != "manifests":
            return False
        # The digest of a signed schema1 manifest is that of its JWS payload.
        headers = [("Docker-Content-Digest", self.schema1_digest)]
        await conn.send(200, self.schema1, headers, content_type=mt.DOCKER_SCHEMA1_SIGNED)
        return True

    async def _case_manifest_schema1_digest_mismatch(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        if kind != "manifests":
            return False
        headers = [("Docker-Content-Digest", c.digest_of(self.schema1))]  # of the signed bytes
        await conn.send(200, self.schema1, headers, content_type=mt.DOCKER_SCHEMA1_SIGNED)
        return True

    async def _case_integrity_header_mismatch(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        if kind != "manifests":
            return False
        raw = self.ok.manifest
        await conn.send(
            200,
            raw,
            [("Docker-Content-Digest", c.fake_digest("header"))],
            content_type=mt.OCI_MANIFEST,
        )
        return True

    async def _case_integrity_manifest_bytes(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        if kind != "manifests":
            return False
        # By tag: announces the real digest of one image and serves another's bytes.
        # By digest: just the other bytes, without a header to give them away.
        headers = [] if ref.startswith("sha256:") else [("Docker-Content-Digest", self.ok.digest)]
        await conn.send(200, self.tampered.manifest, headers, content_type=mt.OCI_MANIFEST)
        return True

    async def _case_integrity_config_blob(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        if kind == "manifests":
            raw = self.ok.manifest
            await conn.send(
                200,
                raw,
                [("Docker-Content-Digest", c.digest_of(raw))],
                content_type=mt.OCI_MANIFEST,
            )
            return True
        if kind == "blobs":
            await conn.send(
                200,
                b'{"architecture":"evil","os":"linux"}',
                content_type="application/octet-stream",
            )
            return True
        return False

    async def _case_integrity_layer_blob(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        if kind == "manifests":
            raw = self.ok.manifest
            await conn.send(
                200,
                raw,
                [("Docker-Content-Digest", c.digest_of(raw))],
                content_type=mt.OCI_MANIFEST,
            )
            return True
        if kind == "blobs" and ref != c.digest_of(self.ok.config):
            real = self.store.blobs.get(ref, b"")
            await conn.send(200, b"X" * len(real), content_type="application/octet-stream")
            return True
        return False

    # faults

    async def _case_fault_stall_after_headers(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        if kind != "manifests" or req.method == "HEAD":
            return False
        await conn.head(200, [("Content-Type", mt.OCI_MANIFEST), ("Content-Length", "1000")])
        await conn.write(b'{"schemaVe')
        await conn.stall()
        return True

    async def _case_fault_stall_before_headers(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        if kind != "manifests":
            return False
        await conn.stall()
        return True

    async def _case_fault_drip(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        if kind != "manifests" or req.method == "HEAD":
            return False
        await conn.head(200, [("Content-Type", mt.OCI_MANIFEST), ("Content-Length", "100000")])
        for _ in range(100_000):
            await conn.write(b" ")
            await asyncio.sleep(0.05)
        return True

    async def _case_fault_stall_blob(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        if kind != "blobs" or ref == c.digest_of(self.ok.config):
            return False
        await conn.head(
            200, [("Content-Type", "application/octet-stream"), ("Content-Length", "1000")]
        )
        await conn.write(b"x" * 10)
        await conn.stall()
        return True

    async def _case_fault_stall_blob_error(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        if kind != "blobs" or ref == c.digest_of(self.ok.config):
            return False
        await conn.head(404, [("Content-Type", "application/json"), ("Content-Length", "60000")])
        for _ in range(60_000):
            await conn.write(b" ")
            await asyncio.sleep(0.05)
        return True

    async def _case_fault_reset_mid_body(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        if kind != "manifests" or req.method == "HEAD":
            return False
        raw = self.ok.manifest
        await conn.head(200, [("Content-Type", mt.OCI_MANIFEST), ("Content-Length", str(len(raw)))])
        await conn.write(raw[: len(raw) // 2])
        await conn.reset()
        return True

    async def _case_fault_reset_blob(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        if kind != "blobs" or ref == c.digest_of(self.ok.config):
            return False
        blob = self.store.blobs[ref]
        await conn.head(
            200, [("Content-Type", "application/octet-stream"), ("Content-Length", str(len(blob)))]
        )
        await conn.write(blob[: len(blob) // 2])
        await conn.reset()
        return True

    async def _case_fault_lying_length(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        if kind != "manifests" or req.method == "HEAD":
            return False
        await conn.head(200, [("Content-Type", mt.OCI_MANIFEST), ("Content-Length", "5000")])
        await conn.write(self.ok.manifest[:100])
        conn.close()
        return True

    async def _case_fault_garbage_status(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        await conn.write(b"SPDY/9 banana\r\n\x00\x01\x02\r\n\r\n")
        conn.close()
        return True

    async def _case_fault_endless_headers(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        await conn.write(b"HTTP/1.1 200 OK\r\n")
        for i in range(1_000_000):
            await conn.write(b"X-Header-%d: %s\r\n" % (i, b"v" * 100))
        return True

    async def _fail_first(
        self,
        req: Request,
        conn: Conn,
        status: int,
        headers: list[tuple[str, str]],
        *,
        always: bool = False,
    ) -> bool:
        if always or self._count(req.listener, req.method, req.path) == 1:
            await conn.json(
                status,
                oci_error(
                    "TOOMANYREQUESTS" if status == 429 else "UNAVAILABLE", f"status {status}"
                ),
                headers,
            )
            return True
        return False

    async def _case_fault_429_sane(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        return await self._fail_first(req, conn, 429, [("Retry-After", "1")])

    async def _case_fault_429_date(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        when = email.utils.formatdate(time.time() + 1, usegmt=True)
        return await self._fail_first(req, conn, 429, [("Retry-After", when)])

    async def _case_fault_429_garbage(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        return await self._fail_first(req, conn, 429, [("Retry-After", "soon\x1b[2J")])

    async def _case_fault_429_absurd(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        return await self._fail_first(req, conn, 429, [("Retry-After", "999999999")], always=True)

    async def _case_fault_429_always(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        return await self._fail_first(req, conn, 429, [("Retry-After", "0")], always=True)

    async def _case_fault_500_once(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        return await self._fail_first(req, conn, 500, [])

    async def _case_fault_502_once(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        return await self._fail_first(req, conn, 502, [])

    async def _case_fault_503_once(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        return await self._fail_first(req, conn, 503, [])

    async def _case_fault_503_always(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        return await self._fail_first(req, conn, 503, [], always=True)

    async def _case_fault_redirect_loop(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        if kind != "manifests":
            return False
        # latest -> latest-loop -> latest -> ...
        target = (
            req.path.removesuffix("-loop") if req.path.endswith("-loop") else req.path + "-loop"
        )
        await conn.send(307, b"", [("Location", target)])
        return True

    async def _case_fault_redirect_other(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        if kind != "blobs":
            return False
        await conn.send(307, b"", [("Location", f"{self.listeners['other'].url}/blobs/{ref}")])
        return True

    async def _case_fault_redirect_bad_scheme(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        if kind != "manifests":
            return False
        await conn.send(307, b"", [("Location", "ftp://example.invalid/manifest")])
        return True

    async def _case_fault_redirect_garbage(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        if kind != "manifests":
            return False
        await conn.send(307, b"", [("Location", "http://[::1/x")])
        return True

    async def _case_fault_br_encoding(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        if kind != "manifests":
            return False
        await conn.send(
            200, b"\x1b\x00\x00garbage", [("Content-Encoding", "br")], content_type=mt.OCI_MANIFEST
        )
        return True

    async def _case_fault_corrupt_gzip(
        self, req: Request, conn: Conn, repo: str, kind: str, ref: str
    ) -> bool:
        if kind != "manifests":
            return False
        await conn.send(
            200,
            b"\x1f\x8b\x08\x00garbage-not-deflate" * 10,
            [("Content-Encoding", "gzip")],
            content_type=mt.OCI_MANIFEST,
        )
        return True


async def _read_request(listener: str, reader: asyncio.StreamReader) -> Request | None:
    line = await reader.readline()
    if not line:
        return None
    try:
        method, target, _version = line.decode("latin-1").strip().split(" ", 2)
    except ValueError:
        return None
    headers: dict[str, str] = {}
    while True:
        raw = await reader.readline()
        if raw in (b"\r\n", b"\n", b""):
            break
        name, _, value = raw.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body = b""
    length = headers.get("content-length")
    if length and length.isdigit():
        body = await reader.readexactly(int(length))
    parts = urlsplit(target)
    return Request(
        listener=listener,
        method=method.upper(),
        path=parts.path,
        query=parse_qs(parts.query, keep_blank_values=True),
        headers=headers,
        body=body,
    )


__all__ = [
    "CASES",
    "CATALOG_MODES",
    "CHALLENGES",
    "USERS",
    "Conn",
    "HostileServer",
    "Listener",
    "Request",
    "Seen",
]
