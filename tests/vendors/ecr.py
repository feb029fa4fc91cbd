"""Amazon ECR (``ACCOUNT.dkr.ecr.REGION.amazonaws.com``), rebuilt from its documentation.

Sources:

* Amazon ECR User Guide, "Private registry authentication": the registry takes Basic
  authentication with the user ``AWS`` and a password from ``GetAuthorizationToken``
  (valid 12 hours), which the Amazon ECR Docker Credential Helper
  (awslabs/amazon-ecr-credential-helper, ``docker-credential-ecr-login``, named in the
  docker config's ``credHelpers``) hands to clients; the challenge is
  ``Basic realm="https://ACCOUNT.dkr.ecr.REGION.amazonaws.com/",service="ecr.amazonaws.com"``.
* Amazon ECR API Reference, ``ListImages``/``DescribeRepositories``: ``maxResults`` is
  1..1000; the registry API likewise rejects ``n`` above 1000 with ``400``; pages follow
  ``Link`` with ``last``.
"""

from __future__ import annotations

from tests.vendors.server import Images, Reply, Request, VendorServer, oci_error, page_of, split_v2

__all__ = ["HOST", "Ecr"]

HOST = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
MAX_N = 1000
DEFAULT_N = 100


class Ecr(VendorServer):
    """One listener: a private ECR registry with Basic auth for ``AWS``."""

    def __init__(self, password: str = "ecr-token-" + "Q" * 40) -> None:
        super().__init__()
        self.images = Images()
        self.password = password

    def endpoints(self) -> dict[str, str]:
        return {HOST: self.listeners["registry"].url}


    def answer(self, request: Request) -> Reply:
        if request.basic() != ("AWS", self.password):
            challenge = f'Basic realm="https://{HOST}/",service="ecr.amazonaws.com"'
            return Reply.text(401, "Not Authorized\n", [("WWW-Authenticate", challenge)])
        if request.path == "/v2/":
            return Reply.json(200, {})
        if request.path == "/v2/_catalog":
            return self._page(request, "/v2/_catalog", "repositories", self.images.repositories())
        parts = split_v2(request.path)
        if parts is None:
            return oci_error(404, "NOT_FOUND", "not found")
        repository, kind, reference = parts
        if kind == "manifests":
            return self.images.manifest(request, repository, reference)
        if kind == "blobs":
            return self.images.blob(request, reference)
        if kind == "tags":
            tags = self.images.tag_list(repository)
            if tags is None:
                return oci_error(404, "NAME_UNKNOWN", f"The repository with name '{repository}'"
                                 " does not exist in the registry")
            return self._page(request, f"/v2/{repository}/tags/list", "tags", tags,
                              name=repository)
        return oci_error(404, "NOT_FOUND", "not found")

    def _page(
        self, request: Request, path: str, key: str, names: list[str], *, name: str | None = None
    ) -> Reply:
        n_text = request.param("n")
        n = DEFAULT_N if n_text is None else int(n_text)
        if n > MAX_N or n < 1:
            return oci_error(400, "PAGINATION_NUMBER_INVALID",
                             f"invalid number of results requested: must be 1..{MAX_N}")
        page, more = page_of(names, request.param("last"), n)
        headers = [("Link", f'<{path}?n={n}&last={page[-1]}>; rel="next"')] if more else []
        body: dict[str, object] = {key: page}
        if name is not None:
            body["name"] = name
        return Reply.json(200, body, headers)
