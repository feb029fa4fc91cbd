"""An "echo" registry: real HTTP on loopback that authenticates, then echoes every secret
it was sent (or issued) back to the client, in a message, a header or a JSON body.

A real registry does not do this on demand; a careless or hostile one does (a 403 that
quotes the ``Authorization`` header it got). Three listeners, one per way of logging in:

``basic``
    Basic auth with :data:`USER` / :data:`PASSWORD`.
``bearer``
    A token realm on the same listener (``/token``): ``GET`` with Basic credentials
    answers the bearer token :data:`TOKEN` and the refresh token :data:`REFRESH`.
``identity``
    A token realm taking an OAuth2 ``POST`` with the identity (refresh) token
    :data:`IDENTITY`; answers the access token :data:`IDENTITY_ACCESS` and :data:`REFRESH`.

Each has the repositories (what the echo is, :func:`echo_text`, is in each):

``echo/message``
    tags and manifests: 403 with an OCI error body whose message is the echo.
``echo/header``
    tags: a ``Link`` to a second page whose URL holds the echo (the ``-v`` log shows it),
    whose own ``Link`` points to another host named after a secret (regview names the
    host it will not follow); manifests: 401 whose ``WWW-Authenticate`` challenges are
    named after the secrets (regview quotes unsupported scheme names, lower-cased).
``echo/body``
    tags: the secrets as tag names; manifests: an image whose annotations, labels,
    environment and history hold the echo.

The secrets are drawn at random once per process; :data:`ALL_SECRETS` lists them all
(with the proxy credentials, which a test registers through the redactor's hook and the
server echoes as any proxy on the way could).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote

from tests.support.quiet_handler import QuietHandler

USER = "echo-user"
PASSWORD = f"pw-{secrets.token_hex(12)}"
PAIR = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
TOKEN = f"bearer-{secrets.token_hex(16)}"
IDENTITY = f"identity-{secrets.token_hex(16)}"
IDENTITY_ACCESS = f"access-{secrets.token_hex(16)}"
REFRESH = f"refresh-{secrets.token_hex(16)}"
PROXY_USER = "proxy-user"
PROXY_PASSWORD = f"proxy-pw-{secrets.token_hex(8)}"
PROXY_URL = f"http://{PROXY_USER}:{PROXY_PASSWORD}@127.0.0.1:3128"
PROXY_PAIR = base64.b64encode(f"{PROXY_USER}:{PROXY_PASSWORD}".encode()).decode()

#: Every secret the echo server may send back, by kind.
ALL_SECRETS: dict[str, str] = {
    "password": PASSWORD,
    "base64 user:password": PAIR,
    "bearer token": TOKEN,
    "identity token": IDENTITY,
    "access token from the identity token": IDENTITY_ACCESS,
    "refresh token": REFRESH,
    "proxy password": PROXY_PASSWORD,
    "base64 proxy user:password": PROXY_PAIR,
}

_HELD = {
    "basic": ("password", "base64 user:password"),
    "bearer": ("password", "base64 user:password", "bearer token", "refresh token"),
    "identity": ("identity token", "access token from the identity token", "refresh token"),
}


def held(mode: str) -> dict[str, str]:
    """The secrets a client logging in to the ``mode`` listener holds (and so may hide),
    the proxy credentials included."""
    kinds = (*_HELD[mode], "proxy password", "base64 proxy user:password")
    return {kind: ALL_SECRETS[kind] for kind in kinds}


OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
MODES = ("basic", "bearer", "identity")


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def leaked(text: str) -> list[str]:
    """The kinds of secret found in ``text`` (in any case: a lower-cased one counts; and
    the start of one, as a clipped message would show it)."""
    lowered = text.lower()
    return [kind for kind, value in ALL_SECRETS.items() if value.lower()[:12] in lowered]


def echo_text(authorization: str, mode: str) -> str:
    """What the server echoes: the Authorization header it got, the password in it, the
    tokens it issued or was sent, and the proxy credentials."""
    parts = [f"you sent Authorization: {authorization}"]
    if authorization.startswith("Basic "):
        parts.append(f"password {base64.b64decode(authorization[6:]).decode().split(':')[1]}")
    if mode == "identity":
        parts.append(f"identity token {IDENTITY}")
    if mode != "basic":
        parts.append(f"refresh {REFRESH}")
    parts.append(f"Proxy-Authorization: Basic {PROXY_PAIR} ({PROXY_PASSWORD})")
    return "; ".join(parts)


class _Handler(QuietHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def send_json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        self.send(status, json.dumps(obj).encode(), headers)

    @property
    def mode(self) -> str:
        return self.server.mode

    @property
    def expected(self) -> str:
        return {"basic": f"Basic {PAIR}", "bearer": f"Bearer {TOKEN}",
                "identity": f"Bearer {IDENTITY_ACCESS}"}[self.mode]

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode())
        path = self.path.split("?", 1)[0]
        granted = (
            path == "/token"
            and self.mode == "identity"
            and form.get("grant_type") == ["refresh_token"]
            and form.get("refresh_token") == [IDENTITY]
        )
        if granted:
            self.send_json(200, {"access_token": IDENTITY_ACCESS, "refresh_token": REFRESH,
                                 "expires_in": 300})
            return
        self.send_json(401, {"error": "invalid_grant"})

    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        host = f"127.0.0.1:{self.server.server_address[1]}"
        if path == "/token" and self.mode == "bearer":
            if self.headers.get("Authorization") == f"Basic {PAIR}":
                self.send_json(200, {"token": TOKEN, "refresh_token": REFRESH, "expires_in": 300})
            else:
                self.send_json(401, {"details": "wrong credentials"})
            return
        authorization = self.headers.get("Authorization", "")
        if authorization != self.expected:
            if self.mode == "basic":
                challenge = 'Basic realm="echo"'
            else:
                challenge = (f'Bearer realm="http://{host}/token",service="echo",'
                             'scope="repository:echo/all:pull"')
            self.send_json(401, {"errors": [{"code": "UNAUTHORIZED", "message": "log in"}]},
                           {"WWW-Authenticate": challenge})
            return
        if path == "/v2/":
            self.send_json(200, {})
            return
        echo = echo_text(authorization, self.mode)
        parts = path.split("/")
        repo, kind = "/".join(parts[2:4]), parts[4] if len(parts) > 4 else ""
        if repo == "echo/message":
            self.send_json(403, {"errors": [{"code": "DENIED", "message": echo,
                                             "detail": {"sent": authorization}}]})
        elif repo == "echo/header" and kind == "tags":
            if "last=" in query:
                # regview names the other host it will not follow.
                secret = {"basic": PASSWORD, "bearer": TOKEN, "identity": IDENTITY_ACCESS}
                other = f"http://{secret[self.mode]}.example/v2/{repo}/tags/list?last=x"
                self.send_json(200, {"name": repo, "tags": ["second-page"]},
                               {"Link": f'<{other}>; rel="next"'})
                return
            link = f"</v2/{repo}/tags/list?n=1&last=latest&echo={quote(echo)}>; rel=\"next\""
            self.send_json(200, {"name": repo, "tags": ["latest"]}, {"Link": link})
        elif repo == "echo/header":
            names = held(self.mode).values()
            self.send_json(401, {"errors": [{"code": "UNAUTHORIZED", "message": "again"}]},
                           {"WWW-Authenticate": ", ".join(f"{n} x=y" for n in names)})
        elif repo == "echo/body" and kind == "tags":
            self.send_json(200, {"name": repo, "tags": ["latest", *held(self.mode).values()]})
        elif repo == "echo/body":
            self.serve_image(path, echo)
        else:
            self.send_json(404, {"errors": [{"code": "NAME_UNKNOWN", "message": "unknown"}]})

    def serve_image(self, path: str, echo: str) -> None:
        config, manifest = image(echo, held(self.mode))
        if path.endswith("/manifests/latest") or path.endswith(digest(manifest)):
            self.send(200, manifest, {"Content-Type": OCI_MANIFEST,
                                      "Docker-Content-Digest": digest(manifest)})
        elif path.endswith(digest(config)):
            self.send(200, config, {"Content-Type": "application/octet-stream"})
        else:
            self.send_json(404, {"errors": [{"code": "MANIFEST_UNKNOWN", "message": echo}]})


def image(echo: str, held_secrets: dict[str, str]) -> tuple[bytes, bytes]:
    """(config, manifest) of an image that holds the echo and the secrets as content: in
    labels, environment, history, and annotation keys and values."""
    values = list(held_secrets.values())
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {"Labels": {"echo": echo, **held_secrets},
                       "Env": [f"SECRET_{i}={v}" for i, v in enumerate(values)]},
            "rootfs": {"type": "layers", "diff_ids": []},
            "history": [{"created_by": echo, "empty_layer": True}],
        }
    ).encode()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": digest(config), "size": len(config)},
            "layers": [],
            "annotations": {"echo": echo, **{v: k for k, v in held_secrets.items()}},
        }
    ).encode()
    return config, manifest


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, mode: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mode = mode


@dataclass(frozen=True)
class EchoRegistries:
    """The three listeners' ``host:port``, by mode."""

    hosts: dict[str, str]

    def auth_file_entries(self) -> dict[str, dict[str, str]]:
        """docker ``config.json`` ``auths`` entries logging in to each listener."""
        return {
            self.hosts["basic"]: {"auth": PAIR},
            self.hosts["bearer"]: {"auth": PAIR},
            self.hosts["identity"]: {
                "auth": base64.b64encode(b"<token>:").decode(),
                "identitytoken": IDENTITY,
            },
        }

    def auth_file_json(self) -> str:
        return json.dumps({"auths": self.auth_file_entries()})


@contextmanager
def echo_registries() -> Iterator[EchoRegistries]:
    servers = [_Server(mode) for mode in MODES]
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for t in threads:
        t.start()
    try:
        yield EchoRegistries({s.mode: f"127.0.0.1:{s.server_address[1]}" for s in servers})
    finally:
        for s in servers:
            s.shutdown()
            s.server_close()
