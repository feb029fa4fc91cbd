"""Registry authentication: ``WWW-Authenticate`` challenges, Basic, and bearer tokens.

The flow follows the Docker token spec and the OCI distribution spec:

1. a request without credentials gets ``401`` and a challenge (``Basic realm=...`` or
   ``Bearer realm=...,service=...,scope=...``);
2. for Basic we resend with the credentials; for Bearer we ask the realm for a token for
   that scope — ``GET`` with Basic credentials or anonymously, or an OAuth2 ``POST`` with
   ``grant_type=refresh_token`` when an identity token is configured — and resend;
3. tokens are cached per (realm, service, scope) until shortly before they expire, and
   once the realm is known, a new scope gets its token before its first request.

The authenticator also remembers whether the credentials were accepted (a token issued
for them, or an answer other than 401 to a request that carried them) and says in the
registry's :class:`~regview.registry.source.Stats` when they were refused.

Credentials are only ever put in the ``Authorization`` header of requests to the
registry's own origin or to the realm the registry's challenge named. The credential and
every token issued are registered with :data:`~regview.registry.redaction.redactor` as
they are learned, so that nothing a server echoes shows them.
"""

from __future__ import annotations

import asyncio
import base64
import math
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from regview.registry.credential import Credential
from regview.registry.endpoints import redirect_url
from regview.registry.errors import (
    AuthError,
    Denied,
    LoginFailed,
    NetworkError,
    ProtocolError,
    ProxyError,
    Timeout,
)
from regview.registry.parsers import load_json
from regview.registry.proxy_failure import ProxyFailure
from regview.registry.redaction import redactor
from regview.registry.singleflight import SingleFlight
from regview.registry.source import Stats

__all__ = ["Authenticator", "Challenge", "parse_challenges"]

_TOKEN_BODY_LIMIT = 1024 * 1024
_DEFAULT_TOKEN_LIFETIME = 60
_EXPIRY_SLACK = 10
_MAX_CHALLENGE_LENGTH = 16 * 1024

_TOKEN68 = re.compile(r"[A-Za-z0-9._~+/-]+=*")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


@dataclass(frozen=True, slots=True)
class Challenge:
    scheme: str  # lower-case: "basic", "bearer", ...
    params: Mapping[str, str]

    @property
    def realm(self) -> str | None:
        return self.params.get("realm")


def parse_challenges(header: str) -> list[Challenge]:
    """Parse a ``WWW-Authenticate`` value holding one or more challenges (RFC 7235).

    Quoted values may contain commas and escaped quotes. Malformed input yields the
    challenges that could be read (possibly none); it never raises.
    """
    text = header[:_MAX_CHALLENGE_LENGTH]
    pos = 0
    n = len(text)
    out: list[Challenge] = []
    current: tuple[str, dict[str, str]] | None = None

    def skip(chars: str) -> None:
        nonlocal pos
        while pos < n and text[pos] in chars:
            pos += 1

    while pos < n:
        skip(" \t,")
        if pos >= n:
            break
        m = _TOKEN.match(text, pos)
        if m is None:
            pos += 1  # garbage: skip a character and resynchronise
            continue
        word = m.group(0)
        after = m.end()
        # Is this "name=value" (a parameter of the current challenge) or a new scheme?
        probe = after
        while probe < n and text[probe] in " \t":
            probe += 1
        is_param = (
            current is not None
            and probe < n
            and text[probe] == "="
            and not (probe + 1 < n and text[probe + 1] == "=")
        )
        if is_param and current is not None:
            pos = probe + 1
            skip(" \t")
            value, pos = _read_value(text, pos)
            current[1].setdefault(word.lower(), value)
            continue
        if current is not None:
            out.append(Challenge(current[0], current[1]))
        current = (word.lower(), {})
        pos = after
        skip(" \t")
        t68 = _TOKEN68.match(text, pos)
        if t68 is not None:
            end = t68.end()
            rest = end
            while rest < n and text[rest] in " \t":
                rest += 1
            if (rest >= n or text[rest] == ",") and "=" not in text[pos:end].rstrip("="):
                current[1]["token68"] = t68.group(0)
                pos = end
    if current is not None:
        out.append(Challenge(current[0], current[1]))
    return out


