"""Docker Hub, rebuilt from its documented responses.

Sources:

* Docker Hub pull usage and limits, "View pull rate and limit"
  (https://docs.docker.com/docker-hub/usage/pulls/): the anonymous token comes from
  ``https://auth.docker.io/token?service=registry.docker.io&scope=repository:NAME:pull``;
  a ``HEAD`` of ``https://registry-1.docker.io/v2/NAME/manifests/TAG`` answers
  ``ratelimit-limit: 100;w=21600`` and ``ratelimit-remaining: N;w=21600`` (and
  ``docker-ratelimit-source``); a HEAD is not counted as a pull, a GET of a manifest is;
  over the limit a manifest GET gets ``429 Too Many Requests`` with the plain-text
  "You have reached your pull rate limit..." and a ``Retry-After``.
* The Docker token authentication spec (https://distribution.github.io/distribution/spec/auth/token/):
  ``401`` with ``WWW-Authenticate: Bearer realm="https://auth.docker.io/token",
  service="registry.docker.io",scope="repository:library/alpine:pull"``; the token
  answer ``{"token", "access_token", "expires_in", "issued_at"}``.
* docker's reference rules (distribution/reference ``ParseNormalizedNamed``): the API
  host of ``docker.io`` is ``registry-1.docker.io``; one-word names are ``library/NAME``.
* Hub offers no ``_catalog``: the token service grants no ``registry:catalog:*``, so the
  catalog stays ``401 UNAUTHORIZED`` whoever asks.

The challenge names the real realm host (``auth.docker.io``): a test points regview at
the two listeners with endpoint overrides (:meth:`DockerHub.endpoints`), as a user
would point it at a mirror.
"""

from __future__ import annotations

import itertools
import threading

from tests.vendors.server import Images, Reply, Request, VendorServer, oci_error, split_v2

__all__ = ["DockerHub"]

SERVICE = "registry.docker.io"
REALM = "https://auth.docker.io/token"
WINDOW = 21600
RATE_LIMIT_TEXT = (
    "You have reached your pull rate limit. You may increase the limit by authenticating "
    "and upgrading: https://www.docker.com/increase-rate-limits"
)


class DockerHub(VendorServer):
    """``registry`` is registry-1.docker.io, ``auth`` is auth.docker.io."""

    LISTENERS = ("registry", "auth")

    def __init__(
        self, *, limit: int = 100, remaining: int | None = None, retry_after: int = 21600
    ) -> None:
        super().__init__()
        self.images = Images()
        self.users = {"alice": "hub-pw"}
        self.limit = limit
        self.retry_after = retry_after
        #: Pulls left, per who asks ("anonymous" or the user name).
        self.remaining: dict[str, int] = {}
        self._default_remaining = limit if remaining is None else remaining
        self._tokens: dict[str, tuple[str, frozenset[str]]] = {}
        self._serial = itertools.count(1)
        self._pull_lock = threading.Lock()
        self.pulls = 0

    # --- how a test points regview here ---------------------------------------------

    def endpoints(self) -> dict[str, str]:
        """``Settings.endpoints`` that send docker.io and auth.docker.io here."""
        return {
            "docker.io": self.listeners["registry"].url,
            "auth.docker.io": self.listeners["auth"].url,
        }


    def left(self, who: str = "anonymous") -> int:
        return self.remaining.get(who, self._default_remaining)

    # --- answers ------------------------------------------------------------------------

    def answer(self, request: Request) -> Reply:
        if request.listener == "auth":
            return self._token(request)
        return self._registry(request)

    def _token(self, request: Request) -> Reply:
        if request.path != "/token" or request.param("service") != SERVICE:
            return Reply.json(400, {"details": "invalid service or path"})
        who = "anonymous"
        basic = request.basic()
        if basic is not None:
            if self.users.get(basic[0]) != basic[1]:
                return Reply.json(401, {"details": "incorrect username or password"})
            who = basic[0]
        scopes = [s for v in request.query.get("scope", []) for s in v.split(" ") if s]
        # Pull access to any repository name (Hub answers a missing one at the registry);
        # never the catalog.
        granted = frozenset(
            s for s in scopes if s.startswith("repository:") and s.endswith(":pull")
        )
        token = f"hub-token-{next(self._serial)}"
        self._tokens[token] = (who, granted)
        return Reply.json(
            200,
            {"token": token, "access_token": token, "expires_in": 300,
             "issued_at": "2026-12-02T01:00:00Z"},
        )

    def _challenge(self, scope: str | None) -> list[tuple[str, str]]:
        value = f'Bearer realm="{REALM}",service="{SERVICE}"'
        if scope:
            value += f',scope="{scope}"'
        return [("WWW-Authenticate", value)]

    def _unauthorized(self, scope: str | None) -> Reply:
        return oci_error(401, "UNAUTHORIZED", "authentication required", self._challenge(scope))

    def _registry(self, request: Request) -> Reply:
        token = request.bearer()
        holder = self._tokens.get(token) if token else None
        headers = [("Docker-Distribution-API-Version", "registry/2.0")]
        if request.path == "/v2/":
            if holder is None:
                return self._unauthorized(None)
            return Reply.json(200, {}, headers)
        if request.path == "/v2/_catalog":
            return self._unauthorized("registry:catalog:*")
        parts = split_v2(request.path)
        if parts is None:
            return oci_error(404, "NOT_FOUND", "not found")
        repository, kind, reference = parts
        scope = f"repository:{repository}:pull"
        if holder is None or scope not in holder[1]:
            return self._unauthorized(scope)
        if repository not in self.images.tags:
            # Hub answers a repository that does not exist (or is private) as if the
            # token lacked access.
            return self._unauthorized(scope)
        who = holder[0]
        if kind == "tags":
            return Reply.json(
                200, {"name": repository, "tags": self.images.tag_list(repository)}, headers
            )
        if kind == "blobs":
            return self.images.blob(request, reference)
        if kind != "manifests":
            return oci_error(404, "NOT_FOUND", "not found")
        return self._manifest(request, who, repository, reference, headers)

    def _manifest(
        self, request: Request, who: str, repository: str, reference: str,
        headers: list[tuple[str, str]],
    ) -> Reply:
        with self._pull_lock:
            left = self.left(who)
            limit = self.limit
            if request.method == "GET":
                if left <= 0:
                    return Reply.text(
                        429,
                        RATE_LIMIT_TEXT,
                        [("Retry-After", str(self.retry_after)),
                         *_budget(limit, 0), ("docker-ratelimit-source", "127.0.0.1")],
                    )
                if (repository, reference) in self.images.manifests:
                    left -= 1
                    self.remaining[who] = left
                    self.pulls += 1
        reply = self.images.manifest(request, repository, reference)
        reply.headers += headers + _budget(limit, left)
        reply.headers.append(("docker-ratelimit-source", "127.0.0.1"))
        return reply


def _budget(limit: int, left: int) -> list[tuple[str, str]]:
    return [("ratelimit-limit", f"{limit};w={WINDOW}"),
            ("ratelimit-remaining", f"{left};w={WINDOW}")]
