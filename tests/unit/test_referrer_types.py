"""Referrers listed without ``artifactType`` get it from their own manifests."""

from __future__ import annotations

import json

from regview.registry import media_types as mt
from regview.registry.client import RegistryClient
from regview.registry.settings import Settings
from tests.support.fake_registry import FakeRegistry, digest_of

SPDX = "application/spdx+json"


def referrer(subject: str, *, artifact_type: str | None, config_type: str) -> bytes:
    obj: dict[str, object] = {
        "schemaVersion": 2,
        "mediaType": mt.OCI_MANIFEST,
        "config": {"mediaType": config_type, "digest": digest_of(b"{}"), "size": 2},
        "layers": [],
        "subject": {"mediaType": mt.OCI_MANIFEST, "digest": subject, "size": 1},
    }
    if artifact_type:
        obj["artifactType"] = artifact_type
    return json.dumps(obj).encode()


def untyped_tag_schema(fake: FakeRegistry) -> tuple[str, str, str, str]:
    """An image with a signature, an SBOM and a missing referrer, listed (as skopeo 1.9
    rewrites such an index) without artifactType."""
    digest, _, _ = fake.push_image("team/app", "1.0")
    sig = fake.push(
        "team/app",
        None,
        referrer(digest, artifact_type=mt.COSIGN_ARTIFACT_SIG, config_type=mt.OCI_EMPTY),
    )
    sbom = fake.push("team/app", None, referrer(digest, artifact_type=None, config_type=SPDX))
    gone = digest_of(b"never pushed")
    index = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": mt.OCI_INDEX,
            "manifests": [
                {"mediaType": mt.OCI_MANIFEST, "digest": d, "size": 300}
                for d in (sig, sbom, gone)
            ],
        }
    ).encode()
    fake.push("team/app", digest.replace(":", "-"), index, mt.OCI_INDEX)
    return digest, sig, sbom, gone


def client(fake: FakeRegistry) -> RegistryClient:
    return RegistryClient(
        fake.host, settings=Settings(use_cache=False), http_transport=fake.transport()
    )


async def test_untyped_referrers_are_typed_from_their_manifests() -> None:
    fake = FakeRegistry()
    digest, sig, sbom, gone = untyped_tag_schema(fake)
    async with client(fake) as c:
        found = {d.digest: d for d in await c.referrers("team/app", digest)}
    assert found[sig].artifact_type == mt.COSIGN_ARTIFACT_SIG
    assert found[sbom].artifact_type == SPDX  # no artifactType: the config's media type
    assert found[gone].artifact_type is None  # unreadable: still listed, untyped
    assert mt.referrer_kind(found[sig].artifact_type) != mt.referrer_kind(None)


async def test_registries_that_meter_pulls_are_not_asked_for_more() -> None:
    fake = FakeRegistry(rate_limit=(100, 90))
    digest, sig, _sbom, _gone = untyped_tag_schema(fake)
    async with client(fake) as c:
        assert [p async for p in c.tags("team/app")]  # learns that pulls are metered
        found = await c.referrers("team/app", digest)
    assert all(d.artifact_type is None for d in found)
    assert not [r for r in fake.requests if r.method == "GET" and sig in r.url]


def test_referrer_kinds_of_the_artifact_types_tools_publish() -> None:
    # The media types as cosign, syft, notation and the in-toto/DSSE specs name them.
    kinds = {
        "application/vnd.dev.cosign.artifact.sig.v1+json": "signature",
        "application/vnd.cncf.notary.signature": "signature",
        "application/spdx+json": "sbom",
        "application/vnd.cyclonedx+json": "sbom",
        "application/vnd.in-toto+json": "attestation",
        "application/vnd.dsse.envelope.v1+json": "attestation",
        "application/vnd.example.thing": "artifact",
    }
    assert {t: mt.referrer_kind(t) for t in kinds} == kinds