def _read_value(text: str, pos: int) -> tuple[str, int]:
    n = len(text)
    if pos < n and text[pos] == '"':
        pos += 1
        chars: list[str] = []
        while pos < n:
            ch = text[pos]
            if ch == "\\" and pos + 1 < n:
                chars.append(text[pos + 1])
                pos += 2
                continue
            if ch == '"':
                pos += 1
                break
            chars.append(ch)
            pos += 1
        return "".join(chars), pos
    m = _TOKEN.match(text, pos)
    if m is None:
        return "", pos
    return m.group(0), m.end()


@dataclass(slots=True)
class _Token:
    value: str
    expires: float
    fetched: float


CredentialProvider = Callable[[], Awaitable[Credential | None]]


class Authenticator:
    """Holds what we learned of one registry's auth, and the tokens it gave us."""

    def __init__(
        self,
        registry: str,
        credentials: CredentialProvider,
        http: httpx.AsyncClient,
        *,
        deadline: float = 30.0,
        client_id: str = "regview",
        stats: Stats | None = None,
        endpoints: Mapping[str, str] | None = None,
    ) -> None:
        self.registry = registry
        #: Endpoint overrides (``Settings.endpoints``): a realm on a host named there is
        #: asked at its override instead.
        self._endpoints = endpoints or {}
        self._credentials = credentials
        self._http = http
        self._deadline = deadline
        self._client_id = client_id
        #: The registry's counters: a token request is a request like any other.
        self._stats = stats
        self._scheme: str | None = None  # "basic" or "bearer" once a challenge was seen
        self._realm: str | None = None
        self._service: str | None = None
        self._tokens: dict[tuple[str, str, str], _Token] = {}
        self._locks: dict[tuple[str, str, str], asyncio.Lock] = {}
        self._credential: Credential | None = None
        self._credential_loaded = False
        self._credential_flight: SingleFlight[Credential | None] = SingleFlight()
        self.token_requests = 0
        #: The registry (or its token service) accepted our credentials in this process.
        self.accepted = False

    async def credential(self) -> Credential | None:
        """The credential for this registry, looked up once (concurrent callers share it)."""
        if not self._credential_loaded:
            return await self._credential_flight.do("credential", self._load_credential)
        return self._credential

    async def _load_credential(self) -> Credential | None:
        self._credential = await self._credentials()
        redactor.register_credential(self._credential)  # before anything can echo it
        self._credential_loaded = True
        return self._credential

    def note_accepted(self) -> None:
        """A request that carried our Authorization header was answered, not with a 401."""
        self.accepted = True

    def _refused(self) -> None:
        if self._stats is not None:
            self._stats.login_refused = True

    async def identity(self) -> str:
        cred = await self.credential()
        if cred is None or cred.is_anonymous:
            return "anonymous"
        return cred.username or "token"

    async def header(self, scope: str | None) -> str | None:
        """The Authorization header for a request in ``scope``, if we know one."""
        if self._scheme == "basic":
            return await self._basic_header()
        if self._scheme == "bearer" and self._realm is not None:
            return await self._bearer_header(scope or "", force=False)
        return None

    async def handle_challenge(self, values: list[str], scope: str | None) -> str:
        """React to a 401: learn the scheme and return the header to retry with.

        Raises :class:`AuthError` when there is nothing we could retry with.
        """
        challenges = [c for v in values for c in parse_challenges(v)]
        bearer = next((c for c in challenges if c.scheme == "bearer" and c.realm), None)
        basic = next((c for c in challenges if c.scheme == "basic"), None)
        if bearer is not None:
            realm = bearer.params["realm"]
            _check_realm(realm, self.registry)
            self._scheme = "bearer"
            self._realm = redirect_url(self._endpoints, realm)
            self._service = bearer.params.get("service", "")
            wanted = bearer.params.get("scope") or scope or ""
            header = await self._bearer_header(wanted, force=True)
            return header
        if basic is not None:
            self._scheme = "basic"
            header_value = await self._basic_header()
            if header_value is None:
                raise AuthError(self._login_hint())
            return header_value
        if challenges:
            names = ", ".join(sorted({c.scheme for c in challenges}))
            if len(names) > 80:  # clipped visibly, so that a cut-off secret is still hidden
                names = names[:79] + "…"
            raise AuthError(f"{self.registry} asks for unsupported authentication ({names})")
        raise AuthError(f"{self.registry} answered 401 without a usable WWW-Authenticate challenge")

    def _login_hint(self) -> str:
        return (
            f"{self.registry} requires authentication: run `docker login {self.registry}`, "
            "or pass -u USER --password-stdin, or --auth-file"
        )

    async def rejected(self, scope: str | None) -> AuthError:
        """The error for a request still refused after authenticating."""
        cred = await self.credential()
        if cred is None or cred.is_anonymous:
            repository = _pulled_repository(scope)
            if self._scheme == "bearer" and repository is not None:
                # Docker Hub, GHCR, Quay: a token for a name that does not exist (or is
                # private) is issued, and then refused like a missing login.
                return AuthError(
                    f"{self.registry} requires authentication for {repository}, or it "
                    "has no such repository: check the name, or log in (docker login "
                    f"{self.registry}, or -u USER --password-stdin)"
                )
            return AuthError(self._login_hint())
        if self._scheme == "basic":
            self._refused()
            return LoginFailed(
                f"{self.registry} refused the credentials from {cred.source}: "
                "check the user name and password"
            )
        what = f" ({scope})" if scope else ""
        return AuthError(
            f"{self.registry} refused the token it issued for {cred.source}{what}: "
            "the account lacks that permission"
        )

    async def basic_header(self) -> str | None:
        """``Basic`` and our user name and password, or None without a password."""
        return await self._basic_header()

    async def _basic_header(self) -> str | None:
        cred = await self.credential()
        if cred is None or cred.password is None:
            return None
        raw = f"{cred.username or ''}:{cred.password}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")

    async def _bearer_header(self, scope: str, *, force: bool) -> str:
        assert self._realm is not None
        key = (self._realm, self._service or "", scope)
        token = self._tokens.get(key)
        if token is not None and not force and token.expires > time.monotonic():
            return f"Bearer {token.value}"
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            token = self._tokens.get(key)
            fresh = token is not None and token.expires > time.monotonic()
            if token is None or not fresh or (force and not _recent(token)):
                token = await self._fetch_token(scope)
                self._tokens[key] = token
        return f"Bearer {token.value}"

    async def _fetch_token(self, scope: str) -> _Token:
        assert self._realm is not None
        cred = await self.credential()
        self.token_requests += 1
        stats = self._stats
        if stats is not None:
            stats.requests += 1
            stats.in_flight += 1
        try:
            async with asyncio.timeout(self._deadline):
                if cred is not None and cred.identity_token:
                    response = await self._oauth_refresh(cred.identity_token, scope)
                else:
                    response = await self._token_get(cred, scope)
                body = await _read_capped(response)
            if stats is not None:
                stats.bytes_received += len(body)
        except (TimeoutError, httpx.TimeoutException):
            raise Timeout(f"the token service for {self.registry} did not answer in time") from None
        except ProxyFailure as exc:  # worded for the user, without the proxy's password
            raise ProxyError(f"the token service for {self.registry}: {exc}") from None
        except httpx.HTTPError as exc:
            raise NetworkError(
                f"cannot reach the token service for {self.registry}: {type(exc).__name__}"
            ) from None
        finally:
            if stats is not None:
                stats.in_flight -= 1
        if response.status_code in (401, 403):
            if cred is None or cred.is_anonymous:
                raise AuthError(self._login_hint())
            self._refused()
            kind = Denied if response.status_code == 403 else LoginFailed
            raise kind(
                f"the token service for {self.registry} refused the credentials from "
                f"{cred.source}: check the user name and password"
            )
        if response.status_code != 200:
            raise AuthError(
                f"the token service for {self.registry} answered HTTP {response.status_code}"
            )
        obj: Any = load_json(body, "token response")
        if not isinstance(obj, dict):
            raise ProtocolError("token response is not a JSON object")
        value = obj.get("token") or obj.get("access_token")
        for issued in (value, obj.get("access_token"), obj.get("refresh_token")):
            if isinstance(issued, str) and len(issued) <= 64 * 1024:
                redactor.register(issued)  # a registry may echo the token it was sent
        if not isinstance(value, str) or not value or len(value) > 64 * 1024:
            raise ProtocolError(f"the token service for {self.registry} returned no token")
        lifetime = obj.get("expires_in")
        if (
            isinstance(lifetime, bool)
            or not isinstance(lifetime, (int, float))
            or not math.isfinite(lifetime)  # JSON from Python/JS servers may hold NaN
            or lifetime <= 0
        ):
            lifetime = _DEFAULT_TOKEN_LIFETIME
        lifetime = min(float(lifetime), 24 * 3600.0)
        if cred is not None and not cred.is_anonymous:
            self.accepted = True  # the token service took the credentials
        now = time.monotonic()
        return _Token(value, now + max(lifetime - _EXPIRY_SLACK, lifetime / 2), now)

    async def _token_get(self, cred: Credential | None, scope: str) -> httpx.Response:
        assert self._realm is not None
        params: list[tuple[str, str | int | float | bool | None]] = []
        if self._service:
            params.append(("service", self._service))
        if scope:
            params.extend(("scope", s) for s in scope.split(" ") if s)
        auth: tuple[str, str] | None = None
        if cred is not None and cred.password is not None:
            auth = (cred.username or "", cred.password)
            params.append(("account", cred.username or ""))
        request = self._http.build_request("GET", self._realm, params=params)
        if auth is not None:
            raw = f"{auth[0]}:{auth[1]}".encode()
            request.headers["Authorization"] = "Basic " + base64.b64encode(raw).decode("ascii")
        return await self._http.send(request, stream=True)

    async def _oauth_refresh(self, refresh_token: str, scope: str) -> httpx.Response:
        assert self._realm is not None
        form = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "service": self._service or "",
            "scope": scope,
            "client_id": self._client_id,
        }
        request = self._http.build_request("POST", self._realm, data=form)
        return await self._http.send(request, stream=True)


