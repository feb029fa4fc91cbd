"""An image with a SOCI index, against the real registry: the layer is listed from its zTOC
and the first ``cat`` is one Range GET; damaged zTOCs fall back to reading the layer.

soci-snapshotter cannot be built here (no network), so the zTOCs are written by
tests/support/soci_builders.py, independently of regview (the flatbuffers Builder; zran
points at full-flush positions of a layer gzipped by Python's zlib, windows inflated by
Python's zlib). The tar is GNU tar's; the expected bytes are the files the test wrote.
The SOCI index is an OCI artifact whose ``subject`` is the image, found through the
referrers tag schema (docker-registry 2.8 has no referrers API), as soci-snapshotter's
``soci push`` does on such registries. Requests are counted from the registry's log.
"""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest

from tests.support import images
from tests.support import soci_builders as sb
from tests.support.cli import Regview
from tests.support.publish import HttpPusher, run_parallel, skopeo_copy_args
from tests.support.registry import AccessLogEntry, RegistryServer

pytestmark = pytest.mark.integration

MiB = 1024 * 1024
FILES = {
    "opt/first.txt": b"first\n",
    "opt/noise-1.bin": random.Random(21).randbytes(5 * MiB),
    "opt/middle.txt": b"".join(b"line %d of the middle file\n" % i for i in range(60_000)),
    "opt/noise-2.bin": random.Random(22).randbytes(5 * MiB),
    "opt/zz-last.txt": b"".join(b"last %d\n" % i for i in range(20_000)),
}
EVERY = MiB  # a restart point every MiB of tar
#: The digest of each variant's zTOC blob, filled in by :func:`publish_soci`.
ZTOC_DIGESTS: dict[str, str] = {}


def _gnu_tar(work: Path) -> bytes:
    root = work / "root"
    for name, data in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    tar = work / "layer.tar"
    subprocess.run(
        [
            *("tar", "--sort=name", "--mtime=@1700000000", "--owner=0", "--group=0"),
            *("-C", str(root), "-cf", str(tar), *FILES),
        ],
        check=True,
    )
    return tar.read_bytes()


@pytest.fixture(scope="module")
def soci_images(registry: RegistryServer, tmp_path_factory: pytest.TempPathFactory) -> str:
    return publish_soci(registry, tmp_path_factory.mktemp("soci"))


