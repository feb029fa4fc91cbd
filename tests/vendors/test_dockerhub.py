"""Docker Hub (the fake in :mod:`tests.vendors.dockerhub`): the API host and token realm
reached through endpoint overrides, the ``library/`` namespace, the pull budget read
from HEADs without spending it, the plain-text 429, and no catalog."""

from __future__ import annotations

import json

import pytest

from regview.registry import (
    Credential,
    Denied,
    RateLimit,
    RateLimited,
    RegistryClient,
    Settings,
    parse_reference,
    read_tag_info,
)
from tests.support.cli import Regview
from tests.vendors.conftest import run_with_endpoints
from tests.vendors.dockerhub import DockerHub

FAST = {"backoff_base": 0.001, "use_cache": False}


def hub_client(hub: DockerHub, credential: Credential | None = None) -> RegistryClient:
    settings = Settings(endpoints=hub.endpoints(), **FAST)  # type: ignore[arg-type]
    return RegistryClient("docker.io", settings=settings, credential=credential)


async def test_a_one_word_name_is_library_name_on_the_api_host_with_a_token_from_the_realm(
    hub: DockerHub,
) -> None:
    ref = parse_reference("alpine")
    async with hub_client(hub) as client:
        fetched = await client.manifest(ref.repository, ref.reference)
    assert fetched.digest == hub.images.put("library/alpine", label="alpine")
    registry = [(r.method, r.path) for r in hub.requests("registry")]
    assert registry[-1] == ("GET", "/v2/library/alpine/manifests/latest")
    assert all(path.startswith("/v2/library/alpine/") for _, path in registry)
    (token,) = hub.requests("auth")
    assert token.path == "/token"
    assert token.query == {
        "service": ["registry.docker.io"],
        "scope": ["repository:library/alpine:pull"],
    }
    assert token.authorization is None  # anonymous: nothing to send
    assert hub.requests("registry")[-1].bearer() is not None


async def test_credentials_go_to_the_realm_only_and_the_registry_sees_a_bearer_token(
    hub: DockerHub,
) -> None:
    alice = Credential(username="alice", password="hub-pw", identity_token=None, source="test")
    async with hub_client(hub, alice) as client:
        await client.manifest("library/alpine", "latest")
        assert client.identity == "alice"
    assert hub.requests("auth")[0].basic() == ("alice", "hub-pw")
    for request in hub.requests("registry"):
        assert request.basic() is None
    assert hub.left("alice") == 99 and hub.left("anonymous") == 100


async def test_a_get_spends_a_pull_a_head_does_not_and_the_budget_is_in_the_stats(
    hub: DockerHub,
) -> None:
    async with hub_client(hub) as client:
        assert client.meters_pulls
        await client.manifest("library/alpine", "latest")
        assert client.stats.rate_limit == RateLimit(100, 99, 21600)
        assert hub.pulls == 1
        await client.resolve("library/alpine", "3.20")
        assert await client.pull_budget("library/busybox", "latest") == RateLimit(100, 99, 21600)
        assert hub.pulls == 1
        # Listing a tag's digest, size and platforms on a metered registry: HEADs only.
        info = await read_tag_info(client, "library/busybox", "latest")
        assert info.digest == hub.images.put("library/busybox", label="busybox")
    assert hub.pulls == 1
    methods = [r.method for r in hub.requests("registry") if "/manifests/" in r.path]
    assert methods.count("GET") == 2  # the first answered 401 before the token
    assert methods.count("HEAD") >= 3


