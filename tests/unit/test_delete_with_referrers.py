"""Deleting with the referrers, where the real registry cannot show it: a registry with
the OCI 1.1 referrers API (distribution 2.8 has none), referrers of referrers down to
the depth bound, a cycle, a delete that fails midway, a referrer deleted meanwhile; and
the bound on the indexes read to find those that list a manifest.

The referrer graph and the expected orders are written out by hand here; the tag-schema
and cosign-tag cases run against distribution in tests/integration/test_delete.py."""

from __future__ import annotations

import json

import httpx
import pytest

from regview.cli.delete import describe, plan_json
from regview.registry import RegistryClient, Settings
from regview.registry import delete_listed_by as listed_by_module
from regview.registry.delete_referrers import PartialDelete
from tests.support.fake_registry import FakeRegistry, digest_of

FAST = Settings(use_cache=False, backoff_base=0.001, retry_after_cap=1.0, max_tries=2)
REPO = "team/app"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
SPDX = "application/spdx+json"
SIG = "application/vnd.dev.cosign.simplesigning.v1+json"
EMPTY = {
    "mediaType": "application/vnd.oci.empty.v1+json",
    "size": 2,
    "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
}


def artifact(label: str, subject: str, artifact_type: str) -> bytes:
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "artifactType": artifact_type,
            "config": EMPTY,
            "layers": [],
            "subject": {"mediaType": OCI_MANIFEST, "digest": subject, "size": 1},
            "annotations": {"label": label},
        }
    ).encode()


class Graph:
    """A registry with the referrers API over the fake: ``refers[subject]`` lists the
    artifacts pushed with that subject (as long as they are stored), and DELETE by
    digest removes a manifest and every tag on it, as distribution does."""

    def __init__(self) -> None:
        self.fake = FakeRegistry(hooks=[self.failing, self.referrers_api, self.delete])
        self.refers: dict[str, list[tuple[str, str, int]]] = {}
        self.fail_delete: set[str] = set()
        self.image, _, _ = self.fake.push_image(REPO, "1.0")
        self.fake.push_image(REPO, "other", label="other")

    def add(self, label: str, subject: str, artifact_type: str) -> str:
        raw = artifact(label, subject, artifact_type)
        digest = self.fake.push(REPO, None, raw)
        self.refers.setdefault(subject, []).append((digest, artifact_type, len(raw)))
        return digest

    def stored(self, digest: str) -> bool:
        return digest in self.fake.manifests[REPO]

    def failing(self, request: httpx.Request) -> httpx.Response | None:
        if request.method == "DELETE" and request.url.path.rsplit("/", 1)[1] in self.fail_delete:
            return httpx.Response(500, text="storage driver error")
        return None

    def referrers_api(self, request: httpx.Request) -> httpx.Response | None:
        prefix = f"/v2/{REPO}/referrers/"
        if not request.url.path.startswith(prefix):
            return None
        subject = request.url.path[len(prefix) :]
        index = {
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [
                {"mediaType": OCI_MANIFEST, "digest": d, "size": n, "artifactType": t}
                for d, t, n in self.refers.get(subject, [])
                if self.stored(d)
            ],
        }
        return httpx.Response(200, json=index, headers={"Content-Type": OCI_INDEX})

    def delete(self, request: httpx.Request) -> httpx.Response | None:
        if request.method != "DELETE":
            return None
        digest = request.url.path.rsplit("/", 1)[1]
        refs = self.fake.manifests[REPO]
        if digest not in refs:
            body = {"errors": [{"code": "MANIFEST_UNKNOWN", "message": "manifest unknown"}]}
            return httpx.Response(404, json=body)
        for ref in [r for r, (raw, _) in refs.items() if digest_of(raw) == digest]:
            del refs[ref]
        return httpx.Response(202)

    def deletes_sent(self) -> list[str]:
        return [
            httpx.URL(r.url).path.rsplit("/", 1)[1]
            for r in self.fake.requests
            if r.method == "DELETE"
        ]

    def client(self) -> RegistryClient:
        return RegistryClient(self.fake.host, settings=FAST, http_transport=self.fake.transport())


def chain() -> tuple[Graph, dict[str, str]]:
    """The image 1.0; an SBOM and a signature refer to it, a signature to the SBOM (and
    that signature claims the image refers to it: a cycle); a chain five deep."""
    g = Graph()
    d: dict[str, str] = {}
    d["sbom"] = g.add("sbom", g.image, SPDX)
    d["sig"] = g.add("sig", g.image, SIG)
    d["c1"] = g.add("c1", g.image, SIG)
    d["sbom-sig"] = g.add("sbom-sig", d["sbom"], SIG)
    g.refers[d["sbom-sig"]] = [(g.image, SIG, 10), (d["sbom"], SPDX, 10)]  # back up: a cycle
    for i in range(2, 6):
        d[f"c{i}"] = g.add(f"c{i}", d[f"c{i - 1}"], SIG)
    return g, d