def publish_soci(registry: RegistryServer, work: Path) -> str:
    """Push ``soci/good``, ``soci/shifted`` and ``soci/truncated``; a reference with a
    ``{}`` for the name."""
    tar = _gnu_tar(work)
    blob, info, records, good = sb.layer_ztoc(tar, EVERY)
    shifted = sb.ztoc(
        sb.shifted(records, 512),  # every file's data one block later: wrong
        info,
        compressed_size=len(blob),
        uncompressed_size=len(tar),
        max_span_id=0,
    )
    variants = {"good": good, "shifted": shifted, "truncated": good[: len(good) // 3]}
    ZTOC_DIGESTS.update({name: images.sha256_digest(doc) for name, doc in variants.items()})
    # The same image in three repositories, each with its own SOCI index referrer, pushed
    # by digest after the image (as ``soci push`` does), then the referrers tag schema's
    # index (skopeo cannot push that index unchanged: see tests.support.publish).
    image = sb.image_with_layer(blob, tar)
    socis = {name: sb.soci_index(image, doc) for name, doc in variants.items()}
    layouts = {
        name: images.write_layout(work / f"layout-{name}", {"image": image, "soci": soci})
        for name, soci in socis.items()
    }
    run_parallel(
        [
            skopeo_copy_args(f"oci:{layout}:image", registry.ref(f"soci/{name}", "latest"))
            for name, layout in layouts.items()
        ]
    )
    run_parallel(
        [
            skopeo_copy_args(f"oci:{layouts[name]}:soci", registry.ref(f"soci/{name}", soci.digest))
            for name, soci in socis.items()
        ]
    )
    with HttpPusher(registry.url) as pusher:
        for name, soci in socis.items():
            referrers = images.referrers_index(image, [soci])
            tag = images.referrers_tag(image.digest)
            pusher.put_manifest(f"soci/{name}", tag, referrers.raw, referrers.media_type)
    return registry.ref("soci/{}", "latest")


def layer_gets(entries: list[AccessLogEntry]) -> list[AccessLogEntry]:
    """GETs of the (12 MB) layer blob: a zTOC is a few hundred KB, configs are tiny."""
    return [
        e
        for e in entries
        if e.method == "GET"
        and "/blobs/sha256:" in e.path
        and (e.status == 206 or (e.sent or 0) > 4 * MiB)
    ]


def test_the_layer_is_listed_from_its_ztoc_without_reading_it(
    regview: Regview, registry: RegistryServer, soci_images: str
) -> None:
    ref = soci_images.format("good")
    with registry.recording() as reqs:
        out = regview("files", ref, "--layer", "1", "--json").ok().json()
    assert out["layer"]["origin"] == "soci"
    listed = {e["path"]: e["size"] for e in out["entries"] if e["type"] == "file"}
    assert listed == {k: len(v) for k, v in FILES.items()}
    assert layer_gets(reqs) == []


def test_the_first_cat_is_one_range_get_from_the_ztocs_point(
    regview: Regview, registry: RegistryServer, soci_images: str
) -> None:
    ref = soci_images.format("good")
    for name in ("opt/zz-last.txt", "opt/middle.txt", "opt/first.txt"):
        cache = regview.cache_dir.parent / f"cache-{name.replace('/', '_')}"
        with registry.recording() as reqs:
            out = regview("cat", ref, "/" + name, cache_dir=cache).ok()
        assert out.stdout == FILES[name], name
        (ranged,) = layer_gets(reqs)
        assert ranged.status == 206, name
        # From the point before the file's header to the first one past its end: at most
        # two spacings of compressed data plus the file's own (random data: its size).
        assert ranged.sent is not None and ranged.sent <= 2 * EVERY + len(FILES[name]) + 4096


def test_a_ztoc_with_wrong_offsets_is_noted_and_the_layer_streamed(
    regview: Regview, registry: RegistryServer, soci_images: str
) -> None:
    ref = soci_images.format("shifted")
    with registry.recording() as reqs:
        out = regview("cat", ref, "/opt/middle.txt").ok()
    assert out.stdout == FILES["opt/middle.txt"]
    (note,) = [line for line in out.stderr.splitlines() if line]
    assert "zTOC" in note and "read instead" in note and "Traceback" not in out.stderr
    # The range from the zTOC (refused on the header before any byte), then the stream.
    assert [e.status for e in layer_gets(reqs)] == [206, 200]


def test_a_truncated_ztoc_is_noted_and_the_layer_indexed_whole(
    regview: Regview, registry: RegistryServer, soci_images: str
) -> None:
    ref = soci_images.format("truncated")
    with registry.recording() as reqs:
        out = regview("cat", ref, "/opt/zz-last.txt").ok()
    assert out.stdout == FILES["opt/zz-last.txt"]
    (note,) = [line for line in out.stderr.splitlines() if line]
    assert note.startswith("regview: note: the SOCI zTOC of layer") and "not usable" in note
    # Indexed whole by regview (its own checkpoints), then one range.
    assert [e.status for e in layer_gets(reqs)] == [200, 206]


def test_a_second_cat_uses_the_ztoc_kept_in_the_cache(
    regview: Regview, registry: RegistryServer, soci_images: str
) -> None:
    ref = soci_images.format("good")
    cache = regview.cache_dir.parent / "cache-kept"
    regview("cat", ref, "/opt/first.txt", cache_dir=cache).ok()
    assert any(cache.rglob("*.ckpt"))  # the zTOC's points, kept as our checkpoints
    with registry.recording() as reqs:
        out = regview("cat", ref, "/opt/middle.txt", cache_dir=cache).ok()
    assert out.stdout == FILES["opt/middle.txt"]
    (ranged,) = layer_gets(reqs)
    assert ranged.status == 206
    # The zTOC (hundreds of KB) is not read again: no other blob GET but tiny ones.
    others = [e for e in reqs if e.method == "GET" and "/blobs/" in e.path and e is not ranged]
    assert all((e.sent or 0) < 4096 for e in others), [str(e) for e in others]


@pytest.mark.parametrize("variant", ["shifted", "truncated"])
def test_a_refused_ztoc_is_not_fetched_again_by_later_runs(
    regview: Regview, registry: RegistryServer, soci_images: str, variant: str
) -> None:
    ref = soci_images.format(variant)
    cache = regview.cache_dir.parent / f"cache-refused-{variant}"
    ztoc_path = f"/v2/soci/{variant}/blobs/{ZTOC_DIGESTS[variant]}"
    runs = []
    for name in ("opt/middle.txt", "opt/zz-last.txt", "opt/first.txt"):
        with registry.recording() as reqs:
            out = regview("cat", ref, "/" + name, cache_dir=cache).ok()
        assert out.stdout == FILES[name], name
        notes = [line for line in out.stderr.splitlines() if line]
        ztoc_gets = [e for e in reqs if e.method == "GET" and e.path == ztoc_path]
        runs.append((len(ztoc_gets), notes))
    # Fetched and refused once, with the reason; never fetched again.
    assert [count for count, _ in runs] == [1, 0, 0]
    first_notes = runs[0][1]
    assert len(first_notes) == 1 and "zTOC" in first_notes[0], first_notes
    # Later runs say why the layer is read (the refusal kept) until the layer's own TOC is
    # in the cache: the truncated zTOC's first run indexed the layer whole, the shifted
    # one's only streamed to the file, so its second run indexes the layer, saying why.
    later = [note for _, notes in runs[1:] for note in notes]
    assert len(later) == (1 if variant == "shifted" else 0), later
    assert all("found unusable before" in note for note in later), later
