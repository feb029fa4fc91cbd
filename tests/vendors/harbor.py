"""Harbor 2.x, rebuilt from its documented API.

Sources:

* Harbor API v2.0 (swagger ``api/v2.0/swagger.yaml``, "List repositories" ``GET
  /api/v2.0/projects/{project_name}/repositories``): a JSON array of repository objects
  (``id``, ``name`` such as ``library/nginx``, ``project_id``, ``artifact_count``,
  ``pull_count``, ``creation_time``, ``update_time``), paged with ``page`` and
  ``page_size`` (at most 100), the total in ``X-Total-Count`` and the next page in
  ``Link: <...?page=2&page_size=10>; rel="next"``. Public projects answer anonymous
  callers; a private one answers ``401 UNAUTHORIZED`` to them and ``403 FORBIDDEN`` to a
  user who is not a member. The API takes HTTP Basic credentials.
* Harbor's registry (``/v2/``) uses token auth, ``Bearer
  realm="https://HOST/service/token",service="harbor-registry"``, and lists the whole
  ``_catalog`` only to system administrators (others get ``401 UNAUTHORIZED``).
"""

from __future__ import annotations

import itertools

from tests.vendors.server import Images, Reply, Request, VendorServer, oci_error, split_v2

__all__ = ["HOST", "Harbor"]

HOST = "harbor.example.com"
MAX_PAGE_SIZE = 100


class Harbor(VendorServer):
    """One listener: Harbor's registry API, its token service and its REST API."""

    def __init__(self) -> None:
        super().__init__()
        self.images = Images()
        self.users = {"admin": "Harbor12345", "dev": "dev-pw"}
        self.members = {"team": {"dev"}}
        self.public = {"library"}
        self._tokens: dict[str, tuple[str, frozenset[str]]] = {}
        self._serial = itertools.count(1)

    def endpoints(self) -> dict[str, str]:
        return {HOST: self.listeners["registry"].url}


    def _who(self, request: Request) -> str | None:
        """The user of valid Basic credentials, "anonymous" without any, None when wrong."""
        basic = request.basic()
        if basic is None:
            return "anonymous"
        return basic[0] if self.users.get(basic[0]) == basic[1] else None

    def may_read(self, who: str, project: str) -> bool:
        return project in self.public or who == "admin" or who in self.members.get(project, ())

    def answer(self, request: Request) -> Reply:
        if request.path.startswith("/api/v2.0/"):
            return self._api(request)
        if request.path == "/service/token":
            return self._token(request)
        return self._registry(request)

    # --- the REST API -------------------------------------------------------------------

    def _api(self, request: Request) -> Reply:
        who = self._who(request)
        if who is None:
            return oci_error(401, "UNAUTHORIZED", "unauthorized")
        parts = request.path.split("/")
        # /api/v2.0/projects/{project}/repositories
        if len(parts) != 6 or parts[3] != "projects" or parts[5] != "repositories":
            return oci_error(404, "NOT_FOUND", "not found")
        project = parts[4]
        known = {repo.split("/")[0] for repo in self.images.repositories()} | set(self.members)
        if project not in known:
            return oci_error(404, "NOT_FOUND", f"project {project} not found")
        if not self.may_read(who, project):
            if who == "anonymous":
                return oci_error(401, "UNAUTHORIZED", "unauthorized")
            return oci_error(403, "FORBIDDEN", "forbidden")
        names = [r for r in self.images.repositories() if r.startswith(project + "/")]
        page = int(request.param("page") or 1)
        size = min(int(request.param("page_size") or 10), MAX_PAGE_SIZE)
        chunk = names[(page - 1) * size : page * size]
        headers = [("X-Total-Count", str(len(names)))]
        if page * size < len(names):
            link = f"/api/v2.0/projects/{project}/repositories?page={page + 1}&page_size={size}"
            headers.append(("Link", f'<{link}>; rel="next"'))
        body = [
            {"id": i, "name": name, "project_id": 1, "artifact_count": 1, "pull_count": 0,
             "creation_time": "2026-01-01T00:00:00.000Z",
             "update_time": "2026-01-01T00:00:00.000Z"}
            for i, name in enumerate(chunk, start=(page - 1) * size + 1)
        ]
        return Reply.json(200, body, headers)

    # --- the registry -------------------------------------------------------------------

    def _token(self, request: Request) -> Reply:
        who = self._who(request)
        if who is None:
            return oci_error(401, "UNAUTHORIZED", "invalid credentials")
        granted = set()
        for value in request.query.get("scope", []):
            for scope in value.split(" "):
                if scope == "registry:catalog:*" and who == "admin":
                    granted.add(scope)
                elif scope.startswith("repository:") and scope.endswith(":pull"):
                    repository = scope[len("repository:"):-len(":pull")]
                    if self.may_read(who, repository.split("/")[0]):
                        granted.add(scope)
        token = f"harbor-{next(self._serial)}"
        self._tokens[token] = (who, frozenset(granted))
        return Reply.json(200, {"token": token, "expires_in": 1800})

    def _registry(self, request: Request) -> Reply:
        holder = self._tokens.get(request.bearer() or "")
        if request.path == "/v2/_catalog":
            scope: str | None = "registry:catalog:*"
        else:
            parts = split_v2(request.path)
            scope = None if parts is None else f"repository:{parts[0]}:pull"
        if holder is None or (scope is not None and scope not in holder[1]):
            challenge = f'Bearer realm="https://{HOST}/service/token",service="harbor-registry"'
            challenge += f',scope="{scope}"' if scope else ""
            return oci_error(401, "UNAUTHORIZED", "unauthorized to access repository",
                             [("WWW-Authenticate", challenge)])
        if request.path == "/v2/":
            return Reply.json(200, {})
        if request.path == "/v2/_catalog":
            return Reply.json(200, {"repositories": self.images.repositories()})
        parts = split_v2(request.path)
        if parts is None:
            return oci_error(404, "NOT_FOUND", "not found")
        repository, kind, reference = parts
        if kind == "manifests":
            return self.images.manifest(request, repository, reference)
        if kind == "blobs":
            return self.images.blob(request, reference)
        if kind == "tags":
            return Reply.json(200, {"name": repository,
                                    "tags": self.images.tag_list(repository) or []})
        return oci_error(404, "NOT_FOUND", "not found")
