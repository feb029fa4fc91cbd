"""Layers read whole are checked against the image config's ``rootfs.diff_ids``: the TOC
records the sha256 of the uncompressed tar (fresh and read back from the store), and a
layer that does not match its config is refused by the API, ``files``, ``cat`` and the
files view of the explorer."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path
from typing import Any

import pytest

from regview.cli import main
from regview.registry import media_types as mt
from regview.registry.errors import DigestMismatch
from regview.registry.layers import (
    LayerIndexer,
    TocStore,
    check_diff_id,
    image_layers,
    read_file,
    verify_diff_ids,
)
from regview.registry.layers.image import image_diff_ids
from regview.registry.layers.store import encode_toc
from regview.registry.oci_layout import OciLayoutSource
from tests.support.layer_builders import (
    DiffIds,
    Layer,
    TarBuilder,
    diff_id_of,
    estargz,
    gz,
    sample_tar,
    sha256,
    write_image,
    zst,
    zstd_chunked,
)

#: Three layers with distinct contents, bottom first.
TARS = [
    TarBuilder().dir("etc").file("etc/os-release", b"ID=test\n").bytes(),
    TarBuilder().dir("usr").file("usr/app", b"app v1\n" * 100).bytes(),
    TarBuilder().file("etc/motd", b"hello\n").bytes(),
]


def wrong_at(position: int) -> DiffIds:
    """diff_ids with the one at ``position`` (0-based) replaced by another digest."""

    def change(real: list[str]) -> list[str]:
        out = list(real)
        out[position] = sha256(b"not this layer")
        return out

    return change


def three_layers() -> list[Layer]:
    return [
        Layer(gz(TARS[0])),
        Layer(zst(TARS[1], frames=2), mt.OCI_LAYER_ZSTD),
        Layer(gz(TARS[2])),
    ]


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("REGVIEW_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


async def index_image(
    root: Path, store: TocStore | None = None, *, full: bool = False
) -> tuple[OciLayoutSource, Any, Any, list[Any]]:
    source = OciLayoutSource(root)
    fetched, layers = await image_layers(source, "img", "latest")
    tocs = await LayerIndexer(source, store=store).index_all("img", layers, full=full)
    return source, fetched, layers, tocs


# --- the TOC records the diff_id --------------------------------------------------------


async def test_a_toc_read_whole_carries_the_sha256_of_the_uncompressed_tar(
    tmp_path: Path,
) -> None:
    raw = sample_tar()
    layers = [
        Layer(gz(raw, members=3)),
        Layer(zst(raw, frames=3), mt.OCI_LAYER_ZSTD),
        Layer(raw, mt.OCI_LAYER),
    ]
    write_image(tmp_path / "img", layers)
    store = TocStore(tmp_path / "cache")
    source, fetched, descriptors, tocs = await index_image(tmp_path / "img", store)
    expected = sha256(raw)
    assert [t.compression for t in tocs] == ["gzip", "zstd", "none"]
    assert [t.diff_id for t in tocs] == [expected] * 3
    # A plain tar is its own uncompressed content: its diff_id is its blob digest.
    assert descriptors[2].digest == expected
    await verify_diff_ids(source, "img", fetched, enumerate(tocs))

    # Read back from disk by a new store (a new process), the diff_id is still there.
    again = TocStore(tmp_path / "cache")
    for d in descriptors:
        stored = again.get(d.digest)
        assert stored is not None and stored.diff_id == expected
    phases: list[str] = []
    cached = await LayerIndexer(source, store=TocStore(tmp_path / "cache")).index_all(
        "img", descriptors, progress=lambda p: phases.append(p.phase)
    )
    assert phases == ["cached"] * 3
    assert [t.diff_id for t in cached] == [expected] * 3
    await verify_diff_ids(source, "img", fetched, enumerate(cached))


async def test_a_toc_stored_without_a_diff_id_still_loads(tmp_path: Path) -> None:
    write_image(tmp_path / "img", [Layer(gz(TARS[0]))])
    store = TocStore(tmp_path / "cache")
    _, _, descriptors, tocs = await index_image(tmp_path / "img", store)
    digest = descriptors[0].digest
    path = store.path_for(digest)
    assert path is not None and path.is_file()
    obj = json.loads(encode_toc(tocs[0]))
    assert obj["diffId"] == diff_id_of(gz(TARS[0]))
    del obj["diffId"]  # what an older regview wrote
    path.write_bytes(gzip.compress(json.dumps(obj).encode()))
    old = TocStore(tmp_path / "cache").get(digest)
    assert old is not None
    assert old.diff_id is None
    assert [e.path for e in old.entries] == [e.path for e in tocs[0].entries]

    obj["diffId"] = 42  # a wrong type is a corrupt file: dropped, the layer read again
    path.write_bytes(gzip.compress(json.dumps(obj).encode()))
    fresh = TocStore(tmp_path / "cache")
    assert fresh.get(digest) is None and fresh.dropped == 1


async def test_an_embedded_toc_has_no_diff_id_and_is_not_checked(tmp_path: Path) -> None:
    blob, annotations = estargz(sample_tar())
    chunked, chunked_annotations = zstd_chunked(sample_tar())
    layers = [
        Layer(blob, annotations=annotations),
        Layer(chunked, mt.OCI_LAYER_ZSTD, chunked_annotations),
    ]
    write_image(tmp_path / "img", layers, diff_ids=lambda real: [sha256(b"?")] * 2)
    source, fetched, _, tocs = await index_image(tmp_path / "img")
    assert [(t.origin, t.diff_id) for t in tocs] == [("estargz", None), ("zstd:chunked", None)]
    await verify_diff_ids(source, "img", fetched, enumerate(tocs))  # nothing to check

    _, _, _, full = await index_image(tmp_path / "img", full=True)
    assert [t.diff_id for t in full] == [diff_id_of(blob), sha256(sample_tar())]
    with pytest.raises(DigestMismatch, match=r"^layer 1 \(sha256:"):
        await verify_diff_ids(source, "img", fetched, enumerate(full))


# --- mismatches -------------------------------------------------------------------------


async def test_a_wrong_diff_id_names_the_layer(tmp_path: Path) -> None:
    layers = three_layers()
    write_image(tmp_path / "img", layers, diff_ids=wrong_at(1))
    source, fetched, descriptors, tocs = await index_image(tmp_path / "img")
    with pytest.raises(DigestMismatch) as caught:
        await verify_diff_ids(source, "img", fetched, enumerate(tocs))
    short = descriptors[1].digest[:19]
    actual = diff_id_of(layers[1].blob)
    assert str(caught.value) == (
        f"layer 2 ({short}…): its uncompressed content is {actual[:19]}…, "
        f"but the image config says {sha256(b'not this layer')[:19]}…"
    )
    assert (caught.value.actual, caught.value.expected) == (actual, sha256(b"not this layer"))
    # Only the layers actually read are checked: the others are fine on their own.
    await verify_diff_ids(source, "img", fetched, [(0, tocs[0]), (2, tocs[2])])


@pytest.mark.parametrize(
    ("change", "listed"),
    [(lambda real: real[:2], 2), (lambda real: [*real, sha256(b"extra")], 4)],
    ids=["fewer", "more"],
)
async def test_a_config_with_another_number_of_diff_ids_is_a_mismatch(
    tmp_path: Path, change: DiffIds, listed: int
) -> None:
    write_image(tmp_path / "img", three_layers(), diff_ids=change)
    source, fetched, _, tocs = await index_image(tmp_path / "img")
    assert len(await image_diff_ids(source, "img", fetched)) == listed
    with pytest.raises(DigestMismatch, match=rf"^layer 1 .* lists {listed} diff_ids for 3 layers"):
        await verify_diff_ids(source, "img", fetched, enumerate(tocs))
    with pytest.raises(DigestMismatch, match=r"^layer 3 "):
        await verify_diff_ids(source, "img", fetched, [(2, tocs[2])])


def test_check_diff_id_rules() -> None:
    good = sha256(b"layer")
    blob = sha256(b"blob")
    check_diff_id(0, blob, good, [good], 1)
    check_diff_id(0, blob, None, [sha256(b"other")], 1)  # no diff_id known: not checked
    check_diff_id(0, blob, good, ["sha512:" + "0" * 128], 1)  # not computed: not checked
    for wrong in (sha256(b"other"), "garbage", ""):
        with pytest.raises(DigestMismatch, match=r"^layer 1 \(sha256:"):
            check_diff_id(0, blob, good, [wrong], 1)
    with pytest.raises(DigestMismatch, match="lists 0 diff_ids for 1 layers"):
        check_diff_id(0, blob, good, [], 1)


async def test_read_file_refuses_a_layer_read_whole_that_does_not_match(
    tmp_path: Path,
) -> None:
    write_image(tmp_path / "img", three_layers(), diff_ids=wrong_at(2))
    source = OciLayoutSource(tmp_path / "img")
    fetched, layers = await image_layers(source, "img", "latest")
    diff_ids = await image_diff_ids(source, "img", fetched)
    out = io.BytesIO()
    # /usr/app is in layer 2: layer 3 above is read whole first, and refused.
    with pytest.raises(DigestMismatch, match=r"^layer 3 \("):
        await read_file(source, "img", layers, "/usr/app", out.write, diff_ids=diff_ids)
    assert out.getvalue() == b""
    # The top layer is read whole before any of its files is written (a later copy of
    # the path would win), so its mismatch is found before any output, --verify or not.
    for verify in (False, True):
        with pytest.raises(DigestMismatch, match=r"^layer 3 \("):
            await read_file(
                source, "img", layers, "/etc/motd", out.write, diff_ids=diff_ids, verify=verify
            )
        assert out.getvalue() == b""
    # Without the config nothing is compared (the API's previous behaviour).
    found = await read_file(source, "img", layers, "/usr/app", out.write)
    assert found.layer == 1


async def test_read_file_checks_a_cached_toc(tmp_path: Path) -> None:
    write_image(tmp_path / "img", three_layers(), diff_ids=wrong_at(2))
    source = OciLayoutSource(tmp_path / "img")
    fetched, layers = await image_layers(source, "img", "latest")
    indexer = LayerIndexer(source)
    await indexer.index_all("img", layers)
    diff_ids = await image_diff_ids(source, "img", fetched)
    out = io.BytesIO()
    with pytest.raises(DigestMismatch, match=r"^layer 3 \("):
        await read_file(
            source, "img", layers, "/etc/motd", out.write, indexer=indexer, diff_ids=diff_ids
        )
    assert out.getvalue() == b""


# --- the command line -------------------------------------------------------------------


def test_files_refuses_a_layer_with_a_wrong_diff_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layers = three_layers()
    write_image(tmp_path / "img", layers, diff_ids=wrong_at(1))
    ref = f"oci:{tmp_path / 'img'}"
    digest = sha256(layers[1].blob)
    for args in ([], ["--json"], ["--layer", "2"], ["--layer", "-2", "--json"]):
        assert main(["files", ref, *args]) == 1, args
        captured = capsys.readouterr()
        assert captured.out == ""
        assert captured.err.startswith(f"regview: layer 2 ({digest[:19]}…): its uncompressed")
        assert "but the image config says" in captured.err
        assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    # The layers that match are listed (only the layers read are checked).
    assert main(["files", ref, "--layer", "1"]) == 0
    assert "etc/os-release" in capsys.readouterr().out
    assert main(["files", ref, "--layer", "3"]) == 0
    # The TOC is cached, but the check is the image's: a second run fails the same way.
    assert main(["files", ref]) == 1
    assert "layer 2 (" in capsys.readouterr().err


def test_files_and_cat_accept_a_correct_image(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_image(tmp_path / "img", three_layers(), platforms=("linux/arm64",))
    ref = f"oci:{tmp_path / 'img'}"
    assert main(["files", ref, "--platform", "linux/arm64"]) == 0
    assert "usr/app" in capsys.readouterr().out
    assert main(["cat", ref, "/usr/app", "--platform", "linux/arm64", "--verify"]) == 0
    assert capsys.readouterr().out == "app v1\n" * 100


def test_cat_refuses_a_layer_with_a_wrong_diff_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_image(tmp_path / "img", three_layers(), diff_ids=wrong_at(2))
    ref = f"oci:{tmp_path / 'img'}"
    assert main(["cat", ref, "/usr/app"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("regview: layer 3 (sha256:")
    assert captured.err.count("\n") == 1


def test_files_full_checks_an_embedded_toc_layer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blob, annotations = estargz(sample_tar())
    write_image(tmp_path / "img", [Layer(blob, annotations=annotations)], diff_ids=wrong_at(0))
    ref = f"oci:{tmp_path / 'img'}"
    assert main(["files", ref, "--layer", "1", "--json"]) == 0  # its own TOC: not checked
    assert json.loads(capsys.readouterr().out)["layer"]["origin"] == "estargz"
    assert main(["files", ref, "--layer", "1", "--full"]) == 1
    assert capsys.readouterr().err.startswith("regview: layer 1 (sha256:")


# --- the explorer -----------------------------------------------------------------------


@pytest.mark.parametrize("one_layer", [True, False], ids=["layer", "merged"])
async def test_the_files_view_shows_the_mismatch_as_an_error(
    tmp_path: Path, one_layer: bool
) -> None:
    from regview.tui.app import create_app
    from regview.tui.screens.files import FilesScreen, LayerTarget
    from tests.tui.helpers import screen_text, settle

    write_image(tmp_path / "layout" / "img", three_layers(), diff_ids=wrong_at(1))
    source = OciLayoutSource(tmp_path / "layout")
    fetched, layers = await image_layers(source, "img", "latest")
    if one_layer:
        target = LayerTarget("img", fetched.digest, ("latest",), layers[1], 1, 3)
    else:
        target = LayerTarget("img", fetched.digest, ("latest",))
    app = create_app(source, repository="img", reference="latest")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(FilesScreen(target, app.indexer, source.name))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FilesScreen)
        assert screen.error is not None
        assert screen.error.startswith(f"layer 2 ({layers[1].digest[:19]}…): its uncompressed")
        assert screen.file_tree is None
        text = screen_text(app)
        assert f"⚠ layer 2 ({layers[1].digest[:19]}…): its uncompressed content is" in text
        assert "Traceback" not in text
        assert any(n.severity == "error" for n in app._notifications)
