"""Tag and repository listings against a real registry: thousands of names, paging, edges."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from tests.support.cli import Regview
from tests.support.content import BULK_TAGS_REPO, Published, natural_key
from tests.support.publish import SKOPEO, skopeo_env
from tests.support.registry import RegistryServer

pytestmark = pytest.mark.integration

NOT_FOUND = re.compile(r"not found|unknown|no such|does not exist", re.IGNORECASE)


def skopeo_list_tags(ref: str) -> list[str]:
    out = subprocess.run(
        [SKOPEO, "list-tags", "--tls-verify=false", f"docker://{ref}"],
        check=True,
        capture_output=True,
        env=skopeo_env(),
        timeout=60,
    ).stdout
    tags: list[str] = json.loads(out)["Tags"]
    return tags


# --------------------------------------------------------------------------- tags


def test_natural_key() -> None:
    names = ["v1.10.0", "build-10", "v1.9.2", "build-9", "v1.9.10", "build-100"]
    assert sorted(names, key=natural_key) == [
        "build-9",
        "build-10",
        "build-100",
        "v1.9.2",
        "v1.9.10",
        "v1.10.0",
    ]


def test_tags_of_repository_with_2000_tags(
    regview: Regview, registry: RegistryServer, bulk_tags: list[str]
) -> None:
    ref = registry.ref(BULK_TAGS_REPO)
    assert sorted(skopeo_list_tags(ref)) == sorted(bulk_tags)
    expected = sorted(bulk_tags, key=natural_key)
    assert expected != sorted(bulk_tags)  # the natural order is not the byte order

    obj = regview("tags", ref, "--json").ok().json()
    assert obj["repository"] == ref
    assert len(obj["tags"]) == 2000
    assert obj["tags"] == expected
    assert obj["tags"][:3] == ["build-1", "build-2", "build-3"]
    assert obj["tags"][-2:] == ["v1.39.23", "v1.39.24"]


def test_tags_of_repository_whose_manifests_were_deleted(
    regview: Regview, registry: RegistryServer, content: Published
) -> None:
    raw = registry.client.get(f"/v2/{content.deleted_repo}/tags/list")
    assert raw.status_code == 200 and raw.json()["tags"] is None
    result = regview("tags", registry.ref(content.deleted_repo), "--json").ok()
    assert result.json() == {"repository": registry.ref(content.deleted_repo), "tags": []}


# --------------------------------------------------------------------------- catalog


def _walk_catalog(registry: RegistryServer, n: int) -> tuple[list[str], list[dict[str, str]]]:
    """The whole catalog and each page request's query, following the Link header."""
    names: list[str] = []
    queries: list[dict[str, str]] = []
    url: str | None = f"/v2/_catalog?n={n}"
    while url is not None:
        r = registry.client.get(url)
        assert r.status_code == 200, r.text
        queries.append(dict(r.request.url.params.multi_items()))
        names += r.json()["repositories"]
        url = r.links.get("next", {}).get("url")
    return names, queries


def test_catalog_paged_by_100(
    regview: Regview, registry: RegistryServer, content: Published, catalog_repos: list[str]
) -> None:
    expected, expected_queries = _walk_catalog(registry, 100)
    assert len(expected) >= 2000
    assert set(catalog_repos) <= set(expected)
    assert len(expected_queries) >= 20

    mark = registry.mark()
    result = regview("catalog", registry.host, "--page-size", "100", "--json").ok()
    requests = [r for r in registry.requests_since(mark) if r.path == "/v2/_catalog"]

    obj = result.json()
    assert obj["registry"] == registry.host
    names = obj["repositories"]
    assert len(names) == len(set(names)), "a repository was listed twice"
    assert set(names) == set(expected)
    assert set(catalog_repos) <= set(names)

    # One request per page, n=100 each time, each following the previous page's Link.
    assert all(r.status == 200 for r in requests), [str(r) for r in requests]
    got_queries = [{k: v[-1] for k, v in r.query.items()} for r in requests]
    assert all(q.get("n") == "100" for q in got_queries), got_queries
    assert got_queries == expected_queries


def test_catalog_lists_every_repository(
    regview: Regview, registry: RegistryServer, content: Published
) -> None:
    expected, _ = _walk_catalog(registry, 1000)
    obj = regview("catalog", registry.host, "--json").ok().json()
    assert set(obj["repositories"]) == set(expected)
    assert {"kinds/oci-image", "kinds/docker-list", content.deleted_repo} <= set(expected)


def test_catalog_of_one_namespace_on_a_registry_without_a_project_api(
    regview: Regview, registry: RegistryServer, content: Published
) -> None:
    expected, _ = _walk_catalog(registry, 1000)
    under_kinds = sorted(name for name in expected if name.startswith("kinds/"))
    assert under_kinds  # the content has a kinds/ namespace
    mark = registry.mark()
    obj = regview("catalog", f"{registry.host}/kinds", "--json").ok().json()
    assert obj == {"registry": f"{registry.host}/kinds", "repositories": under_kinds}
    paths = [r.path for r in registry.requests_since(mark)]
    # Harbor's project API was asked first; distribution's plain 404 sent us to the catalog.
    assert paths[0] == "/api/v2.0/projects/kinds/repositories"
    assert "/v2/_catalog" in paths
