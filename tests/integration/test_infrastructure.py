"""The test infrastructure itself: registries, content, token server, access log.

These do not run regview. When a regview integration test fails, these tell whether the
fixtures or regview are at fault.
"""

from __future__ import annotations

import re

import httpx
import pytest

from tests.support import images
from tests.support.cli import Credentials
from tests.support.content import BULK_TAGS_REPO, Published
from tests.support.images import Kinds
from tests.support.publish import skopeo_inspect
from tests.support.registry import RegistryServer, parse_access_line
from tests.support.token_server import TokenServer, libtrust_key_id

pytestmark = pytest.mark.integration

ALL_KINDS = (
    "oci-image",
    "docker-image",
    "oci-index",
    "docker-list",
    "sbom",
    "signature",
    "referrers",
)


def test_access_log_line_format() -> None:
    line = (
        '127.0.0.1 - - [22/Nov/2026:05:55:40 +0000] "GET /v2/_catalog?n=5&last=a%2Fb HTTP/1.1"'
        ' 200 20 "" "curl/7.88.1"'
    )
    entry = parse_access_line(line)
    assert entry is not None
    assert (entry.method, entry.path, entry.status) == ("GET", "/v2/_catalog", 200)
    assert entry.query == {"n": ["5"], "last": ["a/b"]}
    assert entry.user_agent == "curl/7.88.1"


def test_generated_content_is_deterministic() -> None:
    a, b = images.build_all(), images.build_all()
    assert [m.raw for m in a.all().values()] == [m.raw for m in b.all().values()]
    assert [x.data for m in a.all().values() for x in m.blobs()] == [
        x.data for m in b.all().values() for x in m.blobs()
    ]


def test_libtrust_key_id_shape(token_server: TokenServer) -> None:
    assert re.fullmatch(r"[A-Z2-7]{4}(:[A-Z2-7]{4}){11}", token_server.kid)
    assert libtrust_key_id(token_server.key.public_key()) == token_server.kid


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_skopeo_gives_back_generated_bytes(content: Published, kind: str) -> None:
    assert skopeo_inspect(content.ref(kind)) == content.manifest(kind).raw
    assert skopeo_inspect(content.ref(kind, by_digest=True)) == content.manifest(kind).raw


def test_skopeo_gives_back_generated_configs(content: Published, kinds: Kinds) -> None:
    assert skopeo_inspect(content.ref("oci-image"), config=True) == (
        kinds.oci_image.config.data if kinds.oci_image.config else None
    )
    for kind in ("oci-index", "docker-list"):
        index = content.manifest(kind)
        for platform in images.PLATFORMS:
            got = skopeo_inspect(content.ref(kind), config=True, platform=platform)
            child_config = index.child(platform).config
            assert child_config is not None
            assert got == child_config.data


def test_access_log_counts_requests(registry: RegistryServer) -> None:
    with registry.recording() as reqs:
        registry.client.get("/v2/")
        registry.client.get("/v2/no/such/repo/tags/list")
        registry.client.head("/v2/no/such/repo/manifests/latest")
    assert [(r.method, r.path, r.status) for r in reqs] == [
        ("GET", "/v2/", 200),
        ("GET", "/v2/no/such/repo/tags/list", 404),
        ("HEAD", "/v2/no/such/repo/manifests/latest", 404),
    ]


def test_bulk_content(
    content: Published, registry: RegistryServer, bulk_tags: list[str], catalog_repos: list[str]
) -> None:
    tags = registry.client.get(f"/v2/{BULK_TAGS_REPO}/tags/list").json()
    assert sorted(tags["tags"]) == sorted(bulk_tags)
    assert len(set(bulk_tags)) == 2000
    names: list[str] = []
    url: str | None = "/v2/_catalog?n=1000"
    while url:
        r = registry.client.get(url)
        names += r.json()["repositories"]
        url = r.links.get("next", {}).get("url")
    assert set(catalog_repos) <= set(names)
    assert len(names) >= 2000
    gone = registry.client.get(f"/v2/{content.deleted_repo}/tags/list")
    assert gone.status_code == 200
    assert gone.json()["tags"] is None


