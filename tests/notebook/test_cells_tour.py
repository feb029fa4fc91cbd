"""notebooks/tour.ipynb runs from top to bottom in a real kernel and shows what it says.

Expected values are read from the demo's OCI layouts with the standard library (json,
tarfile), not with regview.
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import nbformat
import pytest

from regview.demo import demo_path
from regview.notebook import DOCUMENT_MIME
from tests.notebook.conftest import KernelEnv, Outputs, make_kernel_env, run_notebook_in

TOUR = Path(__file__).resolve().parents[2] / "notebooks" / "tour.ipynb"


class Layout:
    """One demo layout, read by hand."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def blob(self, digest: str) -> bytes:
        algorithm, hexa = digest.split(":")
        return (self.root / "blobs" / algorithm / hexa).read_bytes()

    def json(self, digest: str) -> Any:
        return json.loads(self.blob(digest))

    def tags(self) -> dict[str, str]:
        index = json.loads((self.root / "index.json").read_text())
        return {
            d["annotations"]["org.opencontainers.image.ref.name"]: d["digest"]
            for d in index["manifests"]
            if "org.opencontainers.image.ref.name" in d.get("annotations", {})
        }


def outputs_of(nb: Any, source_start: str) -> Outputs:
    found = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith(source_start)]
    assert len(found) == 1, source_start
    return Outputs(found[0].outputs)


def test_the_tour_is_saved_without_outputs() -> None:
    nb = nbformat.read(str(TOUR), as_version=4)
    nbformat.validate(nb)
    assert all(not c.get("outputs") and c.get("execution_count") is None
               for c in nb.cells if c.cell_type == "code")
    assert nb.cells[-1].source == 'rv.explore("demo")'


@pytest.fixture(scope="module")
def toured(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    env: KernelEnv = make_kernel_env(tmp_path_factory.mktemp("tour"))
    nb = run_notebook_in(env, TOUR)
    return nb, demo_path(env.cache_dir)


def test_every_cell_runs_without_an_error(toured: tuple[Any, Path]) -> None:
    nb, _ = toured
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not Outputs(cell.outputs).errors, (cell.source, cell.outputs)


def test_tags_are_grouped_by_digest(toured: tuple[Any, Path]) -> None:
    nb, demo = toured
    tags = Layout(demo / "acme" / "web").tags()
    out = outputs_of(nb, 'ts = await rv.tags("acme/web"')
    doc = out.first(DOCUMENT_MIME)
    assert {t["tag"]: t["digest"] for t in doc["tags"]} == tags
    grouped = outputs_of(nb, "df = ts.to_pandas()").plain
    by_digest: dict[str, list[str]] = {}
    for tag, digest in tags.items():
        by_digest.setdefault(digest, []).append(tag)
    shared = [sorted(t) for t in by_digest.values() if len(t) > 1]
    assert shared, "the demo has tags that share a digest"
    for group in shared:
        assert any(all(t in line for t in group) for line in grouped.splitlines()), grouped


def test_the_big_listing_shows_a_head_and_a_count(toured: tuple[Any, Path]) -> None:
    nb, demo = toured
    count = len(Layout(demo / "stress" / "many-tags").tags())
    out = outputs_of(nb, 'many = await rv.tags("stress/many-tags"')
    assert f"first 50 of {count:,} tags" in out.html
    assert outputs_of(nb, "len(many.to_pandas())").plain == str(count)


def largest_files(layout: Layout, manifest: dict[str, Any]) -> list[tuple[str, int, int]]:
    """(path, size, layer) of the merged filesystem's files, by hand: later layers win."""
    merged: dict[str, tuple[int, int]] = {}
    for number, layer in enumerate(manifest["layers"], start=1):
        data = gzip.decompress(layout.blob(layer["digest"]))
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            for member in tar.getmembers():
                name = member.name.removeprefix("./").rstrip("/")
                if member.isfile():
                    merged[name] = (member.size, number)
                else:
                    merged.pop(name, None)
    return sorted(((p, s, n) for p, (s, n) in merged.items()), key=lambda r: (-r[1], r[0]))


def test_the_largest_files_of_the_merged_filesystem(toured: tuple[Any, Path]) -> None:
    nb, demo = toured
    layout = Layout(demo / "acme" / "web")
    index = layout.json(layout.tags()["1.10.0"])
    [arm] = [m for m in index["manifests"]
             if m.get("platform", {}).get("architecture") == "arm64"]
    expected = largest_files(layout, layout.json(arm["digest"]))[:5]
    out = outputs_of(nb, "files = fs.to_pandas()")
    lines = out.plain.splitlines()[1:]
    got = [(line.split()[1], int(line.split()[2]), int(line.split()[3])) for line in lines]
    assert got == expected


def test_the_image_and_its_layers(toured: tuple[Any, Path]) -> None:
    nb, demo = toured
    layout = Layout(demo / "acme" / "web")
    index = layout.json(layout.tags()["1.10.0"])
    [arm] = [m for m in index["manifests"]
             if m.get("platform", {}).get("architecture") == "arm64"]
    out = outputs_of(nb, 'img = await rv.image("acme/web:1.10.0"')
    assert out.first(DOCUMENT_MIME)["digest"] == arm["digest"]
    assert arm["digest"] in out.html
    layers = outputs_of(nb, "img.layers.to_pandas()").html
    for layer in layout.json(arm["digest"])["layers"]:
        assert layer["digest"][:40] in layers  # pandas cuts long cells


def test_the_referrers_and_the_widget(toured: tuple[Any, Path]) -> None:
    nb, _ = toured
    kinds = outputs_of(nb, 'rs.to_pandas()[["kind"').plain
    assert "signature" in kinds and "sbom" in kinds
    widget = outputs_of(nb, 'rv.explore("demo")')
    assert widget.data("application/vnd.jupyter.widget-view+json"), widget.summary()
    assert nb.metadata.get("widgets"), "nbclient saved the widget state"
