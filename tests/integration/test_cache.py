"""The on-disk cache, measured by the requests the registry's access log records.

Content fetched by digest never changes, so a second ``inspect`` of the same digest with
the same cache directory must not touch the registry at all (not even the ``/v2/`` ping),
and a cold one must fetch each piece once.
"""

from __future__ import annotations

import pytest

from tests.support.cli import Regview
from tests.support.content import Published
from tests.support.registry import AccessLogEntry, RegistryServer

pytestmark = pytest.mark.integration


def _describe(requests: list[AccessLogEntry]) -> list[str]:
    return [str(r) for r in requests]


def test_inspect_image_cold_then_warm(
    regview: Regview, registry: RegistryServer, content: Published
) -> None:
    image = content.manifest("oci-image")
    assert image.config is not None
    ref = content.ref("oci-image", by_digest=True)
    repo = content.repo("oci-image")

    mark = registry.mark()
    cold = regview("inspect", ref, "--json").ok()
    cold_requests = registry.requests_since(mark)
    # Cold, a single image by digest needs at most: the /v2/ ping (to learn the auth
    # scheme), the manifest, and the config blob. Layer sizes are in the manifest.
    allowed = {
        "/v2/",
        f"/v2/{repo}/manifests/{image.digest}",
        f"/v2/{repo}/blobs/{image.config.digest}",
    }
    assert len(cold_requests) <= 3, _describe(cold_requests)
    assert {r.path for r in cold_requests} <= allowed, _describe(cold_requests)
    assert any(r.path.endswith(f"/blobs/{image.config.digest}") for r in cold_requests)

    mark = registry.mark()
    warm = regview("inspect", ref, "--json").ok()
    warm_requests = registry.requests_since(mark)
    assert warm_requests == [], _describe(warm_requests)
    assert warm.json() == cold.json()
    assert any(p.is_file() for p in regview.cache_dir.rglob("*")), "nothing was cached"


def test_inspect_index_recursive_cold_then_warm(
    regview: Regview, registry: RegistryServer, content: Published
) -> None:
    ref = content.ref("oci-index", by_digest=True)
    mark = registry.mark()
    cold = regview("inspect", ref, "--recursive", "--json").ok()
    cold_requests = registry.requests_since(mark)
    # ping + index + 4 child manifests (2 images, 2 attestations) + their 4 configs.
    assert len(cold_requests) <= 10, _describe(cold_requests)
    assert all(r.status == 200 for r in cold_requests), _describe(cold_requests)

    mark = registry.mark()
    warm = regview("inspect", ref, "--recursive", "--json").ok()
    warm_requests = registry.requests_since(mark)
    assert warm_requests == [], _describe(warm_requests)
    assert warm.json() == cold.json()


def test_no_cache_always_asks_the_registry(
    regview: Regview, registry: RegistryServer, content: Published
) -> None:
    ref = content.ref("oci-image", by_digest=True)
    image = content.manifest("oci-image")
    assert image.config is not None
    regview("inspect", ref, "--json").ok()  # warm the cache directory

    for _ in range(2):
        mark = registry.mark()
        regview("--no-cache", "inspect", ref, "--json").ok()
        paths = [r.path for r in registry.requests_since(mark)]
        assert any(p.endswith(f"/manifests/{image.digest}") for p in paths), paths
        assert any(p.endswith(f"/blobs/{image.config.digest}") for p in paths), paths


def test_cache_dir_flag(
    regview: Regview,
    registry: RegistryServer,
    content: Published,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """``--cache-dir DIR`` is used instead of ``$REGVIEW_CACHE_DIR``."""
    other = tmp_path_factory.mktemp("other-cache")
    ref = content.ref("docker-image", by_digest=True)
    regview("--cache-dir", str(other), "inspect", ref, "--json").ok()
    mark = registry.mark()
    regview("--cache-dir", str(other), "inspect", ref, "--json").ok()
    assert registry.requests_since(mark) == []
    assert any(p.is_file() for p in other.rglob("*"))
    assert not any(p.is_file() for p in regview.cache_dir.rglob("*"))
