"""Quay (quay.io), rebuilt from its documented and observed responses.

Sources:

* Quay's v2 API answers ``401`` with ``WWW-Authenticate: Bearer
  realm="https://quay.io/v2/auth",service="quay.io"`` and issues anonymous tokens for
  public repositories at that realm (Project Quay docs, "Docker Registry v2 API
  authentication").
* Tag lists come in short pages unless ``n`` is sent: 50 tags and a ``Link`` to an
  opaque ``next_page`` cursor (``</v2/coreos/etcd/tags/list?next_page=gAAAA...&n=50>;
  rel="next"``, quoted in ivanilves/lstags#185, regclient/regclient#272 and
  deitch/docker_registry2#56); with ``n`` up to 100 tags a page and a ``last`` cursor
  (deitch/docker_registry2#107). For a while in 2024 it refused ``n`` above 100
  outright (akuity/kargo#2186): ``refuse_over_100=True`` reproduces that with a 400.
* No ``RateLimit-*`` headers: Quay meters no pulls.
"""

from __future__ import annotations

import base64
import itertools

from tests.vendors.server import Images, Reply, Request, VendorServer, oci_error, split_v2

__all__ = ["Quay"]

DEFAULT_PAGE = 50
MAX_PAGE = 100


class Quay(VendorServer):
    """One listener: quay.io's API and its token realm ``/v2/auth``."""

    def __init__(self, *, refuse_over_100: bool = False) -> None:
        super().__init__()
        self.images = Images()
        self.refuse_over_100 = refuse_over_100
        self._tokens: set[str] = set()
        self._serial = itertools.count(1)

    def endpoints(self) -> dict[str, str]:
        return {"quay.io": self.listeners["registry"].url}


    def answer(self, request: Request) -> Reply:
        if request.path == "/v2/auth":
            token = f"quay-{next(self._serial)}"
            self._tokens.add(token)
            return Reply.json(200, {"token": token})
        if request.bearer() not in self._tokens:
            scope = ""
            parts = split_v2(request.path)
            if parts is not None:
                scope = f',scope="repository:{parts[0]}:pull"'
            challenge = f'Bearer realm="https://quay.io/v2/auth",service="quay.io"{scope}'
            return oci_error(401, "UNAUTHORIZED", "access to the requested resource is not "
                             "authorized", [("WWW-Authenticate", challenge)])
        if request.path == "/v2/":
            return Reply.json(200, {})
        parts = split_v2(request.path)
        if parts is None:
            return oci_error(404, "NOT_FOUND", "not found")
        repository, kind, reference = parts
        if kind == "manifests":
            return self.images.manifest(request, repository, reference)
        if kind == "blobs":
            return self.images.blob(request, reference)
        if kind == "tags":
            return self._tags(request, repository)
        return oci_error(404, "NOT_FOUND", "not found")

    def _tags(self, request: Request, repository: str) -> Reply:
        tags = self.images.tag_list(repository)
        if tags is None:
            return oci_error(404, "NAME_UNKNOWN", "repository not found")
        n_text = request.param("n")
        cursor = request.param("next_page")
        if cursor is not None:
            start = int(base64.urlsafe_b64decode(cursor.encode()).decode())
        elif request.param("last") is not None:
            last = request.param("last") or ""
            start = next((i for i, t in enumerate(tags) if t > last), len(tags))
        else:
            start = 0
        if n_text is None:
            size = DEFAULT_PAGE
        else:
            n = int(n_text)
            if n > MAX_PAGE and self.refuse_over_100:
                return oci_error(400, "INVALID_REQUEST", "page size must not exceed 100")
            size = max(1, min(n, MAX_PAGE))
        page = tags[start : start + size]
        headers: list[tuple[str, str]] = []
        if start + size < len(tags):
            path = f"/v2/{repository}/tags/list"
            if n_text is None:
                token = base64.urlsafe_b64encode(str(start + size).encode()).decode()
                link = f"{path}?next_page={token}&n={DEFAULT_PAGE}"
            else:
                link = f"{path}?n={size}&last={page[-1]}"
            headers.append(("Link", f'<{link}>; rel="next"'))
        return Reply.json(200, {"name": repository, "tags": page}, headers)
