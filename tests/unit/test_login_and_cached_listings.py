"""Cached listings belong to the identity that read them; a wrong password never works;
and the two Stats fields a status bar shows: where the credential came from, and
whether the registry refused it (issue #16, item 5)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from regview.registry.client import RegistryClient
from regview.registry.credential import Credential
from regview.registry.credentials import CredentialStore
from regview.registry.errors import AuthError, LoginFailed
from regview.registry.settings import Settings
from tests.support.fake_registry import FakeRegistry

PASSWORDS = {"alice": "alice-pw-1234", "bob": "bob-pw-5678"}
LONG_TTL = 3600.0  # every cached answer here is fresh: no test depends on the clock


def basic_registry() -> FakeRegistry:
    fake = FakeRegistry(auth="basic", users=dict(PASSWORDS))
    fake.push_image("team/app", "1.0")
    return fake


def client(
    fake: FakeRegistry,
    cache_dir: Path | None,
    *,
    credential: Credential | None = None,
    credentials: CredentialStore | None = None,
) -> RegistryClient:
    settings = Settings(cache_dir=cache_dir, use_cache=cache_dir is not None, tag_ttl=LONG_TTL)
    return RegistryClient(
        fake.host,
        settings=settings,
        credential=credential,
        credentials=credentials,
        http_transport=fake.transport(),
    )


def login(name: str, password: str | None = None, source: str = "--password-stdin") -> Credential:
    return Credential(name, PASSWORDS[name] if password is None else password, None, source)


async def tags(c: RegistryClient, repository: str = "team/app") -> list[str]:
    return [t async for page in c.tags(repository) for t in page]


def paths_since(fake: FakeRegistry, mark: int) -> list[str]:
    return [r.url.split(fake.host, 1)[1] for r in fake.requests[mark:] if r.host == fake.host]


# --- a wrong password, anonymous, and another user, within the tag TTL ---------------------


async def test_a_wrong_password_is_refused_while_the_tag_list_is_cached(tmp_path: Path) -> None:
    fake = basic_registry()
    async with client(fake, tmp_path, credential=login("alice")) as c:
        assert await tags(c) == ["1.0"]
        assert (await c.resolve("team/app", "1.0")).digest
    mark = len(fake.requests)
    async with client(fake, tmp_path, credential=login("alice", "wrong-pw-999")) as c:
        with pytest.raises(LoginFailed, match="refused the credentials from --password-stdin"):
            await tags(c)
        with pytest.raises(LoginFailed):
            await c.resolve("team/app", "1.0")
        with pytest.raises(LoginFailed):
            await c.manifest("team/app", "1.0")
        assert c.stats.login_refused
    # Only the login check was sent: the cached listing was never asked for again.
    assert set(paths_since(fake, mark)) == {"/v2/"}


async def test_the_good_password_is_served_from_the_cache_after_one_login_check(
    tmp_path: Path,
) -> None:
    fake = basic_registry()
    async with client(fake, tmp_path, credential=login("alice")) as c:
        assert await tags(c) == ["1.0"]
        await c.manifest("team/app", "1.0")
    fake.push_image("team/app", "2.0", label="later")  # the cache does not know it yet
    mark = len(fake.requests)
    async with client(fake, tmp_path, credential=login("alice")) as c:
        results = await asyncio.gather(
            tags(c), *(c.resolve("team/app", "1.0") for _ in range(20))
        )
        assert results[0] == ["1.0"]  # from the cache
        await c.manifest("team/app", "1.0")
        assert not c.stats.login_refused
    # One login check for all 21 concurrent callers (a 401, then the retry with Basic).
    assert paths_since(fake, mark) == ["/v2/", "/v2/"]


async def test_anonymous_is_not_served_a_listing_cached_by_a_user(tmp_path: Path) -> None:
    fake = basic_registry()
    async with client(fake, tmp_path, credential=login("alice")) as c:
        assert await tags(c) == ["1.0"]
        await c.resolve("team/app", "1.0")
    async with client(fake, tmp_path) as c:
        with pytest.raises(AuthError, match="requires authentication"):
            await tags(c)
        with pytest.raises(AuthError, match="requires authentication"):
            await c.resolve("team/app", "1.0")
        assert not c.stats.login_refused  # nothing was sent to refuse


async def test_each_user_reads_their_own_cached_listing(tmp_path: Path) -> None:
    fake = basic_registry()
    async with client(fake, tmp_path, credential=login("alice")) as c:
        assert await tags(c) == ["1.0"]
    fake.push_image("team/app", "2.0", label="later")
    async with client(fake, tmp_path, credential=login("bob")) as c:
        assert sorted(await tags(c)) == ["1.0", "2.0"]  # asked the registry: not alice's
    async with client(fake, tmp_path, credential=login("alice")) as c:
        assert await tags(c) == ["1.0"]  # alice's, still cached


async def test_a_user_who_was_accepted_is_not_asked_again(tmp_path: Path) -> None:
    fake = basic_registry()
    async with client(fake, tmp_path, credential=login("alice")) as c:
        assert await tags(c) == ["1.0"]
        await c.resolve("team/app", "1.0")
        mark = len(fake.requests)
        assert await tags(c) == ["1.0"]
        await c.resolve("team/app", "1.0")
        assert paths_since(fake, mark) == []  # the first requests showed the login works


# --- Stats.credential_origin -------------------------------------------------------------


async def test_credential_origin_is_where_the_credential_came_from(tmp_path: Path) -> None:
    fake = basic_registry()
    async with client(fake, None, credential=login("alice", source="--password-stdin")) as c:
        assert c.stats.credential_origin is None  # not looked up yet
        await tags(c)
        assert c.stats.credential_origin == "--password-stdin"

    home = tmp_path / "home"
    home.mkdir()
    auth_file = home / "auth.json"
    auth_file.write_text(json.dumps({"auths": {fake.host: {"auth": _basic("alice")}}}))
    store = CredentialStore(auth_files=[auth_file], home=home)
    async with client(fake, None, credentials=store) as c:
        await tags(c)
        assert c.stats.credential_origin == "~/auth.json"

    helper_file = home / "helper.json"
    helper_file.write_text(json.dumps({"credHelpers": {fake.host: "vault"}}))

    def vault(helper: str, server_url: str) -> str:
        return json.dumps({"Username": "alice", "Secret": PASSWORDS["alice"]})

    store = CredentialStore(auth_files=[helper_file], home=home, run_helper=vault)
    async with client(fake, None, credentials=store) as c:
        await tags(c)
        assert c.stats.credential_origin == "credential helper docker-credential-vault"
        assert PASSWORDS["alice"] not in (c.stats.credential_origin or "")

    async with client(fake, None, credential=login("alice", source="")) as c:
        await tags(c)
        assert c.stats.credential_origin == "given by the program"


async def test_credential_origin_is_none_when_anonymous() -> None:
    fake = FakeRegistry()
    fake.push_image("team/app", "1.0")
    async with client(fake, None, credentials=CredentialStore(auth_files=[])) as c:
        assert await tags(c) == ["1.0"]
        assert c.stats.credential_origin is None
        assert c.identity == "anonymous"


def _basic(name: str) -> str:
    import base64

    return base64.b64encode(f"{name}:{PASSWORDS[name]}".encode()).decode()


# --- Stats.login_refused -----------------------------------------------------------------


async def test_login_refused_is_set_when_basic_credentials_are_refused() -> None:
    fake = basic_registry()
    async with client(fake, None, credential=login("alice")) as c:
        await tags(c)
        assert c.stats.login_refused is False
    async with client(fake, None, credential=login("alice", "wrong-pw-999")) as c:
        with pytest.raises(LoginFailed):
            await tags(c)
        assert c.stats.login_refused is True


async def test_login_refused_is_set_when_the_token_service_refuses_the_credentials() -> None:
    fake = FakeRegistry(auth="bearer", users=dict(PASSWORDS), anonymous_pull=False)
    fake.push_image("team/app", "1.0")
    async with client(fake, None, credential=login("bob")) as c:
        await c.manifest("team/app", "1.0")
        assert c.stats.login_refused is False
    async with client(fake, None, credential=login("bob", "wrong-pw-999")) as c:
        with pytest.raises(LoginFailed, match="token service"):
            await c.manifest("team/app", "1.0")
        assert c.stats.login_refused is True


async def test_login_refused_stays_false_without_credentials() -> None:
    fake = basic_registry()
    async with client(fake, None) as c:
        with pytest.raises(AuthError, match="requires authentication"):
            await tags(c)
        assert c.stats.login_refused is False
