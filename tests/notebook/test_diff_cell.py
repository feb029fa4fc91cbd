"""``await regview.notebook.diff(a, b)``: one row per change, HTML with every string
escaped, ``to_pandas()``; in process and in a real kernel.

The images are OCI layouts built with tarfile (tests/support/diff_images.py); the
expected rows are written by hand from their layer contents.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import regview.notebook as rv
from tests.notebook.conftest import Kernel
from tests.support.diff_images import CONFIG_A, layers_a, write_a, write_b
from tests.support.layer_builders import write_image


@pytest.fixture(scope="module")
def layouts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("diff-layouts")
    hostile = {
        **CONFIG_A,
        "config": {**CONFIG_A["config"], "Labels": {"x": "<script>alert(1)</script>"}},
    }
    return {
        "a": write_a(root / "a"),
        "b": write_b(root / "b"),
        "hostile": write_image(root / "hostile", layers_a(), config_fields=hostile),
    }


async def test_one_row_per_change_section_by_section(
    layouts: dict[str, Path], tmp_path: Path
) -> None:
    d = await rv.diff(f"oci:{layouts['a']}", f"oci:{layouts['b']}", cache_dir=tmp_path)
    assert not d.equal
    frame = d.to_pandas()
    assert list(frame.columns) == [
        "section", "change", "name", "before", "after", "detail", "layer_a", "layer_b",
    ]
    counts = frame.groupby("section").size().to_dict()
    # By hand: 3 layers not shared (1 removed, 2 added); 11 config keys; 3 history steps;
    # 6 sizes (every one differs); 14 paths.
    assert counts == {"manifest": 3, "config": 11, "history": 3, "sizes": 6, "files": 14}
    files = frame[frame.section == "files"].set_index("name")
    conf = files.loc["etc/conf"]
    assert (conf.change, conf.before, conf.after, conf.layer_a, conf.layer_b) == (
        "changed", "file", "file", 1, 2,
    )
    assert conf.detail.startswith("content ")
    mode = files.loc["etc/mode"]
    assert mode.detail == "mode -rw-r--r-- → -rwxr-xr-x"
    tool = files.loc["bin/tool"]
    assert (tool.before, tool.after) == ("file", "symlink")
    readd = files.loc["etc/readd"]
    assert (readd.layer_a, readd.layer_b) == (1, 3)  # 1 is the bottom layer
    assert files.loc["etc/gone"].change == "removed"
    assert files.loc["var/cache/c"].change == "added"
    config = frame[frame.section == "config"].set_index("name")
    assert (config.loc["labels version"].before, config.loc["labels version"].after) == ("1", "2")
    assert config.loc["env MODE"].change == "removed"


async def test_the_same_image_twice_is_equal(layouts: dict[str, Path], tmp_path: Path) -> None:
    d = await rv.diff(f"oci:{layouts['b']}", f"oci:{layouts['b']}:latest", cache_dir=tmp_path)
    assert d.equal and len(d) == 0
    assert "0 differences" not in d._repr_html_() and "equal" in d._repr_html_()
    assert str(d).splitlines()[1] == "equal"


async def test_registry_text_is_escaped_in_the_html(
    layouts: dict[str, Path], tmp_path: Path
) -> None:
    d = await rv.diff(f"oci:{layouts['a']}", f"oci:{layouts['hostile']}", cache_dir=tmp_path)
    html = d._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    bundle: dict[str, Any] = d._repr_mimebundle_()
    assert "<script>" not in bundle["text/html"]


def test_in_a_kernel_the_diff_displays_as_html(kernel: Kernel, layouts: dict[str, Path]) -> None:
    out = kernel.run(
        "import regview.notebook as rv\n"
        f"d = await rv.diff('oci:{layouts['a']}', 'oci:{layouts['b']}')\n"
        "d"
    )
    assert "Diff of" in out.html and "etc/conf" in out.html
    assert kernel.value("len(d.to_pandas())") == 37
