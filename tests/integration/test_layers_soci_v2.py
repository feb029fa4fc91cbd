"""SOCI v2 against the real registry: the image manifest's ``com.amazon.soci.index-digest``
names the SOCI index, which is fetched by digest: ``cat`` is one Range GET of the layer
with no referrers request; an annotation naming a missing or non-SOCI manifest is noted
once and the image's referrers (a v1 index, through the tag schema) serve instead.

The layout is ``soci convert``'s (tests/support/soci_builders.py): a tagged image index
listing the annotated image and the SOCI index (pushed by digest, no subject, never
tagged as a referrer). zTOCs are written independently of regview, as in
test_layers_soci.py, whose layer (GNU tar of its files) this reuses; requests are read
from the registry's access log.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.test_layers_soci import EVERY, FILES, _gnu_tar, layer_gets
from tests.support import images
from tests.support import soci_builders as sb
from tests.support.cli import Regview
from tests.support.images import Manifest
from tests.support.publish import HttpPusher
from tests.support.registry import AccessLogEntry, RegistryServer

pytestmark = pytest.mark.integration

#: The variants, each a repository ``soci2/<name>``.
VARIANTS = ("good", "missing", "not-soci")


def push_manifest_tree(pusher: HttpPusher, repo: str, m: Manifest, tag: str | None) -> None:
    """Blobs, then child manifests by digest, then ``m`` (by ``tag`` or its digest)."""
    for child in m.children:
        push_manifest_tree(pusher, repo, child, None)
    for blob in ([m.config] if m.config else []) + list(m.layers):
        pusher.upload_blob(repo, blob.data, blob.digest)
    pusher.put_manifest(repo, tag or m.digest, m.raw, m.media_type)


def publish_soci_v2(registry: RegistryServer, work: Path) -> str:
    """Push ``soci2/good`` (the annotation names the SOCI index), ``soci2/missing`` (a
    digest never pushed) and ``soci2/not-soci`` (the original, unannotated image
    manifest); the two bad ones also have a v1 SOCI index as a referrer (tag schema)."""
    tar = _gnu_tar(work)
    blob, _info, _records, doc = sb.layer_ztoc(tar, EVERY)
    base = sb.image_with_layer(blob, tar)
    index = sb.soci_index_v2(base, doc)
    named = {
        "good": index.digest,
        "missing": images.sha256_digest(b"a SOCI index never pushed"),
        "not-soci": base.digest,
    }
    with HttpPusher(registry.url) as pusher:
        for name in VARIANTS:
            repo = f"soci2/{name}"
            image = sb.annotated_image(base, named[name])
            push_manifest_tree(pusher, repo, sb.soci_enabled_index(image, index), "latest")
            if name == "not-soci":
                pusher.put_manifest(repo, base.digest, base.raw, base.media_type)
            if name != "good":
                v1 = sb.soci_index(image, doc)
                push_manifest_tree(pusher, repo, v1, None)
                referrers = images.referrers_index(image, [v1])
                tag = images.referrers_tag(image.digest)
                pusher.put_manifest(repo, tag, referrers.raw, referrers.media_type)
    return registry.ref("soci2/{}", "latest")


@pytest.fixture(scope="module")
def soci_v2(registry: RegistryServer, tmp_path_factory: pytest.TempPathFactory) -> str:
    return publish_soci_v2(registry, tmp_path_factory.mktemp("soci-v2"))


def referrer_requests(entries: list[AccessLogEntry]) -> list[AccessLogEntry]:
    """Requests of the referrers API or of the referrers tag schema."""
    return [e for e in entries if "/referrers/" in e.path or "/manifests/sha256-" in e.path]


def test_the_layer_is_listed_from_the_annotated_index(
    regview: Regview, registry: RegistryServer, soci_v2: str
) -> None:
    with registry.recording() as reqs:
        out = regview("files", soci_v2.format("good"), "--layer", "1", "--json").ok()
    doc = out.json()
    assert doc["layer"]["origin"] == "soci"
    listed = {e["path"]: e["size"] for e in doc["entries"] if e["type"] == "file"}
    assert listed == {k: len(v) for k, v in FILES.items()}
    assert layer_gets(reqs) == [] and referrer_requests(reqs) == []
    assert out.stderr.strip() == ""


def test_cat_is_one_range_get_with_no_referrers_request(
    regview: Regview, registry: RegistryServer, soci_v2: str
) -> None:
    ref = soci_v2.format("good")
    for name in ("opt/zz-last.txt", "opt/middle.txt", "opt/first.txt"):
        cache = regview.cache_dir.parent / f"cache-v2-{name.replace('/', '_')}"
        with registry.recording() as reqs:
            out = regview("cat", ref, "/" + name, cache_dir=cache).ok()
        assert out.stdout == FILES[name], name
        assert out.stderr.strip() == "", name
        (ranged,) = layer_gets(reqs)
        assert ranged.status == 206, name
        assert referrer_requests(reqs) == [], [str(e) for e in reqs]


@pytest.mark.parametrize("variant", ["missing", "not-soci"])
def test_an_annotation_naming_no_soci_index_falls_back_to_the_referrers(
    regview: Regview, registry: RegistryServer, soci_v2: str, variant: str
) -> None:
    ref = soci_v2.format(variant)
    with registry.recording() as reqs:
        out = regview("cat", ref, "/opt/middle.txt").ok()
    assert out.stdout == FILES["opt/middle.txt"]
    (note,) = [line for line in out.stderr.splitlines() if line]
    assert note.startswith("regview: note: the SOCI index sha256:")
    assert "com.amazon.soci.index-digest" in note and "referrers" in note
    assert ("is not in soci2/missing" in note) == (variant == "missing")
    assert ("is not a SOCI v2 index" in note) == (variant == "not-soci")
    assert referrer_requests(reqs) != []
    # The v1 referrer's zTOC served: one range of the layer, never the whole of it.
    assert [e.status for e in layer_gets(reqs)] == [206]