async def test_a_spent_budget_is_a_429_in_plain_text_said_in_one_line_without_retrying(
) -> None:
    with DockerHub(remaining=0, retry_after=21600) as hub:
        hub.images.put("library/alpine", "latest")
        async with hub_client(hub) as client:
            with pytest.raises(RateLimited) as info:
                await client.manifest("library/alpine", "latest")
            assert client.stats.rate_limit == RateLimit(100, 0, 21600)
        gets = [r for r in hub.requests("registry") if r.method == "GET"]
    message = str(info.value)
    assert message == (
        "the pull limit (100 per 6 h) is used up (manifest library/alpine:latest): "
        "try again in 6 h, or log in for a larger limit"
    )
    assert info.value.retry_after == pytest.approx(21600)
    assert len(gets) == 2  # the 401 and one 429: a 6-hour Retry-After is not waited for


async def test_a_short_retry_after_on_a_429_is_waited_for_once_the_budget_is_back() -> None:
    with DockerHub(remaining=0, retry_after=0) as hub:
        hub.images.put("library/alpine", "latest")
        original = hub._manifest

        def refill_after_the_first_429(*args: object) -> object:
            reply = original(*args)  # type: ignore[arg-type]
            if reply.status == 429:
                hub.remaining["anonymous"] = 5
            return reply

        hub._manifest = refill_after_the_first_429  # type: ignore[method-assign]
        async with hub_client(hub) as client:
            fetched = await client.manifest("library/alpine", "latest")
            assert client.stats.rate_limit == RateLimit(100, 4, 21600)
    assert fetched.repository == "library/alpine"


@pytest.mark.parametrize("logged_in", [False, True])
async def test_the_catalog_is_refused_with_what_to_open_instead(
    hub: DockerHub, logged_in: bool
) -> None:
    alice = Credential(username="alice", password="hub-pw", identity_token=None, source="test")
    async with hub_client(hub, alice if logged_in else None) as client:
        with pytest.raises(Denied) as info:
            async for _ in client.repositories():
                pass
    assert str(info.value) == (
        "docker.io does not list its repositories: open docker.io/REPOSITORY by name "
        "(e.g. docker.io/library/alpine)"
    )


async def test_a_missing_repository_says_it_may_not_exist_rather_than_only_log_in(
    hub: DockerHub,
) -> None:
    async with hub_client(hub) as client:
        with pytest.raises(Exception) as info:
            await client.manifest("library/nosuch", "latest")
    message = str(info.value)
    assert "library/nosuch" in message and "no such repository" in message
    assert "docker login docker.io" in message


# --- the command line ----------------------------------------------------------------


def test_ratelimit_reads_the_budget_with_one_head_and_spends_no_pull(
    hub: DockerHub, regview: Regview
) -> None:
    result = run_with_endpoints(regview, hub.endpoints_env(), "ratelimit", "alpine").ok()
    assert result.text == "docker.io: 100 of 100 pulls left per 6 h for anonymous\n"
    manifests = [(r.method, r.path) for r in hub.requests("registry")]
    assert set(manifests) == {("HEAD", "/v2/library/alpine/manifests/latest")}
    assert len(manifests) == 2  # the 401 that named the realm, then the answer
    assert hub.pulls == 0


def test_ratelimit_json_after_a_pull_and_when_used_up(hub: DockerHub, regview: Regview) -> None:
    run_with_endpoints(regview, hub.endpoints_env(), "manifest", "alpine:3.20").ok()
    result = run_with_endpoints(regview, hub.endpoints_env(), "ratelimit", "--json", "alpine")
    assert result.ok().json() == {
        "reference": "docker.io/library/alpine:latest",
        "registry": "docker.io",
        "identity": "anonymous",
        "metered": True,
        "limit": 100,
        "remaining": 99,
        "window_seconds": 21600,
    }
    hub.remaining["anonymous"] = 0
    used_up = run_with_endpoints(regview, hub.endpoints_env(), "ratelimit", "alpine").ok()
    assert used_up.text.startswith("docker.io: 0 of 100 pulls left per 6 h for anonymous: used up")


