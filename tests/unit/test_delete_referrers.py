"""A delete plan names what refers to the digest, where the real registry cannot show it:
a registry with the OCI 1.1 referrers API (distribution 2.8 has none), one whose
referrers lookup fails, and how many requests the lookup costs when nothing refers to
the image. The tag schema and cosign tags run against distribution in
tests/integration/test_delete.py.

Expected documents and lines are written out by hand here."""

from __future__ import annotations

import json

import httpx

from regview.cli.delete import describe, plan_json
from regview.delete_text import left_behind
from regview.registry import (
    DeletePlan,
    Descriptor,
    FoundReferrer,
    Platform,
    RegistryClient,
    Settings,
)
from tests.support.fake_registry import FakeRegistry, digest_of

FAST = Settings(use_cache=False, backoff_base=0.001, retry_after_cap=1.0, max_tries=2)
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
SPDX = "application/spdx+json"
SIMPLESIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
A = "sha256:" + "ab" * 32
R1 = "sha256:" + "11" * 32
R2 = "sha256:" + "22" * 32
TAG_SCHEMA = "sha256-" + "ab" * 32


def referrers_api(answer: dict[str, object]) -> httpx.Response:
    return httpx.Response(
        200, content=json.dumps(answer).encode(), headers={"Content-Type": OCI_INDEX}
    )


async def test_the_referrers_api_lists_them_and_no_tag_is_probed() -> None:
    fake = FakeRegistry()
    digest, _, _ = fake.push_image("team/app", "1.0")
    index = {
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [
            {"mediaType": OCI_MANIFEST, "digest": R1, "size": 500, "artifactType": SPDX},
        ],
    }

    def api(request: httpx.Request) -> httpx.Response | None:
        if request.url.path == f"/v2/team/app/referrers/{digest}":
            return referrers_api(index)
        return None

    fake.hooks.append(api)
    async with RegistryClient(fake.host, settings=FAST, http_transport=fake.transport()) as c:
        plan = await c.plan_delete("team/app", "1.0")
    assert plan.referrers == (
        FoundReferrer(
            Descriptor(media_type=OCI_MANIFEST, digest=R1, size=500, artifact_type=SPDX),
            "referrers-api",
            None,
        ),
    )
    assert plan.referrers_error is None
    paths = [httpx.URL(r.url).path for r in fake.requests]
    assert not [p for p in paths if "/manifests/sha256-" in p]  # no tag was listed
    hex_ = digest.split(":")[1]
    assert left_behind(plan) == [
        f"1 artifact refers to sha256:{hex_[:12]}… and will be left without their image: "
        f"an SPDX SBOM (referrer sha256:{'11' * 6}…)"
    ]


async def test_without_referrer_tags_the_lookup_costs_one_request() -> None:
    """distribution's 404 for the API, then nothing: the tag list just read has no
    ``sha256-<hex>`` or ``.sig``/``.att``/``.sbom`` tag to ask for."""
    fake = FakeRegistry()
    digest, _, _ = fake.push_image("team/app", "1.0")
    fake.push_image("team/app", "2.0", label="other")
    async with RegistryClient(fake.host, settings=FAST, http_transport=fake.transport()) as c:
        plan = await c.plan_delete("team/app", "1.0")
    assert plan.referrers == ()
    sent = sorted((r.method, httpx.URL(r.url).path) for r in fake.requests)
    assert sent == [
        ("GET", f"/v2/team/app/referrers/{digest}"),
        ("GET", "/v2/team/app/tags/list"),
        ("HEAD", "/v2/team/app/manifests/1.0"),
        ("HEAD", "/v2/team/app/manifests/2.0"),
    ]
    assert left_behind(plan) == []


async def test_a_failing_lookup_is_written_in_the_plan_and_the_delete_still_works() -> None:
    def broken(request: httpx.Request) -> httpx.Response | None:
        if "/referrers/" in request.url.path:
            return httpx.Response(503, text="referrers backend down")
        if request.method == "DELETE":
            return httpx.Response(202)
        return None

    fake = FakeRegistry(hooks=[broken])
    digest, _, _ = fake.push_image("team/app", "1.0")
    async with RegistryClient(fake.host, settings=FAST, http_transport=fake.transport()) as c:
        plan = await c.plan_delete("team/app", "1.0")
        assert plan.digest == digest and plan.tags == ("1.0",)
        assert plan.referrers is None
        assert plan.referrers_error is not None and "503" in plan.referrers_error
        lines = describe(plan)
        assert lines[-1].startswith("could not check for artifacts that refer to it (")
        assert "503" in lines[-1]
        doc = plan_json(plan, deleted=False)
        assert doc["referrers"] is None
        assert doc["referrersError"] == plan.referrers_error
        await c.delete(plan)
    deletes = [r.url for r in fake.requests if r.method == "DELETE"]
    assert deletes == [f"https://{fake.host}/v2/team/app/manifests/{digest}"]