def _pulled_repository(scope: str | None) -> str | None:
    """``NAME`` of a ``repository:NAME:pull`` scope (printable, clipped), else None."""
    if not scope or not scope.startswith("repository:") or not scope.endswith(":pull"):
        return None
    name = scope[len("repository:"):-len(":pull")]
    if not name or " " in name:
        return None
    shown = "".join(ch if ch.isprintable() else "?" for ch in name)
    return shown if len(shown) <= 120 else shown[:117] + "..."


def _recent(token: _Token) -> bool:
    """A token fetched a moment ago is reused when concurrent 401s race for a new one."""
    return time.monotonic() - token.fetched < 2.0


def _check_realm(realm: str, registry: str) -> None:
    # An unusable realm is an AuthError (we cannot log in), like any other unusable
    # challenge; the realm itself is not quoted: it is the server's text.
    try:
        url = httpx.URL(realm)
    except (httpx.InvalidURL, ValueError):
        raise AuthError(f"{registry} named an invalid token realm; cannot log in") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise AuthError(
            f"{registry} named a token realm that is not an http(s) URL; cannot log in"
        )


async def _read_capped(response: httpx.Response) -> bytes:
    chunks: list[bytes] = []
    total = 0
    try:
        async for chunk in response.aiter_bytes():
            total += len(chunk)
            if total > _TOKEN_BODY_LIMIT:
                raise ProtocolError("the token service sent an oversized answer")
            chunks.append(chunk)
    finally:
        await response.aclose()
    return b"".join(chunks)
