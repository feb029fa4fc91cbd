"""GitLab (the fake in :mod:`tests.vendors.gitlab`): the token service on gitlab.com,
deep project paths, no catalog for anyone who is not an administrator (the second 401
says ``insufficient_scope``, which is not a bad login), and bad tokens refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from regview.registry import AuthError, Credential, Denied, LoginFailed, RegistryClient, Settings
from tests.support.cli import Regview
from tests.vendors.conftest import run_with_endpoints
from tests.vendors.gitlab import GitLab

DEEP = "acme/platform/web/app"  # GROUP/SUBGROUP/PROJECT/IMAGE


@pytest.fixture
def gitlab() -> Iterator[GitLab]:
    with GitLab() as server:
        server.images.put(DEEP, "v1", "v2", label="app")
        server.images.put("acme/secret", "v1", label="secret")
        server.private["acme/secret"] = {"rosalind"}
        yield server
        assert not server.errors, server.errors


def token(gitlab: GitLab, password: str | None = None) -> Credential:
    return Credential(username="rosalind", password=password or gitlab.users["rosalind"],
                      identity_token=None, source="test auth file")


def client(
    gitlab: GitLab, credential: Credential | None = None, registry: str = "registry.gitlab.com"
) -> RegistryClient:
    settings = Settings(endpoints=gitlab.endpoints(registry), use_cache=False)
    return RegistryClient(registry, settings=settings, credential=credential)


async def test_a_deep_public_path_is_read_with_an_anonymous_token_from_gitlab_com(
    gitlab: GitLab,
) -> None:
    async with client(gitlab) as c:
        tags = [t async for page in c.tags(DEEP) for t in page]
        fetched = await c.manifest(DEEP, "v2")
    assert sorted(tags) == ["v1", "v2"]
    assert fetched.digest == gitlab.images.put(DEEP, label="app")
    [asked] = [r for r in gitlab.seen if r.listener == "auth"]
    assert asked.path == "/jwt/auth"
    assert asked.query["service"] == ["container_registry"]
    assert asked.query["scope"] == [f"repository:{DEEP}:pull"]
    assert asked.authorization is None


@pytest.mark.parametrize("logged_in", [False, True])
async def test_the_catalog_is_refused_with_what_to_open_not_as_a_bad_login(
    gitlab: GitLab, logged_in: bool
) -> None:
    async with client(gitlab, token(gitlab) if logged_in else None) as c:
        with pytest.raises(Denied) as info:
            async for _ in c.repositories():
                pass
        assert not c.stats.login_refused
    assert not isinstance(info.value, LoginFailed)
    assert str(info.value) == (
        "registry.gitlab.com does not list its repositories: open "
        "registry.gitlab.com/REPOSITORY by name (e.g. registry.gitlab.com/GROUP/PROJECT)"
    )


async def test_a_self_managed_gitlab_says_who_it_does_not_list_them_to(gitlab: GitLab) -> None:
    async with client(gitlab, token(gitlab), registry="registry.gitlab.example") as c:
        with pytest.raises(Denied) as info:
            async for _ in c.repositories():
                pass
        # The same token still reads what rosalind may read.
        assert (await c.manifest("acme/secret", "v1")).repository == "acme/secret"
    assert not isinstance(info.value, LoginFailed)
    assert str(info.value) == (
        "registry.gitlab.example does not list its repositories to rosalind: "
        "open a repository by name"
    )


async def test_a_private_project_anonymously_says_to_log_in(gitlab: GitLab) -> None:
    async with client(gitlab) as c:
        with pytest.raises(AuthError) as info:
            await c.manifest("acme/secret", "v1")
    assert "registry.gitlab.com requires authentication" in str(info.value)
    assert "docker login registry.gitlab.com" in str(info.value)


async def test_a_member_reads_a_private_project_and_the_token_goes_to_gitlab_com_only(
    gitlab: GitLab,
) -> None:
    async with client(gitlab, token(gitlab)) as c:
        fetched = await c.manifest("acme/secret", "v1")
    assert fetched.digest == gitlab.images.put("acme/secret", label="secret")
    assert not [r for r in gitlab.seen if r.listener == "registry" and r.basic() is not None]
    assert all(r.basic() == ("rosalind", gitlab.users["rosalind"])
               for r in gitlab.seen if r.listener == "auth")


async def test_a_bad_token_is_refused_in_one_line_without_the_secret(gitlab: GitLab) -> None:
    wrong = "glpat-" + "nOtThEtOkEn" * 2
    async with client(gitlab, token(gitlab, wrong)) as c:
        with pytest.raises(AuthError) as info:
            await c.manifest(DEEP, "v1")
        assert c.stats.login_refused
    message = str(info.value)
    assert message == (
        "the token service for registry.gitlab.com refused the credentials from test auth "
        "file: check the user name and password"
    )
    assert wrong not in message
    assert len([r for r in gitlab.seen if r.listener == "auth"]) == 1


def test_the_command_line_reads_tags_and_says_there_is_no_catalog(
    gitlab: GitLab, regview: Regview
) -> None:
    env = gitlab.endpoints_env()
    tags = run_with_endpoints(regview, env, "tags", f"registry.gitlab.com/{DEEP}").ok()
    assert sorted(tags.text.split()) == ["v1", "v2"]
    catalog = run_with_endpoints(regview, env, "catalog", "registry.gitlab.com").failed()
    assert catalog.returncode == 1
    assert catalog.stderr == (
        "regview: registry.gitlab.com does not list its repositories: open "
        "registry.gitlab.com/REPOSITORY by name (e.g. registry.gitlab.com/GROUP/PROJECT)\n"
    )
