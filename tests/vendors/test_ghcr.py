"""GHCR (the fake in :mod:`tests.vendors.ghcr`): anonymous tokens for public packages,
no catalog, and bad credentials refused with DENIED and no challenge."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from regview.registry import (
    AuthError,
    Credential,
    Denied,
    LoginFailed,
    RegistryClient,
    Settings,
)
from tests.support.cli import Regview
from tests.vendors.conftest import run_with_endpoints
from tests.vendors.ghcr import Ghcr


@pytest.fixture
def ghcr() -> Iterator[Ghcr]:
    with Ghcr() as server:
        server.images.put("acme/app", "v1", "v2", label="app")
        server.images.put("octocat/secret", "v1", label="secret")
        server.private.add("octocat/secret")
        yield server
        assert not server.errors, server.errors


def pat(ghcr: Ghcr, password: str | None = None) -> Credential:
    return Credential(username="octocat", password=password or ghcr.users["octocat"],
                      identity_token=None, source="test auth file")


def client(ghcr: Ghcr, credential: Credential | None = None) -> RegistryClient:
    settings = Settings(endpoints=ghcr.endpoints(), use_cache=False)
    return RegistryClient("ghcr.io", settings=settings, credential=credential)


async def test_a_public_package_is_read_with_an_anonymous_token(ghcr: Ghcr) -> None:
    async with client(ghcr) as c:
        tags = [t async for page in c.tags("acme/app") for t in page]
        fetched = await c.manifest("acme/app", "v1")
    assert sorted(tags) == ["v1", "v2"]
    assert fetched.digest == ghcr.images.put("acme/app", label="app")
    tokens = [r for r in ghcr.seen if r.path == "/token"]
    assert len(tokens) == 1
    assert tokens[0].query["scope"] == ["repository:acme/app:pull"]
    assert tokens[0].query["service"] == ["ghcr.io"]
    assert tokens[0].authorization is None


async def test_the_catalog_is_refused_with_what_to_open_instead(ghcr: Ghcr) -> None:
    async with client(ghcr) as c:
        with pytest.raises(Denied) as info:
            async for _ in c.repositories():
                pass
    assert str(info.value) == (
        "ghcr.io does not list its repositories: open ghcr.io/REPOSITORY by name "
        "(e.g. ghcr.io/OWNER/IMAGE)"
    )


async def test_a_private_package_anonymously_says_to_log_in(ghcr: Ghcr) -> None:
    async with client(ghcr) as c:
        with pytest.raises(AuthError) as info:
            await c.manifest("octocat/secret", "v1")
    assert "ghcr.io requires authentication" in str(info.value)
    assert "docker login ghcr.io" in str(info.value)


async def test_the_owner_reads_a_private_package_and_credentials_never_reach_the_registry(
    ghcr: Ghcr,
) -> None:
    async with client(ghcr, pat(ghcr)) as c:
        fetched = await c.manifest("octocat/secret", "v1")
        assert c.identity == "octocat" and not c.stats.login_refused
    assert fetched.repository == "octocat/secret"
    # GHCR answers DENIED (no challenge) to a request that carries credentials itself.
    assert not [r for r in ghcr.seen if r.path != "/token" and r.basic() is not None]
    assert all(r.basic() == ("octocat", ghcr.users["octocat"])
               for r in ghcr.seen if r.path == "/token")


async def test_bad_credentials_are_refused_in_one_line_that_says_so_without_the_secret(
    ghcr: Ghcr,
) -> None:
    wrong = "ghp_" + "wrongwrong" * 3
    async with client(ghcr, pat(ghcr, wrong)) as c:
        with pytest.raises(AuthError) as info:
            await c.manifest("acme/app", "v1")
        assert c.stats.login_refused
    message = str(info.value)
    assert isinstance(info.value, Denied | LoginFailed)
    assert message == (
        "the token service for ghcr.io refused the credentials from test auth file: "
        "check the user name and password"
    )
    assert wrong not in message
    assert len([r for r in ghcr.seen if r.path == "/token"]) == 1  # asked once, not looped


def test_the_command_line_with_bad_credentials_and_without_a_catalog(
    ghcr: Ghcr, regview: Regview
) -> None:
    env = ghcr.endpoints_env()
    refused = run_with_endpoints(
        regview, env, "tags", "-u", "octocat", "--password-stdin", "ghcr.io/acme/app",
        input="ghp_not-the-token\n",
    ).failed()
    assert "the token service for ghcr.io refused the credentials from --password-stdin" in (
        refused.stderr
    )
    assert "ghp_not-the-token" not in refused.stderr
    catalog = run_with_endpoints(regview, env, "catalog", "ghcr.io").failed()
    assert "ghcr.io does not list its repositories: open ghcr.io/REPOSITORY" in catalog.stderr
    owner = run_with_endpoints(regview, env, "catalog", "ghcr.io/acme").failed()
    assert owner.stderr == catalog.stderr
    assert not [r for r in ghcr.seen if r.path.startswith("/api/")]
    ok = run_with_endpoints(regview, env, "tags", "ghcr.io/acme/app").ok()
    assert ok.text.split() == ["v2", "v1"] or sorted(ok.text.split()) == ["v1", "v2"]