async def test_referrers_of_referrers_go_first_and_the_image_last() -> None:
    g, d = chain()
    async with g.client() as c:
        plan = await c.plan_delete(REPO, "1.0")
        assert [s.digest for s in plan.deletes] == [g.image]  # not asked: the image only
        plan = plan.including_referrers()
        expected = [d["sbom-sig"], d["sbom"], d["sig"], d["c4"], d["c3"], d["c2"], d["c1"]]
        assert [s.digest for s in plan.deletes] == [*expected, g.image]
        assert [s.depth for s in plan.deletes] == [2, 1, 1, 4, 3, 2, 1, 0]
        assert [s.role for s in plan.deletes][-1] == "image"
        assert plan.deletes[0].subject == d["sbom"]
        # c5 is five levels down: looked at, not deleted, said.
        assert plan.referrer_notes == (
            "1 artifact more than 4 levels of referrers down stay (not followed further)",
        )
        doc = plan_json(plan, deleted=False)
        assert [s["digest"] for s in doc["deletes"]] == [*expected, g.image]
        assert doc["withReferrers"] is True
        lines = describe(plan)
        start = lines.index("with its referrers, 8 manifests are deleted, in this order:")
        assert lines[start + 1].startswith(f"  1. a cosign signature {d['sbom-sig'][:19]}…")
        assert lines[start + 8].startswith(f"  8. the manifest itself, {g.image[:19]}…")
        await c.delete(plan)
    assert g.deletes_sent() == [*expected, g.image]
    assert sorted(g.fake.manifests[REPO]) == sorted(
        [d["c5"], "other", digest_of(g.fake.manifests[REPO]["other"][0])]
    )


async def test_a_failure_midway_stops_and_says_what_went_and_what_did_not(
    capsys: pytest.CaptureFixture[str],
) -> None:
    g, d = chain()
    g.fail_delete.add(d["sig"])
    async with g.client() as c:
        plan = (await c.plan_delete(REPO, "1.0")).including_referrers()
        with pytest.raises(PartialDelete) as caught:
            await c.delete(plan)
    exc = caught.value
    assert [s.digest for s in exc.deleted] == [d["sbom-sig"], d["sbom"]]
    assert [s.digest for s in exc.not_deleted] == [
        d["sig"],
        d["c4"],
        d["c3"],
        d["c2"],
        d["c1"],
        g.image,
    ]
    assert "500" in str(exc) and "2 of 8 manifests deleted" in str(exc)
    assert "\n" not in str(exc)
    sent = g.deletes_sent()
    assert g.image not in sent and d["c4"] not in sent
    assert set(sent) == {d["sbom-sig"], d["sbom"], d["sig"]}
    for name in ("sig", "c1", "c2", "c3", "c4", "c5"):
        assert g.stored(d[name])
    assert g.stored("1.0") and not g.stored(d["sbom"])

    # The CLI's account of it: the error, then one line each.
    from regview.cli.delete import _stopped

    class Args:
        json = False

    assert _stopped(plan, Args(), exc) == 1  # type: ignore[arg-type]
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 3
    assert err[0].startswith("regview: ") and "500" in err[0]
    assert err[1].startswith("regview: deleted (2 of 8): " + d["sbom-sig"] + " = a cosign")
    assert d["sbom"] in err[1] and g.image not in err[1]
    assert err[2].startswith("regview: not deleted (6 of 8): " + d["sig"] + " = a cosign")
    assert err[2].endswith(f"{g.image} = the manifest itself, {g.image[:19]}… (tag 1.0)")


async def test_a_referrer_deleted_meanwhile_is_not_a_failure() -> None:
    g, d = chain()
    async with g.client() as c:
        plan = (await c.plan_delete(REPO, "1.0")).including_referrers()
        del g.fake.manifests[REPO][d["sig"]]  # someone else deleted it
        await c.delete(plan)
    assert not g.stored("1.0") and not g.stored(g.image)
    assert d["sig"] in g.deletes_sent()  # asked, answered 404, went on


async def test_a_plan_not_including_referrers_deletes_as_before() -> None:
    g, d = chain()
    async with g.client() as c:
        plan = await c.plan_delete(REPO, "1.0")
        assert len(plan.referrer_deletes) == 7  # known, not chosen
        await c.delete(plan)
    assert g.deletes_sent() == [g.image]
    assert g.stored(d["sbom"]) and g.stored(d["sig"])


def _index(children: list[str]) -> bytes:
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [{"mediaType": OCI_MANIFEST, "digest": c, "size": 1} for c in children],
        }
    ).encode()


async def test_too_many_indexes_to_read_are_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeRegistry()
    child, _, _ = fake.push_image(REPO, "amd64")
    other, _, _ = fake.push_image(REPO, "arm64", label="arm")
    a = fake.push(REPO, "a-multi", _index([child, other]), OCI_INDEX)
    fake.push(REPO, "b-multi", _index([other]), OCI_INDEX)
    fake.push(REPO, "c-multi", _index([child]), OCI_INDEX)
    fake.push(REPO, "a-again", _index([child, other]), OCI_INDEX)  # a's digest once more
    monkeypatch.setattr(listed_by_module, "LISTING_CHECK_LIMIT", 2)
    async with RegistryClient(fake.host, settings=FAST, http_transport=fake.transport()) as c:
        plan = await c.plan_delete(REPO, child)
    # a (first tag a-again) and b are read; c, which lists it too, is past the bound.
    assert [(ix.digest, ix.tags) for ix in plan.listed_by] == [(a, ("a-again", "a-multi"))]
    assert plan.listed_by_unchecked == 1
    gets = [httpx.URL(r.url).path for r in fake.requests if r.method == "GET"]
    assert gets.count(f"/v2/{REPO}/manifests/{a}") == 1
    lines = describe(plan)
    assert (
        f"listed by the index tagged a-again, a-multi ({a[:19]}…): "
        "that index will point at a missing manifest"
    ) in lines
    assert "1 more index manifest tagged in the repository not checked for it" in lines[-1]
