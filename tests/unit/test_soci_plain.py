"""zTOCs of uncompressed (plain tar) layers, ``compression_algorithm`` 2: the layer is
listed from the zTOC and a file read by one Range GET of its header and data; a zTOC
whose algorithm does not match the layer, or is not one the schema defines, is refused
with a note and the layer read instead.

The zTOCs are written by tests/support/soci_builders.py (the flatbuffers Builder, SOCI's
TarZinfo packed by hand); offsets and bytes come from Python's tarfile and the tar.
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from regview.registry import media_types as mt
from regview.registry.layers import LayerIndexer, TocStore, image_layers, read_file
from regview.registry.layers.gzip_index import available
from regview.registry.models import Descriptor
from tests.support import images
from tests.support import soci_builders as sb
from tests.unit.test_layers_checkpoints import RecordingSource

KiB = 1024
DATA = {
    "etc/hostname": b"plain\n",
    "opt/blob.bin": bytes((i * 11) % 253 for i in range(200 * KiB)),
    "opt/empty": b"",
    "opt/last.txt": b"the end\n" * 700,
}


TAR = sb.files_tar(DATA)
with tarfile.open(fileobj=io.BytesIO(TAR)) as _tf:
    MEMBERS = {m.name: m for m in _tf.getmembers()}
RECORDS, ZTOC = sb.plain_layer_ztoc(TAR, 64 * KiB)


def _layout(root: Path, blob: bytes, media_type: str, doc: bytes) -> Path:
    image = sb.image_with_layer(blob, TAR, media_type)
    return images.write_layout(root, {"latest": image, "soci": sb.soci_index(image, doc)})


async def _open(root: Path, cache: Path) -> tuple[RecordingSource, LayerIndexer, list[Descriptor]]:
    source = RecordingSource(root)
    fetched, layers = await image_layers(source, "img", "latest")
    indexer = LayerIndexer(source, store=TocStore(cache))
    indexer.add_image(fetched.digest, layers)
    source.reads.clear()
    return source, indexer, list(layers)


async def test_a_plain_layer_is_listed_from_its_ztoc(tmp_path: Path) -> None:
    source, indexer, layers = await _open(
        _layout(tmp_path / "img", TAR, mt.OCI_LAYER, ZTOC), tmp_path / "cache"
    )
    toc = await indexer.index("img", layers[0])
    assert (toc.origin, toc.compression) == ("soci", "none")
    assert {e.path: e.size for e in toc.entries if e.is_file} == {
        k: len(v) for k, v in DATA.items()
    }
    assert source.reads == [(0, None, len(ZTOC))]  # the zTOC only, not the layer
    assert indexer.notes == []


@pytest.mark.parametrize("name", list(DATA))
async def test_a_file_of_a_plain_layer_is_one_range_of_its_header_and_data(
    tmp_path: Path, name: str
) -> None:
    source, indexer, layers = await _open(
        _layout(tmp_path / "img", TAR, mt.OCI_LAYER, ZTOC), tmp_path / "cache"
    )
    out = bytearray()
    await read_file(source, "img", layers, "/" + name, out.extend, indexer=indexer)
    assert bytes(out) == DATA[name]
    assert indexer.notes == []
    m = MEMBERS[name]
    # The zTOC, then the 512-byte header before the data and the data, nothing more.
    assert source.reads == [
        (0, None, len(ZTOC)),
        (m.offset_data - 512, 512 + m.size, 512 + m.size),
    ]


async def test_wrong_offsets_in_a_plain_ztoc_are_refused_on_the_header(tmp_path: Path) -> None:
    doc = sb.ztoc(
        sb.shifted(RECORDS, 512),
        sb.tar_zinfo(len(TAR), 64 * KiB),
        compressed_size=len(TAR),
        uncompressed_size=len(TAR),
        max_span_id=0,
        algorithm=2,
    )
    source, indexer, layers = await _open(
        _layout(tmp_path / "img", TAR, mt.OCI_LAYER, doc), tmp_path / "cache"
    )
    out = bytearray()
    await read_file(source, "img", layers, "/opt/last.txt", out.extend, indexer=indexer)
    assert bytes(out) == DATA["opt/last.txt"]
    (note,) = indexer.notes
    assert "tar header" in note and "read instead" in note


@pytest.mark.parametrize("how", ["plain-ztoc-gzip-layer", "gzip-ztoc-plain-layer", "zstd"])
async def test_a_ztoc_not_matching_the_layers_compression_is_refused(
    tmp_path: Path, how: str
) -> None:
    if how == "plain-ztoc-gzip-layer":
        blob, media_type, doc = images.gzip_bytes(TAR), mt.OCI_LAYER_GZIP, ZTOC
    elif how == "gzip-ztoc-plain-layer":
        _blob, _info, _records, doc = sb.layer_ztoc(TAR, 64 * KiB)
        blob, media_type = TAR, mt.OCI_LAYER
    else:  # an algorithm the schema does not define (there is no zstd in its enum)
        blob, media_type = TAR, mt.OCI_LAYER
        doc = sb.ztoc(
            RECORDS,
            sb.tar_zinfo(len(TAR), 64 * KiB),
            compressed_size=len(TAR),
            uncompressed_size=len(TAR),
            max_span_id=0,
            algorithm=3,
        )
    if media_type == mt.OCI_LAYER_GZIP and not available():
        pytest.skip("no system libz")
    source, indexer, layers = await _open(
        _layout(tmp_path / "img", blob, media_type, doc), tmp_path / "cache"
    )
    out = bytearray()
    await read_file(source, "img", layers, "/opt/blob.bin", out.extend, indexer=indexer)
    assert bytes(out) == DATA["opt/blob.bin"]
    (note,) = indexer.notes
    assert "zTOC" in note and "not usable" in note and "read instead" in note
    expected = "compression algorithm is 3" if how == "zstd" else "unlike this one's media type"
    assert expected in note
    assert (0, None, len(blob)) in source.reads  # the layer, read whole
