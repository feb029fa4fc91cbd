"""An in-process fake registry for ``httpx.MockTransport``.

It serves what a real server cannot do on demand: other vendors' auth flows (Docker Hub
style token realm on another host, GHCR-like refusal of ``_catalog``), faults (429 with
Retry-After, 503 once), and hostile answers. Every request is recorded so tests can
assert on what was sent, and to which host.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from regview.registry import media_types as mt

Handler = Callable[[httpx.Request], httpx.Response | None]


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def make_image(label: str = "x", *, layers: int = 2) -> tuple[bytes, bytes, list[bytes]]:
    """(manifest bytes, config bytes, layer blobs) of a small OCI image."""
    layer_blobs = [f"layer-{label}-{i}".encode() for i in range(layers)]
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "created": "2024-01-01T00:00:00Z",
            "config": {"Env": [f"LABEL={label}"], "Cmd": ["sh"]},
            "rootfs": {"type": "layers", "diff_ids": [digest_of(b) for b in layer_blobs]},
            "history": [{"created_by": f"step {i}"} for i in range(layers)],
        }
    ).encode()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": mt.OCI_MANIFEST,
            "config": {
                "mediaType": mt.OCI_CONFIG,
                "digest": digest_of(config),
                "size": len(config),
            },
            "layers": [
                {"mediaType": mt.OCI_LAYER_GZIP, "digest": digest_of(b), "size": len(b)}
                for b in layer_blobs
            ],
        }
    ).encode()
    return manifest, config, layer_blobs


@dataclass
class Recorded:
    method: str
    url: str
    host: str
    authorization: str | None
    headers: dict[str, str]


@dataclass
class FakeRegistry:
    """A tiny registry: ``manifests[repo][ref] = (bytes, media type)``, ``blobs[digest]``."""

    host: str = "registry.example"
    manifests: dict[str, dict[str, tuple[bytes, str]]] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)
    catalog: list[str] | None = None  # None: derive from manifests
    catalog_denied: bool = False
    auth: str = "none"  # "none", "basic", "bearer"
    users: dict[str, str] = field(default_factory=dict)
    anonymous_pull: bool = True
    realm_host: str = "auth.example"
    token_lifetime: int = 300
    rate_limit: tuple[int, int] | None = None
    hooks: list[Handler] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    tokens_issued: int = 0
    page_size_limit: int | None = None

    # --- content -------------------------------------------------------------------------

    def push(
        self, repo: str, tag: str | None, data: bytes, media_type: str = mt.OCI_MANIFEST
    ) -> str:
        d = digest_of(data)
        refs = self.manifests.setdefault(repo, {})
        refs[d] = (data, media_type)
        if tag is not None:
            refs[tag] = (data, media_type)
        return d

    def push_image(self, repo: str, tag: str, label: str = "x") -> tuple[str, bytes, bytes]:
        manifest, config, layers = make_image(label)
        self.blobs[digest_of(config)] = config
        for b in layers:
            self.blobs[digest_of(b)] = b
        return self.push(repo, tag, manifest), manifest, config

    def transport(self) -> httpx.MockTransport:
        def streaming(request: httpx.Request) -> httpx.Response:
            # A Response built from bytes is already "read"; a real server streams, so
            # hand the client the raw (undecoded) stream, as the network would.
            answer = self.handle(request)
            return httpx.Response(
                answer.status_code, headers=answer.headers, stream=answer.stream, request=request
            )

        return httpx.MockTransport(streaming)

    def requests_to(self, host: str) -> list[Recorded]:
        return [r for r in self.requests if r.host == host]

    # --- serving -------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(
            Recorded(
                request.method,
                str(request.url),
                request.url.host,
                request.headers.get("authorization"),
                dict(request.headers),
            )
        )
        for hook in self.hooks:
            answer = hook(request)
            if answer is not None:
                return answer
        if request.url.host == self.realm_host:
            return self._token(request)
        if request.url.host != self.host:
            return httpx.Response(404, text="unknown host")
        denied = self._check_auth(request)
        if denied is not None:
            return denied
        path = request.url.path
        headers: dict[str, str] = {"Docker-Distribution-API-Version": "registry/2.0"}
        if self.rate_limit is not None:
            headers["RateLimit-Limit"] = f"{self.rate_limit[0]};w=21600"
            headers["RateLimit-Remaining"] = f"{self.rate_limit[1]};w=21600"
        if path == "/v2/":
            return httpx.Response(200, json={}, headers=headers)
        if path == "/v2/_catalog":
            return self._catalog(request, headers)
        repo, kind, ref = _split(path)
        if kind == "tags":
            refs = self.manifests.get(repo)
            if refs is None:
                return _error(404, "NAME_UNKNOWN", "repository name not known to registry")
            tags = [t for t in refs if not t.startswith("sha256:")]
            return httpx.Response(200, json={"name": repo, "tags": tags}, headers=headers)
        if kind == "manifests":
            found = self.manifests.get(repo, {}).get(ref)
            if found is None:
                return _error(404, "MANIFEST_UNKNOWN", "manifest unknown")
            data, media_type = found
            headers.update(
                {
                    "Content-Type": media_type,
                    "Docker-Content-Digest": digest_of(data),
                    "Content-Length": str(len(data)),
                }
            )
            body = b"" if request.method == "HEAD" else data
            return httpx.Response(200, content=body, headers=headers)
        if kind == "blobs":
            blob = self.blobs.get(ref)
            if blob is None:
                return _error(404, "BLOB_UNKNOWN", "blob unknown")
            headers["Docker-Content-Digest"] = ref
            wanted = request.headers.get("range", "")
            if wanted.startswith("bytes=") and request.method == "GET":
                first, _, last = wanted[len("bytes=") :].partition("-")
                end = int(last) + 1 if last else len(blob)
                part = blob[int(first) : end]
                headers["Content-Length"] = str(len(part))
                headers["Content-Range"] = f"bytes {first}-{end - 1}/{len(blob)}"
                return httpx.Response(206, content=part, headers=headers)
            headers["Content-Length"] = str(len(blob))
            return httpx.Response(
                200, content=b"" if request.method == "HEAD" else blob, headers=headers
            )
        if kind == "referrers":
            return httpx.Response(404, text="404 page not found")
        return httpx.Response(404, text="not found")

    def _catalog(self, request: httpx.Request, headers: dict[str, str]) -> httpx.Response:
        if self.catalog_denied:
            return _error(
                401,
                "UNAUTHORIZED",
                "authentication required",
                challenge=self._challenge("registry:catalog:*"),
            )
        names = sorted(self.catalog if self.catalog is not None else self.manifests)
        n_text = request.url.params.get("n")
        n = int(n_text) if n_text else 100
        if self.page_size_limit is not None and n > self.page_size_limit:
            return _error(400, "PAGINATION_NUMBER_INVALID", "invalid number of results requested")
        last = request.url.params.get("last")
        start = 0
        if last is not None:
            start = next((i + 1 for i, name in enumerate(names) if name == last), len(names))
        page = names[start : start + n]
        if start + n < len(names):
            headers["Link"] = f'</v2/_catalog?last={page[-1]}&n={n}>; rel="next"'
        return httpx.Response(200, json={"repositories": page}, headers=headers)

    # --- auth ----------------------------------------------------------------------------

    def _challenge(self, scope: str) -> str:
        if self.auth == "basic":
            return 'Basic realm="fake"'
        return (
            f'Bearer realm="https://{self.realm_host}/token",service="{self.host}",scope="{scope}"'
        )

    def _scope_for(self, path: str) -> str:
        if path == "/v2/_catalog":
            return "registry:catalog:*"
        if path == "/v2/":
            return ""
        repo, _, _ = _split(path)
        return f"repository:{repo}:pull"

    def _check_auth(self, request: httpx.Request) -> httpx.Response | None:
        if self.auth == "none":
            return None
        header = request.headers.get("authorization", "")
        scope = self._scope_for(request.url.path)
        if self.auth == "basic":
            if header.startswith("Basic "):
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
                if self.users.get(user) == password:
                    return None
            return _error(
                401, "UNAUTHORIZED", "authentication required", challenge=self._challenge(scope)
            )
        if header.startswith("Bearer "):
            try:
                claims = json.loads(base64.b64decode(header[7:]))
            except ValueError:
                claims = {}
            if scope == "" or scope in claims.get("scopes", []):
                return None
        return _error(
            401,
            "UNAUTHORIZED",
            "authentication required",
            challenge=self._challenge(scope or "registry:catalog:*"),
        )

    def _token(self, request: httpx.Request) -> httpx.Response:
        user: str | None = None
        if request.method == "POST":
            form = dict(httpx.QueryParams(request.content.decode()))
            if (
                form.get("grant_type") != "refresh_token"
                or form.get("refresh_token") != "refresh-me"
            ):
                return httpx.Response(401, json={"error": "invalid_grant"})
            scopes = form.get("scope", "").split()
            user = "token-user"
        else:
            header = request.headers.get("authorization", "")
            if header.startswith("Basic "):
                name, _, password = base64.b64decode(header[6:]).decode().partition(":")
                if self.users.get(name) != password:
                    return httpx.Response(401, json={"details": "incorrect username or password"})
                user = name
            scopes = request.url.params.get_list("scope")
        granted = [
            s
            for s in scopes
            if user is not None or (self.anonymous_pull and s.startswith("repository:"))
        ]
        if "registry:catalog:*" in granted and (user is None or self.catalog_denied):
            granted.remove("registry:catalog:*")
        self.tokens_issued += 1
        token = base64.b64encode(json.dumps({"scopes": granted, "n": self.tokens_issued}).encode())
        return httpx.Response(
            200, json={"token": token.decode(), "expires_in": self.token_lifetime}
        )


def _split(path: str) -> tuple[str, str, str]:
    """``/v2/<repo>/<kind>/<ref>`` -> (repo, kind, ref)."""
    rest = path[len("/v2/") :]
    for kind in ("manifests", "blobs", "tags", "referrers"):
        marker = f"/{kind}/"
        if marker in rest:
            repo, _, ref = rest.rpartition(marker)
            return repo, kind, ref
    return rest, "", ""


def _error(status: int, code: str, message: str, *, challenge: str | None = None) -> httpx.Response:
    headers = {"WWW-Authenticate": challenge} if challenge else {}
    body: dict[str, Any] = {"errors": [{"code": code, "message": message, "detail": None}]}
    return httpx.Response(status, json=body, headers=headers)
