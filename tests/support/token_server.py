"""A Docker token server on 127.0.0.1 that a real ``docker-registry`` trusts.

It signs RS256 JWTs with a fresh RSA key. The registry trusts them through its
``rootcertbundle``: a self-signed certificate of that key (:attr:`TokenServer.cert_path`).
The JWT header's ``kid`` is the libtrust key id of the key (base32 of the first 240 bits
of the SHA-256 of the DER public key, in 12 colon-separated groups of 4), which is how
distribution finds the key among the bundle's.

Protocol (https://distribution.github.io/distribution/spec/auth/token/ and .../oauth/):

* ``GET /token?service=S&scope=A&scope=B`` with optional Basic auth: answers
  ``{"token", "access_token", "expires_in", "issued_at"}``. Anonymous callers get
  :attr:`TokenServer.anonymous_actions` (default pull) on repositories and nothing else;
  a known user gets pull and push, and ``registry:catalog:*``. A wrong password is 401.
* ``POST /token`` with a form: ``grant_type=password`` (``username``, ``password``) or
  ``grant_type=refresh_token`` (``refresh_token`` = a configured identity token), plus
  ``service``, ``client_id``, ``scope`` (space separated), ``access_type``. Answers
  ``{"access_token", "scope", "expires_in", "issued_at"}`` and, for a password grant with
  ``access_type=offline``, a ``refresh_token``.

Every request is recorded (:meth:`TokenServer.requests`) so tests can assert on them.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

DEFAULT_SERVICE = "regview-test-registry"
DEFAULT_ISSUER = "regview-test-token-issuer"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def libtrust_key_id(public_key: rsa.RSAPublicKey) -> str:
    """The libtrust ``kid`` of a key: base32 of SHA-256(DER SPKI)[:30], groups of 4."""
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    b32 = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode().rstrip("=")
    return ":".join(b32[i : i + 4] for i in range(0, len(b32), 4))


def parse_scope(scope: str) -> tuple[str, str, list[str]] | None:
    """``repository:name:pull,push`` -> (type, name, actions); None if malformed."""
    kind, sep, rest = scope.partition(":")
    if not sep:
        return None
    name, sep, actions = rest.rpartition(":")
    if not sep or not name:
        return None
    return kind, name, [a for a in actions.split(",") if a]


@dataclass(frozen=True)
class TokenRequest:
    """One request the token server received."""

    method: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, list[str]]
    has_authorization: bool
    username: str | None  # from Basic auth or the password grant
    grant_type: str | None
    scopes: list[str]
    status: int
    granted: list[dict[str, Any]] = field(default_factory=list)

    @property
    def is_oauth(self) -> bool:
        return self.method == "POST"


class TokenServer:
    """Issue registry tokens. Start with :meth:`start` (or as a context manager)."""

    def __init__(
        self,
        workdir: Path,
        *,
        users: Mapping[str, str] | None = None,
        identity_tokens: Mapping[str, str] | None = None,
        anonymous_actions: Iterable[str] = ("pull",),
        service: str = DEFAULT_SERVICE,
        issuer: str = DEFAULT_ISSUER,
        expires_in: int = 300,
    ) -> None:
        self.workdir = workdir
        self.users = dict(users or {})
        # identity token (refresh token) -> user name
        self.identity_tokens = dict(identity_tokens or {})
        self.anonymous_actions = frozenset(anonymous_actions)
        self.user_actions = frozenset({"pull", "push"})
        self.service = service
        self.issuer = issuer
        self.expires_in = expires_in
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = libtrust_key_id(self.key.public_key())
        self.cert_path = workdir / "token-issuer.crt"
        self._lock = threading.Lock()
        self._requests: list[TokenRequest] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def write_certificate(self) -> Path:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, self.issuer)])
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return self.cert_path

    def start(self) -> None:
        self.write_certificate()
        server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, name="token-server", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> TokenServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "token server not started"
        return int(self._server.server_address[1])

    @property
    def realm(self) -> str:
        return f"http://127.0.0.1:{self.port}/token"

    # ------------------------------------------------------------------ records

    def requests(self) -> list[TokenRequest]:
        with self._lock:
            return list(self._requests)

    def mark(self) -> int:
        with self._lock:
            return len(self._requests)

    def requests_since(self, mark: int) -> list[TokenRequest]:
        with self._lock:
            return list(self._requests[mark:])

    def _record(self, request: TokenRequest) -> None:
        with self._lock:
            self._requests.append(request)

    # ------------------------------------------------------------------ tokens

    def grant(self, username: str | None, scopes: Iterable[str]) -> list[dict[str, Any]]:
        """The ``access`` claim for a caller (None = anonymous) asking for ``scopes``."""
        access: dict[tuple[str, str], list[str]] = {}
        for scope in scopes:
            parsed = parse_scope(scope)
            if parsed is None:
                continue
            kind, name, wanted = parsed
            if kind == "repository":
                allowed = self.user_actions if username else self.anonymous_actions
                actions = [a for a in wanted if a in allowed]
            elif kind == "registry" and name == "catalog" and username:
                actions = [a for a in wanted if a == "*"]
            else:
                actions = []
            if actions:
                have = access.setdefault((kind, name), [])
                have.extend(a for a in actions if a not in have)
        return [{"type": k, "name": n, "actions": a} for (k, n), a in access.items()]

    def issue(self, username: str | None, access: list[dict[str, Any]]) -> str:
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "kid": self.kid}
        claims = {
            "iss": self.issuer,
            "sub": username or "",
            "aud": self.service,
            "exp": now + self.expires_in,
            "nbf": now - 10,
            "iat": now,
            "jti": secrets.token_hex(16),
            "access": access,
        }
        signing_input = (
            b64url(json.dumps(header, separators=(",", ":")).encode())
            + "."
            + b64url(json.dumps(claims, separators=(",", ":")).encode())
        )
        signature = self.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return signing_input + "." + b64url(signature)

    def token_for(self, username: str | None, scopes: Iterable[str]) -> str:
        """A token as the server would issue it (for tests that talk to the registry)."""
        return self.issue(username, self.grant(username, scopes))

    def _issued_at(self) -> str:
        return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _make_handler(ts: TokenServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "regview-test-token-server"

        def log_message(self, format: str, *args: Any) -> None:
            return None

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if status == 401:
                self.send_header("WWW-Authenticate", 'Basic realm="regview-test-token-server"')
            self.end_headers()
            self.wfile.write(data)

        def _basic(self) -> tuple[str, str] | bool | None:
            """(user, password) from Basic auth; None if absent; False if malformed."""
            header = self.headers.get("Authorization")
            if header is None:
                return None
            scheme, _, value = header.partition(" ")
            if scheme.lower() != "basic":
                return False
            try:
                user, sep, password = base64.b64decode(value.strip()).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return False
            return (user, password) if sep else False

        def do_GET(self) -> None:
            split = urlsplit(self.path)
            query = parse_qs(split.query, keep_blank_values=True)
            scopes = [s for value in query.get("scope", []) for s in value.split(" ") if s]
            creds = self._basic()
            username: str | None = None
            status: int = 200
            body: dict[str, Any] = {}
            granted: list[dict[str, Any]] = []
            if split.path != "/token":
                status, body = 404, {"details": "not found"}
            elif creds is False:
                status, body = 401, {"details": "malformed authorization"}
            elif isinstance(creds, tuple):
                user, password = creds
                if ts.users.get(user) != password:
                    status, body = 401, {"details": "incorrect username or password"}
                else:
                    username = user
            if status == 200:
                granted = ts.grant(username, scopes)
                token = ts.issue(username, granted)
                body = {
                    "token": token,
                    "access_token": token,
                    "expires_in": ts.expires_in,
                    "issued_at": ts._issued_at(),
                }
            ts._record(
                TokenRequest(
                    method="GET",
                    path=split.path,
                    query=query,
                    form={},
                    has_authorization="Authorization" in self.headers,
                    username=username or (creds[0] if isinstance(creds, tuple) else None),
                    grant_type=None,
                    scopes=scopes,
                    status=status,
                    granted=granted,
                )
            )
            self._send(status, body)

        def do_POST(self) -> None:
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode(errors="replace") if length else ""
            form = parse_qs(raw, keep_blank_values=True)

            def one(key: str) -> str | None:
                values = form.get(key)
                return values[0] if values else None

            grant_type = one("grant_type")
            scopes = [s for value in form.get("scope", []) for s in value.split(" ") if s]
            username: str | None = None
            status: int = 200
            body: dict[str, Any] = {}
            granted: list[dict[str, Any]] = []
            refresh: str | None = None
            if split.path != "/token":
                status, body = 404, {"error": "not_found"}
            elif grant_type == "password":
                user, password = one("username"), one("password")
                if user is None or ts.users.get(user) != password:
                    status, body = 401, {"error": "invalid_grant"}
                else:
                    username = user
                    if one("access_type") == "offline":
                        refresh = "refresh-" + secrets.token_hex(16)
                        ts.identity_tokens[refresh] = user
            elif grant_type == "refresh_token":
                user = ts.identity_tokens.get(one("refresh_token") or "")
                if user is None:
                    status, body = 401, {"error": "invalid_grant"}
                else:
                    username = user
            else:
                status, body = 400, {"error": "unsupported_grant_type"}
            if status == 200:
                granted = ts.grant(username, scopes)
                body = {
                    "access_token": ts.issue(username, granted),
                    "scope": " ".join(scopes),
                    "expires_in": ts.expires_in,
                    "issued_at": ts._issued_at(),
                }
                if refresh is not None:
                    body["refresh_token"] = refresh
            ts._record(
                TokenRequest(
                    method="POST",
                    path=split.path,
                    query=parse_qs(split.query, keep_blank_values=True),
                    form=form,
                    has_authorization="Authorization" in self.headers,
                    username=username,
                    grant_type=grant_type,
                    scopes=scopes,
                    status=status,
                    granted=granted,
                )
            )
            self._send(status, body)

    return Handler
