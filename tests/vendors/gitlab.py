"""GitLab's container registry (registry.gitlab.com, and self-managed GitLab), rebuilt
from its documented and reported answers.

Sources:

* GitLab Docs, "Container registry" / "Authenticate with the container registry": the
  registry takes a GitLab user name with a personal, project or deploy token (scope
  ``read_registry``) as the password; public projects can be pulled anonymously.
  Repository paths follow the project's: ``GROUP/SUBGROUP/PROJECT[/IMAGE]``.
* The token service is GitLab itself, on another host than the registry:
  ``Bearer realm="https://gitlab.com/jwt/auth",service="container_registry",
  scope="repository:group/module:pull"`` (gitlab-org/gitlab#19470 quotes
  ``jwt/auth -d service=container_registry -d scope=...`` and the registry's
  ``UNAUTHORIZED`` body with a ``detail`` list of Type/Name/Action).
* ``_catalog``: GitLab issues no ``registry:catalog:*`` access except to instance
  administrators (gitlab-org/gitlab-foss!14751), so a token asked for that scope comes
  back without it, and the registry answers again ``401`` with
  ``error="insufficient_scope"`` in the challenge (gitlab-org/gitlab#22635; #23696:
  "a GET to _catalog with valid credentials fails with a 401").
* Bad credentials: ``/jwt/auth`` answers ``401`` with ``{"errors":[{"code":
  "UNAUTHORIZED","message":"HTTP Basic: Access denied. ..."}]}``.
* A private project, read anonymously: the token comes back without access, and the
  registry answers ``401`` ``UNAUTHORIZED`` with the same challenge.
"""

from __future__ import annotations

import itertools

from tests.vendors.server import Images, Reply, Request, VendorServer, oci_error, split_v2

__all__ = ["GitLab"]

SERVICE = "container_registry"
REALM = "https://gitlab.com/jwt/auth"
ACCESS_DENIED = (
    "HTTP Basic: Access denied. If a password was provided for Git authentication, the "
    "password was incorrect or you're required to use a token instead of a password."
)


class GitLab(VendorServer):
    """``registry`` is registry.gitlab.com, ``auth`` is gitlab.com (``/jwt/auth``)."""

    LISTENERS = ("registry", "auth")

    def __init__(self) -> None:
        super().__init__()
        self.images = Images()
        #: Users and their tokens (``read_registry``).
        self.users = {"rosalind": "glpat-" + "Zx9Yw8Vu7Ts6" * 2}
        #: Repositories of private projects, and who is a member of each.
        self.private: dict[str, set[str]] = {}
        self._tokens: dict[str, tuple[str, frozenset[str]]] = {}
        self._serial = itertools.count(1)

    def endpoints(self, registry: str = "registry.gitlab.com") -> dict[str, str]:
        """``Settings.endpoints`` that send ``registry`` and gitlab.com here."""
        return {registry: self.listeners["registry"].url, "gitlab.com": self.listeners["auth"].url}

    def endpoints_env(self, registry: str = "registry.gitlab.com") -> str:
        return ",".join(f"{h}={u}" for h, u in self.endpoints(registry).items())

    def answer(self, request: Request) -> Reply:
        if request.listener == "auth":
            return self._token(request)
        return self._registry(request)

    def _token(self, request: Request) -> Reply:
        if request.path != "/jwt/auth" or request.param("service") != SERVICE:
            return Reply.json(404, {"message": "404 Not Found"})
        who = "anonymous"
        basic = request.basic()
        if basic is not None:
            if self.users.get(basic[0]) != basic[1]:
                return oci_error(401, "UNAUTHORIZED", ACCESS_DENIED)
            who = basic[0]
        scopes = [s for v in request.query.get("scope", []) for s in v.split(" ") if s]
        granted = set()
        for scope in scopes:
            kind, _, rest = scope.partition(":")
            repository, _, actions = rest.rpartition(":")
            if kind != "repository" or "pull" not in actions.split(","):
                continue  # registry:catalog:* is never granted (not an administrator)
            members = self.private.get(repository)
            if members is not None and who not in members:
                continue
            granted.add(f"repository:{repository}:pull")
        token = f"gl-jwt-{next(self._serial)}"
        self._tokens[token] = (who, frozenset(granted))
        return Reply.json(200, {"token": token})

    def _unauthorized(self, scope: str | None, *, insufficient: bool = False) -> Reply:
        value = f'Bearer realm="{REALM}",service="{SERVICE}"'
        if scope:
            value += f',scope="{scope}"'
        if insufficient:
            value += ',error="insufficient_scope"'
        return oci_error(401, "UNAUTHORIZED", "authentication required",
                         [("WWW-Authenticate", value)])

    def _registry(self, request: Request) -> Reply:
        holder = self._tokens.get(request.bearer() or "")
        if request.path == "/v2/":
            return self._unauthorized(None) if holder is None else Reply.json(200, {})
        if request.path == "/v2/_catalog":
            return self._unauthorized("registry:catalog:*", insufficient=holder is not None)
        parts = split_v2(request.path)
        if parts is None:
            return oci_error(404, "NOT_FOUND", "not found")
        repository, kind, reference = parts
        scope = f"repository:{repository}:pull"
        if holder is None or scope not in holder[1]:
            return self._unauthorized(scope, insufficient=holder is not None)
        return self.images.read(request, repository, kind, reference)
