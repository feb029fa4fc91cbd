"""RegistryClient, inspect and the CLI against a real hostile HTTP server.

Each case of the "hostile registries and faults" issue has a test here, asserting what
regview does: the documented error (a :class:`RegistryError` subclass with a readable
message), in bounded time, with no credential sent where it does not belong, nothing
secret on disk or in ``-v`` logs, and hostile text escaped in CLI output.

Every awaited call is wrapped in :func:`bounded`: a hang fails the test instead of
hanging CI.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from regview.cli import main as cli_main
from regview.registry import media_types as mt
from regview.registry.cache import ContentCache
from regview.registry.client import RegistryClient
from regview.registry.credentials import Credential
from regview.registry.errors import (
    AuthError,
    CycleError,
    DigestMismatch,
    InvalidReference,
    MalformedContent,
    NetworkError,
    NotFound,
    ProtocolError,
    RateLimited,
    RegistryError,
    ServerError,
    Timeout,
    TooLarge,
)
from regview.registry.inspection import inspect, resolve_image
from regview.registry.models import ImageManifest, Schema1Manifest
from regview.registry.settings import RequestRecord, Settings
from regview.textsafe import visible
from tests.hostile import content as c
from tests.hostile.server import CASES, CHALLENGES, REALM_CASES, USERS, HostileServer

T = TypeVar("T")

#: Small limits keep the suite fast; the default limits are exercised separately.
FAST: dict[str, Any] = {
    "backoff_base": 0.01,
    "retry_after_cap": 5.0,
    "request_deadline": 10.0,  # generous: a loaded CI machine must not fail healthy requests
    "read_timeout": 20.0,  # above the deadline: the deadline is what must stop a stall
    "connect_timeout": 2.0,
    "max_body_bytes": 1024 * 1024,
    "max_pages": 20,
}

PASSWORD = USERS["alice"]


def alice(password: str = PASSWORD) -> Credential:
    return Credential(username="alice", password=password, identity_token=None, source="test")


def make_client(
    registry: str,
    tmp_path: Path | None = None,
    *,
    credential: Credential | None = None,
    logger: Callable[[RequestRecord], None] | None = None,
    **options: Any,
) -> RegistryClient:
    opts = Settings(
        cache_dir=tmp_path,
        use_cache=tmp_path is not None,
        logger=logger,
        **{**FAST, **options},
    )
    return RegistryClient(registry, settings=opts, credential=credential)


async def bounded(awaitable: Awaitable[T], seconds: float = 30.0) -> T:
    """Await with a guard: a hang becomes a failure, not a stuck CI job."""
    try:
        async with asyncio.timeout(seconds):
            return await awaitable
    except TimeoutError:
        pytest.fail(f"did not finish within {seconds} s")


async def all_tags(client: RegistryClient, repo: str) -> list[str]:
    out: list[str] = []
    async for page in client.tags(repo):
        out.extend(page)
    return out


async def all_repositories(client: RegistryClient) -> list[str]:
    out: list[str] = []
    async for page in client.repositories():
        out.extend(page)
    return out


async def read_first_layer(client: RegistryClient, repo: str) -> bytes:
    manifest = (await client.manifest(repo, "latest")).manifest
    if not isinstance(manifest, ImageManifest) or not manifest.layers:
        return b""
    data = bytearray()
    async with client.open_blob(repo, manifest.layers[0].digest) as stream:
        async for chunk in stream.chunks():
            data += chunk
    return bytes(data)


async def run_op(client: RegistryClient, op: str, repo: str) -> object:
    """One way of reaching a case, as the TUI or the CLI would."""
    if op == "manifest":
        return await client.manifest(repo, "latest")
    if op == "resolve":
        return await client.resolve(repo, "latest")
    if op == "tags":
        return await all_tags(client, repo)
    if op == "config":
        manifest = (await client.manifest(repo, "latest")).manifest
        if not isinstance(manifest, ImageManifest):
            return manifest  # an index or schema1: no config to fetch
        return await client.config(repo, manifest.config)
    if op == "blob":
        return await read_first_layer(client, repo)
    if op == "by-digest":
        d = await client.resolve(repo, "latest")
        return await client.manifest(repo, d.digest)
    if op == "image":
        return await resolve_image(client, repo, "latest")
    if op == "inspect-r":
        return await inspect(client, repo, "latest", display=repo, recursive=True)
    raise AssertionError(op)


# --- the case table: every hostile repository that must end in a documented error ------------

ERROR_CASES: list[tuple[str, str, str, type[RegistryError], str]] = [
    # id, repository, how it is reached, expected error, message fragment
    # (options for a row, when it needs others than FAST, are in ROW_OPTIONS)
    ("text-error-body", "text/error-body", "manifest", NotFound, "not found: NAME_UNKNOWN?[2J"),
    ("manifest-50mib", "big/manifest-50mib", "manifest", TooLarge, "52,428,800 bytes, over the"),
    ("manifest-50mib-chunked", "big/manifest-50mib-chunked", "manifest", TooLarge, "byte limit"),
    ("config-200mib", "big/config-200mib", "config", TooLarge, "declares 209,715,200 bytes"),
    ("config-lies", "big/config-lies", "config", TooLarge, "byte limit"),
    ("tags-1m", "big/tags-1m", "tags", TooLarge, "byte limit"),
    ("gzip-bomb", "big/gzip-bomb", "manifest", TooLarge, "byte limit"),
    ("layers-100k", "big/layers-100k", "manifest", TooLarge, "byte limit"),
    ("index-self", "index/self", "image", DigestMismatch, "served with other bytes"),
    ("index-self-inspect", "index/self", "inspect-r", DigestMismatch, "served with other bytes"),
    ("index-mutual", "index/mutual", "image", DigestMismatch, "served with other bytes"),
    ("index-mutual-inspect", "index/mutual", "inspect-r", DigestMismatch, "other bytes"),
    ("index-deep-1000", "index/deep-1000", "image", CycleError, "deeper than 8 levels"),
    ("index-deep-1000-inspect", "index/deep-1000", "inspect-r", CycleError, "deeper than 8"),
    ("index-fanout-inspect", "index/fanout", "inspect-r", CycleError, "more than"),
    ("invalid-json", "manifest/invalid-json", "manifest", MalformedContent, "not valid JSON"),
    (
        "size-string",
        "manifest/size-string",
        "manifest",
        MalformedContent,
        "manifest.config.size must be an integer, not string",
    ),
    ("size-negative", "manifest/size-negative", "manifest", MalformedContent, "non-negative"),
    ("size-nan", "manifest/size-nan", "manifest", MalformedContent, "must be an integer"),
    ("size-huge-int", "manifest/size-huge-int", "manifest", MalformedContent, "not valid JSON"),
    (
        "digest-zzz",
        "manifest/digest-zzz",
        "manifest",
        MalformedContent,
        "manifest.config.digest: invalid sha256 digest 'sha256:zzz'",
    ),
    (
        # The manifest is shown (md5 fits the image-spec's digest grammar); only the
        # content it cannot check is refused, saying why.
        "digest-unknown-alg",
        "manifest/digest-unknown-alg",
        "config",
        InvalidReference,
        "md5: not verifiable by regview: it checks only sha256 and sha512",
    ),
    ("layers-object", "manifest/layers-object", "manifest", MalformedContent, "must be an array"),
    ("deep-json", "manifest/deep-json", "manifest", MalformedContent, "nested too deeply"),
    (
        "unknown-media-type",
        "manifest/unknown-media-type",
        "manifest",
        MalformedContent,
        "unsupported manifest media type",
    ),
    (
        "missing-media-type",
        "manifest/missing-media-type",
        "manifest",
        MalformedContent,
        "does not look like any known format",
    ),
    (
        "schema1-digest-mismatch",
        "manifest/schema1-digest-mismatch",
        "manifest",
        DigestMismatch,
        "does not match the Docker-Content-Digest",
    ),
    (
        "config-wrong-types",
        "config/wrong-types",
        "config",
        MalformedContent,
        "config.config.Env must be an array of strings, not string",
    ),
    ("config-invalid-json", "config/invalid-json", "config", MalformedContent, "not valid JSON"),
    (
        "header-mismatch",
        "integrity/header-mismatch",
        "manifest",
        DigestMismatch,
        "does not match the Docker-Content-Digest",
    ),
    (
        "manifest-bytes",
        "integrity/manifest-bytes",
        "by-digest",
        DigestMismatch,
        "served with other bytes",
    ),
    (
        "manifest-bytes-by-tag",
        "integrity/manifest-bytes",
        "manifest",
        DigestMismatch,
        "does not match the Docker-Content-Digest",
    ),
    ("config-blob", "integrity/config-blob", "config", DigestMismatch, "does not match its digest"),
    ("layer-blob", "integrity/layer-blob", "blob", DigestMismatch, "does not match its digest"),
    ("stall-after-headers", "fault/stall-after-headers", "manifest", Timeout, "did not answer"),
    ("stall-before-headers", "fault/stall-before-headers", "manifest", Timeout, "did not answer"),
    (
        "stall-before-headers-head",
        "fault/stall-before-headers",
        "resolve",
        Timeout,
        "did not answer",
    ),
    ("drip", "fault/drip", "manifest", Timeout, "did not answer within 1 s"),
    ("stall-blob", "fault/stall-blob", "blob", Timeout, "stopped sending blob"),
    ("stall-read-timeout", "fault/stall-after-headers", "manifest", Timeout, "stopped answering"),
    ("stall-blob-error", "fault/stall-blob-error", "blob", Timeout, "did not answer"),
    ("reset-mid-body", "fault/reset-mid-body", "manifest", NetworkError, "failed while reading"),
    ("reset-blob", "fault/reset-blob", "blob", NetworkError, "the connection broke after"),
    ("lying-length", "fault/lying-length", "manifest", NetworkError, "failed while reading"),
    ("garbage-status", "fault/garbage-status", "manifest", NetworkError, "failed"),
    ("endless-headers", "fault/endless-headers", "manifest", NetworkError, "failed"),
    ("429-absurd", "fault/429-absurd", "manifest", RateLimited, "retry after 999999999 s"),
    ("429-always", "fault/429-always", "manifest", RateLimited, "rate limited by the registry"),
    ("503-always", "fault/503-always", "manifest", ServerError, "HTTP 503"),
    ("redirect-loop", "fault/redirect-loop", "manifest", ProtocolError, "redirected too many"),
    (
        "redirect-bad-scheme",
        "fault/redirect-bad-scheme",
        "manifest",
        ProtocolError,
        "redirected to an unsupported URL",
    ),
    ("redirect-garbage", "fault/redirect-garbage", "manifest", NetworkError, "RemoteProtocolError"),
    ("br-encoding", "fault/br-encoding", "manifest", ProtocolError, "unsupported encoding 'br'"),
    ("corrupt-gzip", "fault/corrupt-gzip", "manifest", ProtocolError, "corrupt compressed"),
    ("realm-stall", "auth/realm-stall", "manifest", Timeout, "the token service"),
    ("realm-stall-read", "auth/realm-stall", "manifest", Timeout, "the token service"),
    ("realm-bomb", "auth/realm-bomb", "manifest", ProtocolError, "oversized"),
    (
        "realm-invalid-json",
        "auth/realm-invalid-json",
        "manifest",
        MalformedContent,
        "not valid JSON",
    ),
    ("realm-no-token", "auth/realm-no-token", "manifest", ProtocolError, "returned no token"),
    ("realm-refuses", "auth/realm-refuses", "manifest", AuthError, "requires authentication"),
    ("realm-500", "auth/realm-500", "manifest", AuthError, "answered HTTP 500"),
    ("realm-redirect", "auth/realm-redirect", "manifest", ProtocolError, "returned no token"),
    ("always-401", "auth/always-401", "manifest", AuthError, "requires authentication"),
]

#: Options for rows that need other limits than FAST.
STALL = {"request_deadline": 1.0}
ROW_OPTIONS: dict[str, dict[str, Any]] = {
    "stall-after-headers": STALL,
    "stall-before-headers": STALL,
    "stall-before-headers-head": STALL,
    "drip": STALL,
    "stall-blob-error": STALL,
    "realm-stall": STALL,
    "stall-blob": {"read_timeout": 0.5},
    "stall-read-timeout": {"read_timeout": 0.5, "request_deadline": 30},
    "realm-stall-read": {"read_timeout": 0.5, "request_deadline": 30},
}

#: Malformed challenges: the error and what its message says.
CHALLENGE_MESSAGES: dict[str, tuple[type[RegistryError], str]] = {
    "empty": (AuthError, "without a usable WWW-Authenticate challenge"),
    "missing": (AuthError, "without a usable WWW-Authenticate challenge"),
    "garbage": (AuthError, "unsupported authentication"),
    "bearer-bare": (AuthError, "unsupported authentication (bearer)"),
    "bearer-empty-realm": (AuthError, "unsupported authentication (bearer)"),
    # The unterminated quote still holds a usable URL: a closed port on this machine.
    "bearer-unterminated": (NetworkError, "cannot reach the token service"),
    "bearer-ftp-realm": (AuthError, "token realm that is not an http(s) URL"),
    "bearer-relative-realm": (AuthError, "token realm that is not an http(s) URL"),
    "bearer-bad-url": (AuthError, "invalid token realm"),
    "bearer-bad-port": (AuthError, "invalid token realm"),
    "bearer-escape-realm": (AuthError, "invalid token realm"),
    "unsupported": (AuthError, "unsupported authentication (negotiate, ntlm)"),
    "huge": (AuthError, "unsupported authentication"),
    "many-params": (AuthError, "unsupported authentication (bearer)"),
}


def test_every_case_of_the_server_is_in_a_table() -> None:
    covered = {repo for _, repo, *_ in ERROR_CASES}
    covered |= {f"auth/challenge-{k}" for k in CHALLENGE_MESSAGES}
    covered |= set(SUCCESS_CASES)
    covered |= {"ok/image", "text/attack"}
    assert set(CASES) - covered == set()
    assert set(CHALLENGES) == set(CHALLENGE_MESSAGES)
    assert set(REALM_CASES) <= set(CASES)


@pytest.mark.parametrize(
    ("repo", "op", "expected", "fragment"),
    [pytest.param(*row[1:], id=row[0]) for row in ERROR_CASES],
)
async def test_hostile_case_ends_in_a_documented_error(
    hostile: HostileServer,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    repo: str,
    op: str,
    expected: type[RegistryError],
    fragment: str,
) -> None:
    row_id = request.node.callspec.id
    async with make_client(hostile.registry, tmp_path, **ROW_OPTIONS.get(row_id, {})) as client:
        with pytest.raises(RegistryError) as info:
            await bounded(run_op(client, op, repo))
    assert type(info.value) is expected, f"{type(info.value).__name__}: {info.value}"
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message and len(message) < 1000
    assert "\x1b" not in message  # server text in messages is made printable
    _assert_nothing_unverified_cached(tmp_path)


def _assert_nothing_unverified_cached(root: Path) -> None:
    """Every content file in the cache hashes to its name."""
    for path in root.rglob("blobs/sha256/*"):
        assert c.digest_of(path.read_bytes()) == f"sha256:{path.name}", path


@pytest.mark.parametrize("key", sorted(CHALLENGE_MESSAGES))
async def test_malformed_www_authenticate_is_a_clear_auth_error(
    hostile: HostileServer, key: str
) -> None:
    expected, fragment = CHALLENGE_MESSAGES[key]
    async with make_client(hostile.registry, credential=alice()) as client:
        with pytest.raises(RegistryError) as info:
            await bounded(client.manifest(f"auth/challenge-{key}", "latest"))
    assert type(info.value) is expected, f"{type(info.value).__name__}: {info.value}"
    assert fragment in str(info.value)
    assert PASSWORD not in str(info.value) and "\x1b" not in str(info.value)


# --- cases that must succeed ------------------------------------------------------------------

SUCCESS_CASES = {
    "fault/429-sane": 2,
    "fault/429-date": 2,
    "fault/429-garbage": 2,
    "fault/500-once": 2,
    "fault/502-once": 2,
    "fault/503-once": 2,
    "manifest/content-type-lies": 1,
    "manifest/content-type-lies-unlabelled": 1,
    "manifest/missing-media-type-shaped": 1,
    "manifest/schema1-signed": 1,
    "big/layers-100k": 1,
    "big/tags-1m": 1,
    "fault/redirect-other": 1,
    "auth/realm-nan-expiry": 1,
}


@pytest.mark.parametrize(
    "repo", [r for r in SUCCESS_CASES if r.startswith("fault/") and "redirect" not in r]
)
async def test_transient_failures_are_retried_then_succeed(
    hostile: HostileServer, repo: str
) -> None:
    async with make_client(hostile.registry) as client:
        fetched = await bounded(client.manifest(repo, "latest"))
    assert fetched.digest == hostile.ok.digest
    manifest_gets = [s for s in hostile.requests("registry") if "/manifests/" in s.path]
    assert len(manifest_gets) == SUCCESS_CASES[repo]


async def test_retry_after_above_the_cap_is_not_waited_for(hostile: HostileServer) -> None:
    async with make_client(hostile.registry, retry_after_cap=0.5) as client:
        with pytest.raises(RateLimited) as info:
            await bounded(client.manifest("fault/429-sane", "latest"))
    assert info.value.retry_after == 1


@pytest.mark.parametrize(
    "repo",
    [
        "manifest/content-type-lies",
        "manifest/content-type-lies-unlabelled",
        "manifest/missing-media-type-shaped",
    ],
)
async def test_the_body_not_the_content_type_says_what_a_manifest_is(
    hostile: HostileServer, repo: str
) -> None:
    async with make_client(hostile.registry) as client:
        fetched = await bounded(client.manifest(repo, "latest"))
    assert type(fetched.manifest) is ImageManifest
    assert fetched.media_type == mt.OCI_MANIFEST


async def test_signed_schema1_is_verified_against_its_payload_digest(
    hostile: HostileServer, tmp_path: Path
) -> None:
    repo = "manifest/schema1-signed"
    async with make_client(hostile.registry, tmp_path) as client:
        fetched = await bounded(client.manifest(repo, "latest"))
        assert isinstance(fetched.manifest, Schema1Manifest)
        assert fetched.manifest.signed
        assert fetched.digest == hostile.schema1_digest != c.digest_of(hostile.schema1)
        assert fetched.raw == hostile.schema1
        by_digest = await bounded(client.manifest(repo, hostile.schema1_digest))
        assert by_digest.digest == hostile.schema1_digest
        described = await bounded(inspect(client, repo, "latest", display=repo))
    assert described["signed"] is True
    assert described["layers"][0]["digest"].startswith("sha256:")
    # The signed bytes do not hash to the digest: they are never stored under it.
    _assert_nothing_unverified_cached(tmp_path)


async def test_one_million_tags_in_one_response_parse_when_the_cap_allows(
    hostile: HostileServer,
) -> None:
    async with make_client(hostile.registry, max_body_bytes=32 * 1024 * 1024) as client:
        tags = await bounded(all_tags(client, "big/tags-1m"), 60)
    assert len(tags) == 1_000_000
    assert tags[0] == "tag-0000000" and tags[-1] == "tag-0999999"


async def test_a_hundred_thousand_layers_parse_when_the_cap_allows(
    hostile: HostileServer,
) -> None:
    async with make_client(hostile.registry, max_body_bytes=32 * 1024 * 1024) as client:
        fetched = await bounded(client.manifest("big/layers-100k", "latest"), 60)
    assert isinstance(fetched.manifest, ImageManifest)
    assert len(fetched.manifest.layers) == 100_000


async def test_default_limits_refuse_the_big_bodies(hostile: HostileServer) -> None:
    """The shipped defaults (4 MiB) are what protects a user who changed nothing."""
    async with RegistryClient(hostile.registry, settings=Settings(use_cache=False)) as client:
        for repo in ("big/manifest-50mib", "big/manifest-50mib-chunked", "big/gzip-bomb"):
            with pytest.raises(TooLarge, match="over the 4,194,304 byte limit"):
                await bounded(client.manifest(repo, "latest"))
        with pytest.raises(TooLarge):
            await bounded(all_tags(client, "big/tags-1m"))
        with pytest.raises(TooLarge, match="declares 209,715,200 bytes"):
            await bounded(run_op(client, "config", "big/config-200mib"))
        with pytest.raises(CycleError, match="deeper than 8"):
            await bounded(resolve_image(client, "index/deep-1000", "latest"))
    # The 200 MiB config was refused from its descriptor: never requested.
    assert not [s for s in hostile.requests("registry") if "/blobs/" in s.path]


async def test_blobs_redirected_to_another_host_arrive_without_credentials(
    hostile: HostileServer,
) -> None:
    repo = "fault/redirect-other"
    async with make_client(hostile.secure, credential=alice()) as client:
        config = await bounded(run_op(client, "config", repo))
        layer = await bounded(read_first_layer(client, repo))
    assert config is not None and layer == hostile.ok.layers[0]
    blob_requests = [s for s in hostile.requests("other") if s.path.startswith("/blobs/")]
    assert len(blob_requests) == 2
    assert all(s.authorization is None for s in blob_requests)
    # ... while the registry itself did get the bearer token, and only that.
    secure = hostile.requests("secure")
    assert any((s.authorization or "").startswith("Bearer tok-") for s in secure)
    assert not any((s.authorization or "").startswith("Basic ") for s in secure)


async def test_basic_credentials_are_not_forwarded_on_a_redirect(hostile: HostileServer) -> None:
    """With Basic auth the password itself rides on every request: the riskiest redirect."""
    repo = "fault/redirect-other"
    async with make_client(hostile.basic, credential=alice()) as client:
        await bounded(run_op(client, "config", repo))
        layer = await bounded(read_first_layer(client, repo))
    assert layer == hostile.ok.layers[0]
    other = hostile.requests("other")
    assert len(other) == 2 and all(s.authorization is None for s in other)
    assert any((s.authorization or "").startswith("Basic ") for s in hostile.requests("basic"))


async def test_basic_catalog_link_to_another_host_is_not_followed(hostile: HostileServer) -> None:
    async with make_client(hostile.basic, credential=alice()) as client:
        with pytest.raises(ProtocolError, match="continues on another host"):
            await bounded(all_repositories(client))
    assert hostile.requests("other") == []


def test_the_leak_detector_sees_a_leak(hostile_server: HostileServer) -> None:
    """The harness itself: a request that carries credentials to `other` is reported."""
    hostile_server.reset()
    url = f"http://{hostile_server.other}"
    with httpx.Client(trust_env=False) as http:
        http.get(f"{url}/blobs/x", headers={"Authorization": "Bearer stolen"})
        http.get(f"{url}/token", headers={"Authorization": "Basic YTpi"})
        http.get(f"{url}/token", headers={"Authorization": "Bearer stolen"})
    leaks = hostile_server.leaks()
    assert [(s.path, s.authorization) for s in leaks] == [
        ("/blobs/x", "Bearer stolen"),
        ("/token", "Bearer stolen"),
    ]
    hostile_server.reset()


async def test_redirected_blobs_without_auth_work(hostile: HostileServer) -> None:
    async with make_client(hostile.registry) as client:
        layer = await bounded(read_first_layer(client, "fault/redirect-other"))
    assert layer == hostile.ok.layers[0]


async def test_the_token_realm_receives_only_what_the_challenge_requires(
    hostile: HostileServer, tmp_path: Path
) -> None:
    async with make_client(hostile.secure, tmp_path, credential=alice()) as client:
        await bounded(run_op(client, "config", "ok/image"))
    [token_request] = [s for s in hostile.requests("other") if s.path == "/token"]
    basic = base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
    assert token_request.authorization == f"Basic {basic}"
    assert "service=hostile" in token_request.query
    assert "scope=repository:ok/image:pull" in token_request.query
    assert not any(s.path != "/token" for s in hostile.requests("other"))
    _assert_no_secrets_in(tmp_path, hostile)


async def test_a_nan_token_lifetime_does_not_mean_a_token_per_request(
    hostile: HostileServer,
) -> None:
    repo = "auth/realm-nan-expiry"
    async with make_client(hostile.registry, tag_ttl=0) as client:
        await bounded(client.manifest(repo, "latest"))  # a token for the pull scope
        await bounded(all_tags(client, repo))  # same scope: the same token
        await bounded(all_tags(client, repo))
        assert client.token_requests == 1


async def test_the_realm_redirecting_elsewhere_does_not_carry_the_password(
    hostile: HostileServer,
) -> None:
    async with make_client(hostile.registry, credential=alice()) as client:
        with pytest.raises(ProtocolError):
            await bounded(client.manifest("auth/realm-redirect", "latest"))
    [steal] = [s for s in hostile.requests("registry") if s.path == "/steal"]
    assert steal.authorization is None


async def test_wrong_password_is_an_auth_error_that_does_not_echo_it(
    hostile: HostileServer,
) -> None:
    async with make_client(hostile.secure, credential=alice("wrong-pw-123")) as client:
        with pytest.raises(AuthError) as info:
            await bounded(client.manifest("ok/image", "latest"))
    assert "wrong-pw-123" not in str(info.value)
    assert "refused the credentials from test" in str(info.value)


# --- catalogs -------------------------------------------------------------------------------


async def test_the_catalog_lists_every_case(hostile: HostileServer) -> None:
    async with make_client(hostile.registry) as client:
        names = await bounded(all_repositories(client))
    assert set(CASES) <= set(names)
    assert set(c.HOSTILE_REPO_NAMES) <= set(names)  # verbatim: escaping is the display's job


async def test_a_catalog_that_paginates_forever_stops_at_the_page_limit(
    hostile: HostileServer,
) -> None:
    pages: list[list[str]] = []
    async with make_client(hostile.catalog("forever"), max_pages=15) as client:
        with pytest.raises(ProtocolError, match=r"stopped after 15 pages.*--max-pages"):
            async with asyncio.timeout(30):
                async for page in client.repositories():
                    pages.append(page)
    assert len(pages) == 15
    assert len(hostile.requests("catalog-forever")) == 15


async def test_the_page_limit_can_be_raised(hostile: HostileServer) -> None:
    async with make_client(hostile.catalog("forever"), max_pages=40) as client:
        with pytest.raises(ProtocolError, match="stopped after 40 pages"):
            await bounded(all_repositories(client))


async def test_a_catalog_that_loops_stops_and_says_so(hostile: HostileServer) -> None:
    names: list[str] = []

    async def read() -> None:
        async for page in client.repositories():
            names.extend(page)

    async with make_client(hostile.catalog("loop")) as client:
        with pytest.raises(ProtocolError, match="links back to a page"):
            await bounded(read())
    assert len(hostile.requests("catalog-loop")) == 3
    assert set(names) == {"loop/page-0", "loop/page-1"}  # kept, with the error


async def test_a_catalog_that_repeats_one_page_ends_quietly(hostile: HostileServer) -> None:
    # A registry that ignores ``last`` sends its whole list again: nothing is missing.
    async with make_client(hostile.catalog("same-page")) as client:
        names = await bounded(all_repositories(client))
    assert len(hostile.requests("catalog-same-page")) == 2
    assert names == ["same/a", "same/b"]


async def test_a_catalog_link_to_another_host_is_not_followed(hostile: HostileServer) -> None:
    async with make_client(hostile.catalog("other-host")) as client:
        with pytest.raises(ProtocolError, match="continues on another host"):
            await bounded(all_repositories(client))
    assert hostile.requests("other") == []


async def test_an_authenticated_catalog_link_to_another_host_is_not_followed(
    hostile: HostileServer,
) -> None:
    async with make_client(hostile.secure, credential=alice()) as client:
        with pytest.raises(ProtocolError, match="continues on another host"):
            await bounded(all_repositories(client))
    assert [s.path for s in hostile.requests("other")] == ["/token"]


async def test_a_next_link_with_a_broken_page_size_is_a_clear_error(
    hostile: HostileServer,
) -> None:
    async with make_client(hostile.catalog("bad-n")) as client:
        with pytest.raises(ServerError, match="HTTP 400"):
            await bounded(all_repositories(client))


async def test_link_headers_built_for_backtracking_are_parsed_in_linear_time(
    hostile: HostileServer,
) -> None:
    # A backtracking parser took ~8 s of CPU per page here (freezing a UI meanwhile);
    # the linear one takes milliseconds, so a 5 s guard fails only on that regression.
    async with make_client(hostile.catalog("redos-link")) as client:
        names = await bounded(all_repositories(client), seconds=5.0)
    assert names == ["redos/only"]


@pytest.mark.parametrize(("mode", "expected"), [("huge", TooLarge), ("invalid", MalformedContent)])
async def test_broken_catalog_bodies(
    hostile: HostileServer, mode: str, expected: type[RegistryError]
) -> None:
    async with make_client(hostile.catalog(mode)) as client:
        with pytest.raises(expected):
            await bounded(all_repositories(client))


# --- hostile text: the data layer keeps it verbatim -----------------------------------------


async def test_hostile_text_is_kept_verbatim_by_the_client(hostile: HostileServer) -> None:
    async with make_client(hostile.registry) as client:
        for name in c.HOSTILE_REPO_NAMES:
            if "\udcff" in name:
                with pytest.raises(InvalidReference, match="lone surrogate"):
                    await bounded(all_tags(client, name))
                continue
            tags = await bounded(all_tags(client, name))
            assert tags == c.HOSTILE_TAGS  # the lone surrogate included, as sent
        for tag in c.HOSTILE_TAGS:
            if ":" in tag or "\udcff" in tag:
                continue  # a tag cannot hold ':' (it would be a digest); see below
            d = await bounded(client.resolve("text/attack", tag))
            assert d.digest == hostile.hostile.digest
        fetched = await bounded(client.manifest("text/attack", c.TEXT_ATTACKS["osc52-clipboard"]))
        assert isinstance(fetched.manifest, ImageManifest)
        assert dict(fetched.manifest.annotations).items() >= c.TEXT_ATTACKS.items()
        config = (await bounded(client.config("text/attack", fetched.manifest.config))).config
    assert config.labels.items() >= c.TEXT_ATTACKS.items()
    assert config.user == c.TEXT_ATTACKS["markup-click"]
    assert {h.created_by for h in config.history} >= set(c.TEXT_ATTACKS.values())


async def test_unaskable_names_are_refused_before_any_request(hostile: HostileServer) -> None:
    async with make_client(hostile.registry) as client:
        with pytest.raises(InvalidReference, match="invalid digest"):
            await bounded(client.manifest("text/attack", c.TEXT_ATTACKS["markup-link"]))
        with pytest.raises(InvalidReference, match="lone surrogate"):
            await bounded(client.manifest("text/attack", c.TEXT_ATTACKS["lone-surrogate"]))
        with pytest.raises(InvalidReference, match="lone surrogate"):
            await bounded(client.resolve("text/attack", c.TEXT_ATTACKS["lone-surrogate"]))
    assert hostile.requests("registry") == []


def test_visible_makes_every_attack_inert() -> None:
    for value in c.TEXT_ATTACKS.values():
        shown = visible(value)
        assert not set(shown) & c.DANGEROUS_CHARS, repr(shown)
    assert visible(c.TEXT_ATTACKS["wide"]) == c.TEXT_ATTACKS["wide"].replace("\u200d", "\\u200d")
    assert visible(c.TEXT_ATTACKS["markup-click"]) == "[@click=app.quit]x[/]"


# --- the cache ----------------------------------------------------------------------------------


def _assert_no_secrets_in(root: Path, hostile: HostileServer) -> None:
    secrets = [PASSWORD, base64.b64encode(f"alice:{PASSWORD}".encode()).decode()]
    secrets += list(hostile.tokens)
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in secrets:
                assert secret.encode() not in data, f"{secret[:6]}… in {path}"


async def test_nothing_secret_is_written_to_the_cache(
    hostile: HostileServer, tmp_path: Path
) -> None:
    async with make_client(hostile.secure, tmp_path, credential=alice()) as client:
        await bounded(run_op(client, "config", "ok/image"))
        await bounded(all_tags(client, "ok/image"))
        await bounded(read_first_layer(client, "ok/image"))
    assert any(tmp_path.rglob("refs/*/*")) and any(tmp_path.rglob("blobs/sha256/*"))
    _assert_no_secrets_in(tmp_path, hostile)


async def test_corrupt_cache_entries_are_refused(hostile: HostileServer, tmp_path: Path) -> None:
    repo = "ok/image"
    async with make_client(hostile.registry, tmp_path) as client:
        await bounded(run_op(client, "config", repo))
        await bounded(all_tags(client, repo))
    blobs = list(tmp_path.rglob("blobs/sha256/*"))
    refs = list(tmp_path.rglob("refs/*/*"))
    assert blobs and refs
    for path in blobs:
        path.write_bytes(b'{"evil": "\x1b]52;c;eA==\x07"}')
    for path in refs:
        obj = json.loads(path.read_bytes())
        if isinstance(obj["value"], list):
            obj["value"] = [1, {"x": 2}, None]  # a tag list that is not strings
        else:
            obj["value"] = {"mediaType": mt.OCI_MANIFEST, "digest": "../../../etc", "size": 1}
        path.write_text(json.dumps(obj))
    hostile.reset()
    async with make_client(hostile.registry, tmp_path) as client:
        fetched = await bounded(client.manifest(repo, "latest"))
        assert fetched.digest == hostile.ok.digest
        tags = await bounded(all_tags(client, repo))
        assert tags == ["latest", "v1"]
        config = await bounded(run_op(client, "config", repo))
        assert config is not None
        assert client.cache.disk_errors >= 1
    assert hostile.requests("registry"), "the corrupt entries must have been fetched again"
    # A corrupt file is found (and deleted) when it is read: a third client reads them all.
    async with make_client(hostile.registry, tmp_path) as client:
        assert (await bounded(client.manifest(repo, hostile.ok.digest))).digest == hostile.ok.digest
        await bounded(run_op(client, "config", repo))
    _assert_nothing_unverified_cached(tmp_path)


def test_a_cache_entry_under_another_name_is_a_miss(tmp_path: Path) -> None:
    cache = ContentCache(tmp_path)
    data = b'{"a": 1}'
    cache.put(c.digest_of(data), data)
    [path] = tmp_path.rglob("blobs/sha256/*")
    other = path.with_name("0" * 64)
    other.write_bytes(data)
    assert ContentCache(tmp_path).get("sha256:" + "0" * 64) is None
    assert not other.exists()


# --- index walking without verification: the walkers' own guards -------------------------------


class _LyingSource:
    """A Source that serves whatever it is told, unverified: the walkers must still stop."""

    def __init__(self, manifests: dict[str, bytes]) -> None:
        self._manifests = manifests
        self.fetches = 0

    async def manifest(self, repository: str, reference: str) -> Any:
        from regview.registry.parsers import parse_manifest
        from regview.registry.source import FetchedManifest

        self.fetches += 1
        raw = self._manifests[reference]
        m = parse_manifest(raw)
        digest = reference if reference.startswith("sha256:") else c.fake_digest(reference)
        return FetchedManifest(repository, digest, m.media_type, raw, m)

    async def config(self, repository: str, descriptor: Any) -> Any:
        raise NotFound("no configs here")


async def test_an_index_that_really_contains_itself_is_a_cycle() -> None:
    me = c.fake_digest("latest")
    source = _LyingSource({"latest": c.index_listing([me]), me: c.index_listing([me])})
    with pytest.raises(CycleError, match="contains itself"):
        await bounded(resolve_image(source, "r", "latest"))  # type: ignore[arg-type]
    with pytest.raises(CycleError, match="contains itself"):
        await bounded(inspect(source, "r", "latest", display="r", recursive=True))  # type: ignore[arg-type]


async def test_two_indexes_that_really_contain_each_other_are_a_cycle() -> None:
    a, b = c.fake_digest("latest"), c.fake_digest("b")
    source = _LyingSource(
        {"latest": c.index_listing([b]), a: c.index_listing([b]), b: c.index_listing([a])}
    )
    with pytest.raises(CycleError, match="contains itself"):
        await bounded(resolve_image(source, "r", "latest"))  # type: ignore[arg-type]
    with pytest.raises(CycleError, match="contains itself"):
        await bounded(inspect(source, "r", "latest", display="r", recursive=True))  # type: ignore[arg-type]
    assert source.fetches < 10


# --- the CLI: terminal output ---------------------------------------------------------------------


def run_cli(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    *,
    stdin: str | None = None,
    tty: bool = False,
) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    if tty:
        monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    if "--timeout" not in args:
        args = [*args, "--timeout", "5"]
    started = time.perf_counter()
    code = cli_main(args)
    assert time.perf_counter() - started < 60
    out, err = capsys.readouterr()
    return code, out, err


def _assert_inert(text: str) -> None:
    bad = sorted({ch for ch in text if ch in c.DANGEROUS_CHARS})
    assert not bad, f"control characters reached the terminal: {bad!r}"


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("REGVIEW_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))
    monkeypatch.setenv("REGISTRY_AUTH_FILE", str(tmp_path / "auth.json"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    return []


def test_cli_catalog_prints_hostile_names_inertly(
    hostile: HostileServer,
    cli_env: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, out, err = run_cli(capsys, monkeypatch, ["catalog", hostile.registry, *cli_env])
    assert code == 0, err
    _assert_inert(out + err)
    assert "text/osc52-clipboard/\\x1b]52;c;cHduZWQ=\\x07" in out
    assert "text/rtl-override/\\u202egnp.exe" in out
    assert "text/markup-click/[@click=app.quit]x[/]" in out  # literal, no markup on a CLI
    assert "text/wide/日本語-🐳-한국어-" in out
    assert "L" * 10_000 in out


def test_cli_tags_print_hostile_tags_inertly(
    hostile: HostileServer,
    cli_env: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, out, err = run_cli(
        capsys, monkeypatch, ["tags", f"{hostile.registry}/text/attack", *cli_env]
    )
    assert code == 0, err
    _assert_inert(out + err)
    assert "\\x1b[2J\\x1b[3J\\x1b[H" in out
    assert "\\x9b31m\\x85\\x9d0;title\\x9c" in out
    assert "bad\\udcffname" in out  # a lone surrogate cannot even be encoded: escaped


def test_cli_inspect_prints_hostile_config_inertly(
    hostile: HostileServer,
    cli_env: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, out, err = run_cli(
        capsys, monkeypatch, ["inspect", f"{hostile.registry}/text/attack:latest", *cli_env]
    )
    assert code == 0, err
    _assert_inert(out + err)
    lines = out.splitlines()
    assert "  Label      osc52-clipboard=\\x1b]52;c;cHduZWQ=\\x07" in lines
    assert "  Label      \\x1b]52;c;cHduZWQ=\\x07=key is hostile" in lines
    assert "Annotation   rtl-override=\\u202egnp.exe" in lines
    assert "  User       [@click=app.quit]x[/]" in lines  # literal: a CLI has no markup
    assert "  Env        C1_CONTROLS=\\x9b31m\\x85\\x9d0;title\\x9c" in lines
    assert "  empty     \\x1b[2J\\x1b[3J\\x1b[H" in lines  # history


def test_cli_inspect_json_is_ascii_and_round_trips(
    hostile: HostileServer,
    cli_env: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, out, err = run_cli(
        capsys,
        monkeypatch,
        ["inspect", "--json", f"{hostile.registry}/text/attack:latest", *cli_env],
    )
    assert code == 0, err
    assert out.isascii()
    obj = json.loads(out)
    assert obj["config"]["labels"]["osc52-clipboard"] == c.TEXT_ATTACKS["osc52-clipboard"]


def test_cli_manifest_on_a_terminal_is_escaped(
    hostile: HostileServer,
    cli_env: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, out, err = run_cli(
        capsys,
        monkeypatch,
        ["manifest", f"{hostile.registry}/text/attack:latest", *cli_env],
        tty=True,
    )
    assert code == 0, err
    _assert_inert(out)


def test_cli_error_messages_from_the_server_are_escaped(
    hostile: HostileServer,
    cli_env: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, _out, err = run_cli(
        capsys, monkeypatch, ["inspect", f"{hostile.registry}/text/error-body:latest", *cli_env]
    )
    assert code == 1
    _assert_inert(err)
    assert err.startswith("regview: ") and "not found" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["inspect", "--recursive", "{r}/index/deep-1000:latest"], "deeper than 8 levels"),
        (["config", "{r}/index/deep-1000:latest"], "deeper than 8 levels"),
        (["inspect", "{r}/big/manifest-50mib:latest"], "raise it with --max-body"),
        (["tags", "{r}/big/tags-1m"], "byte limit"),
        (["inspect", "{r}/integrity/header-mismatch:latest"], "refusing it"),
        (["inspect", "{r}/manifest/size-string:latest"], "must be an integer"),
        (["inspect", "--timeout", "1", "{r}/fault/stall-after-headers:latest"], "did not answer"),
    ],
    ids=["deep-inspect", "deep-config", "50mib", "1m-tags", "digest", "types", "stall"],
)
def test_cli_reports_hostile_cases_in_one_line(
    hostile: HostileServer,
    cli_env: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    fragment: str,
) -> None:
    argv = [a.format(r=hostile.registry) for a in args]
    code, out, err = run_cli(capsys, monkeypatch, [*argv, *cli_env])
    assert code == 1
    assert fragment in err
    assert err.count("\n") == 1 and "Traceback" not in err
    _assert_inert(out + err)


def test_cli_page_limit_is_a_flag(
    hostile: HostileServer,
    cli_env: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, out, err = run_cli(
        capsys, monkeypatch, ["catalog", hostile.catalog("forever"), "--max-pages", "5", *cli_env]
    )
    assert code == 1
    assert "stopped after 5 pages" in err and "--max-pages" in err
    assert out.count("\n") == 5


def test_cli_verbose_log_holds_no_secret(
    hostile: HostileServer,
    cli_env: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, out, err = run_cli(
        capsys,
        monkeypatch,
        [
            "-v",
            "inspect",
            f"{hostile.secure}/fault/redirect-other:latest",
            "-u",
            "alice",
            "--password-stdin",
            *cli_env,
        ],
        stdin=PASSWORD + "\n",
    )
    assert code == 0, err
    assert "GET" in err and hostile.secure in err
    secrets = [PASSWORD, base64.b64encode(f"alice:{PASSWORD}".encode()).decode(), *hostile.tokens]
    for secret in secrets:
        assert secret not in out + err
    _assert_no_secrets_in(tmp_path / "cache", hostile)


# --- no task left behind --------------------------------------------------------------------------


async def test_cancelling_a_stalled_request_leaves_no_task_running(
    hostile: HostileServer,
) -> None:
    before = asyncio.all_tasks()
    async with make_client(hostile.registry, request_deadline=30) as client:
        task = asyncio.ensure_future(client.manifest("fault/stall-after-headers", "latest"))
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    await asyncio.sleep(0)
    assert asyncio.all_tasks() - before == set()


# --- soak: random operations, faults everywhere, users who move on ---------------------------


async def test_soak_random_operations_with_faults_and_cancellations(
    hostile: HostileServer, tmp_path: Path
) -> None:
    """Bounded random walk over every case: only RegistryErrors, nothing left running."""
    rng = random.Random(20240101)
    # auth/* cases are left out: a registry's challenge sets how the whole client logs in,
    # so one stalling realm would (rightly) turn every later request into a Timeout.
    repos = sorted(r for r in CASES if not r.startswith("auth/") and r != "big/layers-100k")
    repos += ["ok/image"] * 10
    ops = ["manifest", "resolve", "tags", "config", "blob", "by-digest", "image", "inspect-r"]
    before = asyncio.all_tasks()
    outcomes: Counter[str] = Counter()

    def settle(task: asyncio.Task[object]) -> None:
        if task.cancelled():
            outcomes["cancelled"] += 1
            return
        exc = task.exception()
        if exc is None:
            outcomes["ok"] += 1
        elif isinstance(exc, RegistryError):
            outcomes[type(exc).__name__] += 1
        else:
            raise AssertionError(f"{type(exc).__name__} escaped: {exc!r}") from exc

    async with make_client(
        hostile.registry, tmp_path, request_deadline=1.0, max_tries=2, retry_after_cap=0.5
    ) as client:
        pending: set[asyncio.Task[object]] = set()
        for _ in range(120):
            op, repo = rng.choice(ops), rng.choice(repos)
            pending.add(asyncio.ensure_future(run_op(client, op, repo)))
            if pending and rng.random() < 0.25:
                rng.choice(sorted(pending, key=id)).cancel()  # the user moved on
            done, pending = await asyncio.wait(pending, timeout=rng.choice([0, 0.01, 0.05]))
            for task in done:
                settle(task)
        if pending:
            done, pending = await asyncio.wait(pending, timeout=60)
            assert not pending, f"{len(pending)} operations never finished"
            for task in done:
                settle(task)
        assert client.stats.in_flight == 0
    await asyncio.sleep(0)
    assert asyncio.all_tasks() - before == set()
    assert outcomes["ok"] and len(outcomes) >= 5, outcomes
