"""GitHub Container Registry (ghcr.io), rebuilt from its documented and observed answers.

Sources:

* GitHub Docs, "Working with the Container registry": ``ghcr.io`` takes a personal access
  token (``read:packages``) as the password; public packages can be pulled anonymously.
* The anonymous token endpoint ``https://ghcr.io/token?scope=repository:OWNER/IMAGE:pull&
  service=ghcr.io`` (named by the ``401`` challenge ``Bearer realm="https://ghcr.io/token",
  service="ghcr.io",scope="repository:OWNER/IMAGE:pull"``; quoted in
  oras-project/oras-java#178 and CodesWhat/drydock#87); for a package that is not public
  it answers 401 (openai/tunnel-client#75).
* Bad credentials: the token endpoint answers ``403`` ``{"errors":[{"code":"DENIED",
  "message":"denied"}]}`` ("response status code 403: denied: denied",
  confidential-containers/cloud-api-adaptor#2829; sigstore/scaffolding#127); and a
  request to the registry that carries credentials of its own gets ``DENIED`` *without*
  a ``WWW-Authenticate`` header (renovatebot/renovate#11446), so a client that sends
  Basic credentials up front never learns the token flow.
* No ``_catalog`` for anyone (answered 404 here).
"""

from __future__ import annotations

import itertools

from tests.vendors.server import Images, Reply, Request, VendorServer, oci_error, split_v2

__all__ = ["Ghcr"]

REALM = "https://ghcr.io/token"


class Ghcr(VendorServer):
    """One listener: ghcr.io's API and its token endpoint ``/token``."""

    def __init__(self) -> None:
        super().__init__()
        self.images = Images()
        #: Users and their personal access tokens.
        self.users = {"octocat": "ghp_" + "A1b2C3d4" * 4 + "zZzZ"}
        #: Repositories only their owner may pull.
        self.private: set[str] = set()
        self._tokens: dict[str, tuple[str, frozenset[str]]] = {}
        self._serial = itertools.count(1)

    def endpoints(self) -> dict[str, str]:
        return {"ghcr.io": self.listeners["registry"].url}


    def answer(self, request: Request) -> Reply:
        if request.path == "/token":
            return self._token(request)
        if request.basic() is not None:
            return oci_error(403, "DENIED", "denied")  # and no WWW-Authenticate
        holder = self._tokens.get(request.bearer() or "")
        if request.path == "/v2/_catalog":
            return oci_error(404, "NOT_FOUND", "404 page not found")
        parts = split_v2(request.path)
        scope = None if parts is None else f"repository:{parts[0]}:pull"
        if holder is None or (scope is not None and scope not in holder[1]):
            challenge = f'Bearer realm="{REALM}",service="ghcr.io"'
            challenge += f',scope="{scope}"' if scope else ""
            return oci_error(401, "UNAUTHORIZED", "authentication required",
                             [("WWW-Authenticate", challenge)])
        if request.path == "/v2/":
            return Reply.json(200, {})
        if parts is None:
            return oci_error(404, "NOT_FOUND", "not found")
        repository, kind, reference = parts
        return self.images.read(request, repository, kind, reference)

    def _token(self, request: Request) -> Reply:
        who = "anonymous"
        basic = request.basic()
        if basic is not None:
            if self.users.get(basic[0]) != basic[1]:
                return oci_error(403, "DENIED", "denied")
            who = basic[0]
        scopes = [s for v in request.query.get("scope", []) for s in v.split(" ") if s]
        granted = set()
        for scope in scopes:
            if not (scope.startswith("repository:") and scope.endswith(":pull")):
                continue
            repository = scope[len("repository:"):-len(":pull")]
            if repository in self.private and who != repository.split("/")[0]:
                if who == "anonymous":
                    return oci_error(401, "UNAUTHORIZED", "authentication required")
                continue
            granted.add(scope)
        token = f"djE6{next(self._serial):08d}"
        self._tokens[token] = (who, frozenset(granted))
        return Reply.json(200, {"token": token})
