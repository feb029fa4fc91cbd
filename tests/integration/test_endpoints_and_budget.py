"""Endpoint overrides and ``regview ratelimit`` against the real registry: a reference
that names docker.io is served by the local registry standing in as a mirror, and a
registry that meters no pulls says so after one HEAD."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.support.cli import Regview, run_regview
from tests.support.content import Published
from tests.support.publish import SKOPEO, skopeo_env
from tests.support.registry import RegistryServer

pytestmark = pytest.mark.integration


def skopeo_raw_manifest(ref: str) -> bytes:
    return subprocess.run(
        [SKOPEO, "inspect", "--raw", "--tls-verify=false", f"docker://{ref}"],
        check=True, capture_output=True, env=skopeo_env(), timeout=60,
    ).stdout


def test_a_docker_io_reference_is_served_by_the_override(
    regview: Regview, registry: RegistryServer, content: Published
) -> None:
    env = {**regview.env(), "REGVIEW_ENDPOINTS": f"docker.io={registry.url}"}
    mark = registry.mark()
    result = run_regview("manifest", "docker.io/kinds/oci-image:latest", env=env).ok()
    assert result.stdout == skopeo_raw_manifest(registry.ref("kinds/oci-image", "latest"))
    paths = {r.path for r in registry.requests_since(mark)}
    assert "/v2/kinds/oci-image/manifests/latest" in paths
    tags = run_regview("tags", "--json", "docker.io/kinds/oci-image", env=env).ok().json()
    assert tags["repository"] == "docker.io/kinds/oci-image"
    expected = json.loads(subprocess.run(
        [SKOPEO, "list-tags", "--tls-verify=false",
         f"docker://{registry.ref('kinds/oci-image')}"],
        check=True, capture_output=True, env=skopeo_env(), timeout=60,
    ).stdout)["Tags"]
    assert sorted(tags["tags"]) == sorted(expected)


def test_ratelimit_of_a_registry_that_meters_nothing_is_one_head(
    regview: Regview, registry: RegistryServer, content: Published
) -> None:
    mark = registry.mark()
    result = regview("ratelimit", registry.ref("kinds/oci-image", "latest")).ok()
    assert result.text == (
        f"{registry.host} reports no pull limit for anonymous (no RateLimit headers)\n"
    )
    requests = [(r.method, r.path) for r in registry.requests_since(mark)]
    assert requests == [("HEAD", "/v2/kinds/oci-image/manifests/latest")]
    missing = regview("ratelimit", registry.ref("kinds/oci-image", "no-such-tag")).failed()
    assert "no manifest no-such-tag in kinds/oci-image" in missing.stderr
