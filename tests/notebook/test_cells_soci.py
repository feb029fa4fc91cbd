"""The notebook lists a SOCI-indexed layer from its zTOC, as the CLI does: ``files()``,
and the explorer's files view tell the indexer the image, so its SOCI
index (v1 through the referrers, v2 through the image's annotation) serves and the layer
blob is never fetched whole.

Run in this process (the cell coroutines and the explorer's loaders directly), against
the real registry, with the images of tests/integration/test_layers_soci*.py (zTOCs
written independently of regview; the expected files are those the tests wrote).
Requests are read from the registry's access log.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import regview.notebook as rv
from regview.notebook.explorer.files import FilesTarget, Progress, load_layer, load_merged
from regview.notebook.session import session
from regview.registry import LayerIndexer, TocStore, image_layers
from tests.integration.test_layers_soci import FILES, publish_soci
from tests.integration.test_layers_soci_v2 import publish_soci_v2
from tests.support.registry import AccessLogEntry, RegistryServer

pytestmark = pytest.mark.integration

FILE_SIZES = {name: len(data) for name, data in FILES.items()}


@pytest.fixture(scope="module")
def soci_refs(registry: RegistryServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The v1 (referrer) and v2 (annotation) images, by name."""
    v1 = publish_soci(registry, tmp_path_factory.mktemp("nb-soci-v1"))
    v2 = publish_soci_v2(registry, tmp_path_factory.mktemp("nb-soci-v2"))
    return {"v1": v1.format("good"), "v2": v2.format("good"), "truncated": v1.format("truncated")}


def whole_blob_gets(entries: list[AccessLogEntry]) -> list[AccessLogEntry]:
    """GETs of a blob answered whole (200) and larger than a zTOC (the 12 MB layer)."""
    return [
        e
        for e in entries
        if e.method == "GET"
        and "/blobs/" in e.path
        and e.status == 200
        and (e.sent or 0) > 4 * 1024 * 1024
    ]


def ranged_gets(entries: list[AccessLogEntry]) -> list[AccessLogEntry]:
    return [e for e in entries if e.method == "GET" and "/blobs/" in e.path and e.status == 206]


@pytest.mark.parametrize("version", ["v1", "v2"])
async def test_files_of_a_soci_layer_come_from_its_ztoc(
    registry: RegistryServer, soci_refs: dict[str, str], tmp_path: Path, version: str
) -> None:
    with registry.recording() as reqs:
        fs = await rv.files(soci_refs[version], layer=1, plain_http=True, cache_dir=tmp_path)
    assert {r.path: r.size for r in fs if r.type == "file"} == FILE_SIZES
    assert whole_blob_gets(reqs) == [] and ranged_gets(reqs) == []


async def test_analyze_of_a_soci_image_reads_the_layers_themselves(
    registry: RegistryServer, soci_refs: dict[str, str], tmp_path: Path
) -> None:
    """``analyze()`` (as ``regview analyze``) does not trust a zTOC: its figures can fail
    a CI job, and only the layer itself can be checked against the config's diff_id."""
    with registry.recording() as reqs:
        a = await rv.analyze(soci_refs["v2"], plain_http=True, cache_dir=tmp_path)
    assert a.wasted_bytes == 0  # one layer: nothing is hidden
    assert len(whole_blob_gets(reqs)) == 1 and ranged_gets(reqs) == []


@pytest.mark.parametrize("view", ["layer", "merged"])
async def test_the_explorer_files_view_lists_a_soci_layer_from_its_ztoc(
    registry: RegistryServer, soci_refs: dict[str, str], tmp_path: Path, view: str
) -> None:
    s = session(plain_http=True, cache_dir=tmp_path)
    source, ref = s.resolve(soci_refs["v1"])
    fetched, layers = await image_layers(source, ref.repository, ref.reference)
    indexer = LayerIndexer(source, store=TocStore(tmp_path / "layers"))
    with registry.recording() as reqs:
        if view == "layer":
            # As the explorer opens a layer node: its parent image's digest, the layer.
            target = FilesTarget(
                ref.repository, fetched.digest, "layer 1 files", layer=layers[0], layer_index=0
            )
            _tree, toc = await load_layer(indexer, target, Progress(layers))
            tocs = [toc]
        else:
            target = FilesTarget(ref.repository, ref.reference, "merged filesystem")
            _tree, merged = await load_merged(indexer, target, Progress(layers))
            tocs = list(merged.layer_tocs)
    assert [t.origin for t in tocs] == ["soci"]
    assert {e.path: e.size for e in tocs[0].entries if e.is_file} == FILE_SIZES
    assert whole_blob_gets(reqs) == [] and ranged_gets(reqs) == []


async def test_a_refused_ztoc_is_said_in_the_result(
    soci_refs: dict[str, str], tmp_path: Path
) -> None:
    """A zTOC regview cannot use is noted (as the CLI prints it on stderr): in the
    result's ``notes``, its HTML heading, its text and its document."""
    fs = await rv.files(soci_refs["truncated"], layer=1, plain_http=True, cache_dir=tmp_path)
    assert {r.path: r.size for r in fs if r.type == "file"} == FILE_SIZES  # read instead
    (note,) = fs.notes
    assert note.startswith("the SOCI zTOC of layer") and "not usable" in note
    assert f"note: {note}" in str(fs)
    assert "regview-note" in fs._repr_html_() and "not usable" in fs._repr_html_()
    assert fs.document()["notes"] == [note]