def test_referrers_tag_schema(content: Published, kinds: Kinds) -> None:
    tagged = skopeo_inspect(content.ref("referrers"))
    assert tagged == kinds.referrers.raw
    listed = {d["digest"]: d for d in kinds.referrers.json["manifests"]}
    assert set(listed) == {kinds.sbom.digest, kinds.signature.digest}
    for artifact in (kinds.sbom, kinds.signature):
        assert artifact.json["subject"]["digest"] == kinds.oci_image.digest
        assert listed[artifact.digest]["artifactType"] == artifact.artifact_type


def test_basic_registry_needs_password(
    basic_registry: RegistryServer, basic_credentials: Credentials
) -> None:
    assert basic_registry.client.get("/v2/_catalog").status_code == 401
    r = basic_registry.client.get("/v2/_catalog", auth=basic_credentials.pair)
    assert r.status_code == 200
    assert "private/oci-image" in r.json()["repositories"]
    r = basic_registry.client.get("/v2/_catalog", auth=(basic_credentials.username, "wrong"))
    assert r.status_code == 401


def test_token_registry_accepts_our_tokens(
    token_registry: RegistryServer, token_server: TokenServer, token_credentials: Credentials
) -> None:
    client = token_registry.client
    challenge = client.get("/v2/_catalog")
    assert challenge.status_code == 401
    assert f'realm="{token_server.realm}"' in challenge.headers["WWW-Authenticate"]
    assert "registry:catalog:*" in challenge.headers["WWW-Authenticate"]

    with httpx.Client(trust_env=False) as http:
        # A known user gets the catalog.
        r = http.get(
            token_server.realm,
            params={"service": token_server.service, "scope": "registry:catalog:*"},
            auth=token_credentials.pair,
        )
        assert r.status_code == 200
        body = r.json()
        assert set(body) == {"token", "access_token", "expires_in", "issued_at"}
        r = client.get("/v2/_catalog", headers={"Authorization": f"Bearer {body['token']}"})
        assert r.status_code == 200, r.text
        assert "private/oci-image" in r.json()["repositories"]

        # Anonymous: pull only, no catalog.
        r = http.get(
            token_server.realm,
            params=[
                ("service", token_server.service),
                ("scope", "repository:private/oci-image:pull,push"),
                ("scope", "registry:catalog:*"),
            ],
        )
        token = r.json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        assert client.get("/v2/private/oci-image/tags/list", headers=auth).status_code == 200
        assert client.get("/v2/_catalog", headers=auth).status_code == 401

        # Wrong password.
        r = http.get(
            token_server.realm,
            params={"service": token_server.service, "scope": "registry:catalog:*"},
            auth=(token_credentials.username, "wrong"),
        )
        assert r.status_code == 401

        # OAuth2: a password grant with access_type=offline gives a refresh token, which
        # then works in a refresh_token grant.
        r = http.post(
            token_server.realm,
            data={
                "grant_type": "password",
                "username": token_credentials.username,
                "password": token_credentials.password,
                "service": token_server.service,
                "client_id": "regview-tests",
                "access_type": "offline",
                "scope": "registry:catalog:* repository:private/oci-image:pull",
            },
        )
        assert r.status_code == 200, r.text
        refresh = r.json()["refresh_token"]
        r = http.post(
            token_server.realm,
            data={
                "grant_type": "refresh_token",
                "refresh_token": refresh,
                "service": token_server.service,
                "client_id": "regview-tests",
                "scope": "registry:catalog:*",
            },
        )
        assert r.status_code == 200, r.text
        assert "refresh_token" not in r.json()
        auth = {"Authorization": f"Bearer {r.json()['access_token']}"}
        assert client.get("/v2/_catalog", headers=auth).status_code == 200
        r = http.post(
            token_server.realm,
            data={"grant_type": "refresh_token", "refresh_token": "nope", "service": "x"},
        )
        assert r.status_code == 401

    kinds_seen = {(r.method, r.grant_type) for r in token_server.requests()}
    assert {("GET", None), ("POST", "password"), ("POST", "refresh_token")} <= kinds_seen