def test_ratelimit_of_a_registry_without_a_budget_says_so(regview: Regview) -> None:
    from tests.vendors.quay import Quay

    with Quay() as quay:
        quay.images.put("acme/app", "v1")
        result = run_with_endpoints(
            regview, quay.endpoints_env(), "ratelimit", "quay.io/acme/app:v1"
        ).ok()
        assert result.text == (
            "quay.io reports no pull limit for anonymous (no RateLimit headers)\n"
        )
        as_json = run_with_endpoints(
            regview, quay.endpoints_env(), "ratelimit", "--json", "quay.io/acme/app:v1"
        ).ok().json()
    assert as_json["metered"] is False and as_json["remaining"] is None


def test_ratelimit_of_a_missing_tag_fails_in_one_line(
    hub: DockerHub, regview: Regview
) -> None:
    missing = run_with_endpoints(regview, hub.endpoints_env(), "ratelimit", "alpine:nope")
    assert "no manifest nope in library/alpine" in missing.failed().stderr


def test_the_catalog_and_a_spent_budget_on_the_command_line(
    hub: DockerHub, regview: Regview
) -> None:
    catalog = run_with_endpoints(regview, hub.endpoints_env(), "catalog", "docker.io").failed()
    assert catalog.returncode == 1
    assert catalog.stderr == (
        "regview: docker.io does not list its repositories: open docker.io/REPOSITORY by "
        "name (e.g. docker.io/library/alpine)\n"
    )
    hub.remaining["anonymous"] = 0
    spent = run_with_endpoints(regview, hub.endpoints_env(), "manifest", "busybox").failed()
    assert "the pull limit (100 per 6 h) is used up" in spent.stderr
    assert "log in for a larger limit" in spent.stderr


def test_tags_of_a_one_word_name_through_the_overrides(hub: DockerHub, regview: Regview) -> None:
    result = run_with_endpoints(regview, hub.endpoints_env(), "tags", "--json", "alpine").ok()
    assert json.loads(result.stdout) == {
        "repository": "docker.io/library/alpine",
        "tags": ["latest", "3.20"],  # latest first, then by version
    }


def test_an_unusable_endpoint_override_is_a_usage_error(regview: Regview) -> None:
    result = run_with_endpoints(regview, "docker.io=ftp://127.0.0.1:1", "ratelimit", "alpine")
    assert result.failed().returncode == 2
    assert result.stderr.startswith("regview: $REGVIEW_ENDPOINTS: endpoint for docker.io:")


def test_endpoint_flags_do_what_the_variable_does(hub: DockerHub, regview: Regview) -> None:
    flags = [f"--endpoint={host}={url}" for host, url in hub.endpoints().items()]
    result = regview(*flags, "tags", "--json", "alpine", plain_http=False).ok()
    assert json.loads(result.stdout)["tags"] == ["latest", "3.20"]


def test_an_endpoint_flag_wins_over_the_variable_for_its_host(
    hub: DockerHub, regview: Regview
) -> None:
    # The variable sends docker.io nowhere useful; the flag puts it right, and the
    # variable's auth.docker.io entry is kept.
    env = f"docker.io=http://127.0.0.1:9,auth.docker.io={hub.endpoints()['auth.docker.io']}"
    flag = f"docker.io={hub.endpoints()['docker.io']}"
    result = run_with_endpoints(regview, env, "--endpoint", flag, "tags", "--json", "alpine")
    assert json.loads(result.ok().stdout)["tags"] == ["latest", "3.20"]


@pytest.mark.parametrize(
    ("flag", "said"),
    [
        ("docker.io", "regview: --endpoint 'docker.io' is not HOST=URL"),
        ("docker.io=ftp://127.0.0.1:1", "regview: --endpoint: endpoint for docker.io:"),
    ],
)
def test_an_unusable_endpoint_flag_is_a_usage_error(regview: Regview, flag: str, said: str) -> None:
    result = regview("--endpoint", flag, "ratelimit", "alpine", plain_http=False)
    assert result.failed().returncode == 2
    assert result.stderr.startswith(said), result.stderr