async def test_an_index_that_cannot_be_read_is_written_in_the_plan() -> None:
    children = {
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [{"mediaType": OCI_MANIFEST, "digest": R1, "size": 500}],
    }
    raw = json.dumps(children).encode()

    def no_get(request: httpx.Request) -> httpx.Response | None:
        if request.method == "GET" and "/manifests/" in request.url.path:
            return httpx.Response(500, text="storage error")
        return None

    fake = FakeRegistry(hooks=[no_get])
    digest = fake.push("team/app", "multi", raw, OCI_INDEX)
    assert digest == digest_of(raw)
    async with RegistryClient(fake.host, settings=FAST, http_transport=fake.transport()) as c:
        plan = await c.plan_delete("team/app", "multi")
    assert plan.children == ()
    assert plan.children_error is not None and "500" in plan.children_error
    assert left_behind(plan)[-1].startswith("could not read the child manifests of the index (")


def _plan(**extra: object) -> DeletePlan:
    return DeletePlan(
        registry="registry.test",
        repository="team/app",
        reference="v1",
        digest=A,
        media_type=OCI_MANIFEST,
        size=401,
        tags=("v1",),
        **extra,  # type: ignore[arg-type]
    )


def test_the_lines_name_each_referrer_and_the_tag_that_holds_it() -> None:
    plan = _plan(
        referrers=(
            FoundReferrer(
                Descriptor(OCI_MANIFEST, R1, 500, artifact_type=SPDX), "referrers-tag", TAG_SCHEMA
            ),
            FoundReferrer(
                Descriptor(OCI_MANIFEST, R2, 600, artifact_type=SIMPLESIGNING),
                "cosign-tag",
                TAG_SCHEMA + ".sig",
            ),
        )
    )
    assert left_behind(plan) == [
        "2 artifacts refer to sha256:abababababab… and will be left without their image: "
        "an SPDX SBOM (referrer sha256:111111111111…, listed in tag sha256-abababababab…), "
        "a cosign signature (tag sha256-abababababab….sig)",
        "tag sha256-abababababab… stays, listing the referrers of a deleted image",
    ]
    doc = plan_json(plan, deleted=False)
    assert doc["referrers"] == [
        {
            "digest": R1,
            "mediaType": OCI_MANIFEST,
            "artifactType": SPDX,
            "foundBy": "referrers-tag",
            "tag": TAG_SCHEMA,
        },
        {
            "digest": R2,
            "mediaType": OCI_MANIFEST,
            "artifactType": SIMPLESIGNING,
            "foundBy": "cosign-tag",
            "tag": TAG_SCHEMA + ".sig",
        },
    ]
    assert doc["referrersError"] is None


def test_an_index_says_its_children_stay() -> None:
    attestation = Descriptor(
        OCI_MANIFEST,
        R2,
        300,
        platform=Platform("unknown", "unknown"),
        annotations={
            "vnd.docker.reference.type": "attestation-manifest",
            "vnd.docker.reference.digest": R1,
        },
    )
    plan = DeletePlan(
        registry="registry.test",
        repository="team/app",
        reference="multi",
        digest=A,
        media_type=OCI_INDEX,
        size=900,
        tags=("multi",),
        referrers=(),
        children=(
            Descriptor(OCI_MANIFEST, R1, 500, platform=Platform("linux", "arm64", "v8")),
            attestation,
        ),
    )
    assert left_behind(plan) == [
        "only the index is deleted: its 2 child manifests stay: "
        "linux/arm64/v8 (sha256:111111111111…), an attestation (sha256:222222222222…)"
    ]
    assert plan_json(plan, deleted=False)["childManifests"] == [
        {"digest": R1, "mediaType": OCI_MANIFEST, "platform": "linux/arm64/v8"},
        {"digest": R2, "mediaType": OCI_MANIFEST, "platform": "unknown/unknown"},
    ]


def test_hostile_artifact_types_are_text_on_the_terminal() -> None:
    evil = "application/x\x1b]52;c;aGk=\x07\u202esig"
    plan = _plan(
        referrers=(
            FoundReferrer(Descriptor(OCI_MANIFEST, R1, 5, artifact_type=evil), "referrers-api"),
        )
    )
    line = describe(plan)[-1]
    assert line.startswith("1 artifact refers to sha256:abababababab…")
    assert "a signature of type application/x\\x1b]52;c;aGk=\\x07\\u202esig" in line
    for ch in ("\x1b", "\x07", "\u202e"):
        assert ch not in line
