"""``await regview.notebook.analyze(ref)``: the figures of ``regview analyze`` in a cell,
on the image of tests/integration/test_analyze.py (whose figures are worked out by hand
there, from the layer contents)."""

from __future__ import annotations

from pathlib import Path

import pytest

import regview.notebook as rv
from tests.integration.test_analyze import SHIPPED, USER, WASTED, layer0, layer1, layer2
from tests.support.layer_builders import Layer, gz, write_image


@pytest.fixture(scope="module")
def layout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("nb-analyze") / "layout"
    write_image(root, [Layer(gz(layer0())), Layer(gz(layer1())), Layer(gz(layer2()))])
    return root


async def test_analyze_figures_rows_html_and_pandas(layout: Path, tmp_path: Path) -> None:
    a = await rv.analyze(f"oci:{layout}:latest", cache_dir=tmp_path)
    assert (a.shipped_bytes, a.user_bytes, a.wasted_bytes) == (SHIPPED, USER, WASTED)
    assert a.efficiency == pytest.approx(1490 / 2680)
    assert a.user_wasted_percent == pytest.approx(1190 / 490)
    # 1-based layers here, as people read them.
    assert [(r.path, r.wasted, r.layers, r.kept_layer, r.deleted_by) for r in a] == [
        ("opt/thing", 400, (1,), None, None),
        ("tmp/junk", 300, (1,), None, 2),
        ("bin/tool", 200, (1, 2), 2, None),
        ("etc/config", 100, (1, 2), 2, None),
        ("srv/re", 80, (1, 3), 3, None),
        ("var/cache/b", 60, (1,), None, 3),
        ("var/cache/a", 50, (1, 3), 3, None),
    ]
    html = a._repr_html_()
    assert "efficiency 55.60 %" in html and "wasted 1,190 bytes" in html
    assert "user wasted 242.86 %" in html
    assert "efficiency 55.60 %" in str(a)
    frame = a.to_pandas()
    assert list(frame.columns) == ["wasted", "total", "layers", "kept_layer", "deleted_by", "path"]
    assert int(frame.wasted.sum()) == WASTED
    doc = a.document()
    assert doc["wastedBytes"] == WASTED and doc["total"] == 7
