"""The delete operation against what the real registry cannot be made to answer: a 403
on DELETE (Harbor's answer to a project member without delete rights, documented as
``{"errors":[{"code":"DENIED",...}]}``), and a tag that cannot be resolved mid-plan.
The success paths, 401, 404 and 405 run against distribution in
tests/integration/test_delete.py."""

from __future__ import annotations

import httpx
import pytest

from regview.registry import Denied, RegistryClient, ServerError, Settings
from tests.support.fake_registry import FakeRegistry

FAST = Settings(use_cache=False, backoff_base=0.001, retry_after_cap=1.0, max_tries=2)


def harbor_denies_delete(request: httpx.Request) -> httpx.Response | None:
    if request.method == "DELETE":
        body = {"errors": [{"code": "DENIED", "message": "not allowed to delete artifact"}]}
        return httpx.Response(403, json=body)
    return None


async def test_a_403_on_delete_says_who_may_not_and_what_to_do() -> None:
    fake = FakeRegistry(hooks=[harbor_denies_delete])
    digest, _, _ = fake.push_image("team/app", "1.0")
    fake.push_image("team/app", "old", label="other")
    async with RegistryClient(fake.host, settings=FAST, http_transport=fake.transport()) as c:
        plan = await c.plan_delete("team/app", "1.0")
        assert (plan.digest, plan.tags, plan.other_tags) == (digest, ("1.0",), ())
        with pytest.raises(Denied) as caught:
            await c.delete(plan)
    message = str(caught.value)
    assert "does not let you delete in team/app (403)" in message
    assert "delete rights" in message
    assert "\n" not in message
    deletes = [r.url for r in fake.requests if r.method == "DELETE"]
    assert deletes == [f"https://{fake.host}/v2/team/app/manifests/{digest}"]


async def test_a_tag_that_cannot_be_resolved_stops_the_plan() -> None:
    """Nothing may be deleted without knowing which tags go with it."""

    def broken_tag(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.endswith("/manifests/broken"):
            return httpx.Response(503, text="unavailable")
        return None

    fake = FakeRegistry(hooks=[broken_tag])
    fake.push_image("team/app", "1.0")
    fake.push_image("team/app", "broken", label="other")
    async with RegistryClient(fake.host, settings=FAST, http_transport=fake.transport()) as c:
        with pytest.raises(ServerError):
            await c.plan_delete("team/app", "1.0")
    assert not [r for r in fake.requests if r.method == "DELETE"]


def test_the_cli_shows_hostile_tags_as_text() -> None:
    from regview.cli.delete import describe
    from regview.registry import DeletePlan

    evil = "t\x1b]52;c;aGk=\x07\u202eevil"
    plan = DeletePlan(
        registry="registry.test",
        repository="team/app",
        reference="v1",
        digest="sha256:" + "ab" * 32,
        media_type="application/vnd.oci.image.manifest.v1+json",
        size=401,
        tags=(evil, "v1"),
    )
    lines = describe(plan)
    assert lines[0] == f"registry.test/team/app@sha256:{'ab' * 32} " \
        "(application/vnd.oci.image.manifest.v1+json, 401 bytes)"
    assert lines[1].startswith("other tags on this digest, deleted with it (1): t")
    for line in lines:
        assert "\x1b" not in line and "\x07" not in line and "\u202e" not in line
