"""Harbor (the fake in :mod:`tests.vendors.harbor`): a project's repositories from its
REST API, for members and for anyone in a public project, while ``_catalog`` is for
administrators only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from regview.registry import (
    AuthError,
    Credential,
    Denied,
    NotFound,
    RegistryClient,
    Settings,
)
from tests.support.cli import Regview
from tests.vendors.conftest import run_with_endpoints
from tests.vendors.harbor import HOST, Harbor

LIBRARY = [f"library/app-{i:03d}" for i in range(230)]


@pytest.fixture
def harbor() -> Iterator[Harbor]:
    with Harbor() as server:
        for name in LIBRARY:
            server.images.put(name, "latest", label="lib")
        server.images.put("team/api", "v1", label="api")
        server.images.put("team/web", "v1", label="web")
        yield server
        assert not server.errors, server.errors


def client(harbor: Harbor, user: str | None = None) -> RegistryClient:
    credential = None
    if user is not None:
        credential = Credential(username=user, password=harbor.users[user],
                                identity_token=None, source="test")
    settings = Settings(endpoints=harbor.endpoints(), use_cache=False)
    return RegistryClient(HOST, settings=settings, credential=credential)


async def names_of(c: RegistryClient, project: str, page_size: int | None = None) -> list[str]:
    return [n async for page in c.project_repositories(project, page_size=page_size)
            for n in page]


async def test_a_public_project_is_listed_to_anyone_page_by_page(harbor: Harbor) -> None:
    async with client(harbor) as c:
        assert await names_of(c, "library") == LIBRARY
    api = [r for r in harbor.seen if r.path.startswith("/api/")]
    assert [r.param("page") for r in api] == ["1", "2", "3"]
    assert {r.param("page_size") for r in api} == {"100"}
    assert all(r.authorization is None for r in api)


async def test_a_private_project_is_listed_to_a_member_with_basic_credentials(
    harbor: Harbor,
) -> None:
    async with client(harbor, "dev") as c:
        assert await names_of(c, "team", page_size=1) == ["team/api", "team/web"]
    api = [r for r in harbor.seen if r.path.startswith("/api/")]
    assert all(r.basic() == ("dev", "dev-pw") for r in api)


async def test_refusals_say_who_may_list_and_what_to_do(harbor: Harbor) -> None:
    async with client(harbor) as c:
        with pytest.raises(AuthError) as anonymous:
            await names_of(c, "team")
        with pytest.raises(NotFound) as missing:
            await names_of(c, "nosuch")
    assert str(anonymous.value) == (
        f"{HOST} lists project team only to its members: log in "
        f"(docker login {HOST}, or -u USER --password-stdin)"
    )
    assert str(missing.value) == f"{HOST} has no project nosuch"
    harbor.members["team"] = set()
    async with client(harbor, "dev") as c:
        with pytest.raises(Denied) as outsider:
            await names_of(c, "team")
    assert str(outsider.value) == (
        f"dev may not list project team on {HOST}: ask its administrators for access"
    )


async def test_the_whole_catalog_is_for_administrators_only(harbor: Harbor) -> None:
    async with client(harbor, "dev") as c:
        with pytest.raises(Denied) as info:
            async for _ in c.repositories():
                pass
    assert f"{HOST} does not list its repositories to dev" in str(info.value)
    async with client(harbor, "admin") as c:
        every = [n async for page in c.repositories() for n in page]
    assert every == sorted([*LIBRARY, "team/api", "team/web"])


def test_catalog_of_a_project_on_the_command_line(harbor: Harbor, regview: Regview) -> None:
    env = harbor.endpoints_env()
    listed = run_with_endpoints(regview, env, "catalog", "--json", f"{HOST}/library").ok()
    assert listed.json() == {"registry": f"{HOST}/library", "repositories": LIBRARY}
    member = run_with_endpoints(regview, env, "catalog", "-u", "dev", "--password-stdin",
                                f"{HOST}/team", input="dev-pw\n").ok()
    assert member.text == "team/api\nteam/web\n"
    refused = run_with_endpoints(regview, env, "catalog", f"{HOST}/team").failed()
    assert refused.stderr == (
        f"regview: {HOST} lists project team only to its members: log in "
        f"(docker login {HOST}, or -u USER --password-stdin)\n"
    )
    assert "dev-pw" not in member.stderr
