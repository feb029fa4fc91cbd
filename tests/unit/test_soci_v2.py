"""SOCI v2: the image manifest names its SOCI index (``com.amazon.soci.index-digest``), which
is fetched by that digest with no referrers lookup; an annotation naming nothing usable is
noted once and the referrers are looked through instead.

The images are OCI layouts laid out as ``soci convert`` writes them (tests/support/
soci_builders.py: an image index listing the annotated image and the SOCI index, which has
no subject); the zTOCs are written independently of regview (the flatbuffers Builder).
Expected bytes come from the tar (Python's tarfile offsets), never from regview.
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Sequence
from pathlib import Path

import pytest

from regview.registry.layers import LayerIndexer, TocStore, image_layers, read_file
from regview.registry.layers.gzip_index import available
from regview.registry.models import Descriptor
from tests.support import images
from tests.support import soci_builders as sb
from tests.support.images import Manifest
from tests.unit.test_layers_checkpoints import RecordingSource

KiB = 1024
DATA = {
    "etc/hostname": b"soci v2\n",
    "opt/blob.bin": bytes((i * 7) % 251 for i in range(300 * KiB)),
    "opt/last.txt": b"the end\n" * 1000,
}


TAR = sb.files_tar(DATA, tar_format=tarfile.GNU_FORMAT)
BLOB, _INFO, _RECORDS, ZTOC = sb.layer_ztoc(TAR, 64 * KiB)
BASE = sb.image_with_layer(BLOB, TAR)
INDEX = sb.soci_index_v2(BASE, ZTOC)


class CountingSource(RecordingSource):
    """An OCI layout that also counts referrers lookups."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.referrer_lookups: list[str] = []

    async def referrers(self, repository: str, digest: str) -> list[Descriptor]:
        self.referrer_lookups.append(digest)
        return await super().referrers(repository, digest)


def _layout(path: Path, named: str, extra: Sequence[tuple[str, Manifest]] = ()) -> Path:
    """A layout whose ``latest`` is ``soci convert``'s image index around the image
    annotated with ``named``; ``extra`` manifests are kept under their tags."""
    image = sb.annotated_image(BASE, named)
    tagged = {"latest": sb.soci_enabled_index(image, INDEX), **dict(extra)}
    return images.write_layout(path, tagged)


async def _cat(root: Path, path: str, cache: Path) -> tuple[bytes, list[str], CountingSource]:
    source = CountingSource(root)
    fetched, layers = await image_layers(source, "img", "latest")
    indexer = LayerIndexer(source, store=TocStore(cache))
    indexer.add_image(fetched.digest, layers)
    out = bytearray()
    source.reads.clear()
    await read_file(source, "img", layers, path, out.extend, indexer=indexer)
    return bytes(out), indexer.notes, source


def _member(name: str) -> tarfile.TarInfo:
    with tarfile.open(fileobj=io.BytesIO(TAR)) as tf:
        return tf.getmember(name)


async def test_the_annotated_index_serves_without_a_referrers_lookup(tmp_path: Path) -> None:
    if not available():
        pytest.skip("no system libz")
    root = _layout(tmp_path / "img", INDEX.digest)
    out, notes, source = await _cat(root, "/opt/last.txt", tmp_path / "cache")
    assert out == DATA["opt/last.txt"]
    assert notes == []
    assert source.referrer_lookups == []
    # The zTOC whole, then one range of the layer (never the whole layer).
    assert source.reads[0] == (0, None, len(ZTOC))
    ((offset, _length, got),) = source.reads[1:]
    m = _member("opt/last.txt")
    assert 0 < offset < len(BLOB) and got < len(BLOB)
    assert offset <= m.offset_data  # compressed offsets never pass uncompressed ones


def _v1_referrer(subject_named: str) -> Manifest:
    """A v1 SOCI index (subject: the image annotated with ``subject_named``)."""
    return sb.soci_index(sb.annotated_image(BASE, subject_named), ZTOC)


@pytest.mark.parametrize("bad", ["missing", "not-soci", "other-subject"])
async def test_an_annotation_naming_nothing_usable_is_noted_and_the_referrers_serve(
    tmp_path: Path, bad: str
) -> None:
    if not available():
        pytest.skip("no system libz")
    extra: list[tuple[str, Manifest]] = []
    if bad == "missing":
        named = images.sha256_digest(b"a SOCI index never written")
    elif bad == "not-soci":
        named = BASE.digest  # an image manifest, not a SOCI index
        extra.append(("base", BASE))
    else:
        # A v2 index whose subject is another image.
        other = images.artifact("soci", BASE, sb.SOCI_INDEX_V2, INDEX.layers[0], {})
        named = other.digest
        extra.append(("other", other))
    extra.append(("soci-v1", _v1_referrer(named)))
    root = _layout(tmp_path / "img", named, extra)
    out, notes, source = await _cat(root, "/etc/hostname", tmp_path / "cache")
    assert out == DATA["etc/hostname"]
    (note,) = notes
    assert "com.amazon.soci.index-digest" in note and "referrers" in note and "\n" not in note
    assert named[7:19] in note  # the digest it names, shortened
    image = sb.annotated_image(BASE, named)
    assert source.referrer_lookups == [image.digest]
    # The zTOC of the v1 referrer, then one range: the SOCI index still served.
    assert source.reads[0] == (0, None, len(ZTOC))
    ((_offset, length, got),) = source.reads[1:]
    assert length is not None and got == length < len(BLOB)
