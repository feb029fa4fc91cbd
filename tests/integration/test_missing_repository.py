"""A repository that is not there is an error, not an empty tag list (issue #16, item 2).

distribution answers ``tags/list`` with 404 NAME_UNKNOWN both for a repository that does
not exist and for one that holds only untagged (digest-pushed) manifests; one request
cannot tell them apart, so both raise ``NotFound`` saying so. A repository whose
manifests were all deleted lists ``{"tags": null}``: that, and ``[]``, is "no tags".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from regview.registry.client import RegistryClient
from regview.registry.errors import NotFound
from regview.registry.settings import Settings
from tests.support import images
from tests.support.cli import Regview
from tests.support.content import Published
from tests.support.publish import HttpPusher
from tests.support.registry import RegistryServer

pytestmark = pytest.mark.integration

MISSING = "no/such/repo"
UNTAGGED = "untagged/only-by-digest"
MESSAGE = "no repository {}, or it has no tags"


@pytest.fixture(scope="module")
def untagged_repo(registry: RegistryServer, content: Published) -> str:
    """A repository holding one manifest pushed by digest, and no tag at all."""
    image = images.small_image("regview-untagged")
    with HttpPusher(registry.url) as pusher:
        for blob in image.blobs():
            pusher.upload_blob(UNTAGGED, blob.data, blob.digest)
        pusher.put_manifest(UNTAGGED, image.digest, image.raw, image.media_type)
    # What the registry itself says: the manifest is there, the tag list is not.
    stored = registry.client.get(
        f"/v2/{UNTAGGED}/manifests/{image.digest}", headers={"Accept": image.media_type}
    )
    assert stored.status_code == 200 and stored.content == image.raw
    answer = registry.client.get(f"/v2/{UNTAGGED}/tags/list")
    assert answer.status_code == 404 and "NAME_UNKNOWN" in answer.text
    return UNTAGGED


async def all_tags(registry: RegistryServer, tmp_path: Path, repository: str) -> list[str]:
    settings = Settings(cache_dir=tmp_path)
    async with RegistryClient(registry.host, settings=settings) as client:
        return [t async for page in client.tags(repository) for t in page]


async def test_the_api_raises_not_found_for_a_missing_repository(
    registry: RegistryServer, content: Published, tmp_path: Path
) -> None:
    assert registry.client.get(f"/v2/{MISSING}/tags/list").status_code == 404
    with pytest.raises(NotFound) as caught:
        await all_tags(registry, tmp_path, MISSING)
    assert str(caught.value).startswith(MESSAGE.format(MISSING))
    assert "NAME_UNKNOWN" in caught.value.codes


async def test_the_api_raises_not_found_for_a_repository_with_only_untagged_manifests(
    registry: RegistryServer, untagged_repo: str, tmp_path: Path
) -> None:
    with pytest.raises(NotFound) as caught:
        await all_tags(registry, tmp_path, untagged_repo)
    assert str(caught.value).startswith(MESSAGE.format(untagged_repo))


async def test_the_api_lists_no_tags_for_a_repository_whose_manifests_were_deleted(
    registry: RegistryServer, content: Published, tmp_path: Path
) -> None:
    raw = registry.client.get(f"/v2/{content.deleted_repo}/tags/list")
    assert raw.status_code == 200 and raw.json()["tags"] is None
    assert await all_tags(registry, tmp_path, content.deleted_repo) == []


def test_the_cli_fails_with_one_line_for_a_missing_repository(
    regview: Regview, registry: RegistryServer, content: Published
) -> None:
    for args in (("tags", registry.ref(MISSING)), ("tags", registry.ref(MISSING), "--json")):
        result = regview(*args).failed()
        assert MESSAGE.format(MISSING) in result.stderr, result.describe()
        assert result.stdout == b""


def test_the_cli_fails_for_a_repository_with_only_untagged_manifests(
    regview: Regview, registry: RegistryServer, untagged_repo: str
) -> None:
    result = regview("tags", registry.ref(untagged_repo)).failed()
    assert MESSAGE.format(untagged_repo) in result.stderr, result.describe()


def test_the_cli_prints_nothing_for_a_repository_whose_manifests_were_deleted(
    regview: Regview, registry: RegistryServer, content: Published
) -> None:
    result = regview("tags", registry.ref(content.deleted_repo)).ok()
    assert result.stdout == b""
    assert result.stderr == ""
