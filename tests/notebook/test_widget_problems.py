"""The explorer widget's details list image-spec problems under ⚠ (no kernel, no browser)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from regview.notebook.widget import explore
from tests.notebook.widget_support import FrontEnd
from tests.tui.spec_layouts import build_spec_problems


async def test_the_image_details_head_with_its_problems_and_its_configs(tmp_path: Path) -> None:
    root = build_spec_problems(tmp_path / "layouts")
    front = FrontEnd(explore(f"oci:{root}", cache_dir=tmp_path / "c", state_dir=tmp_path / "s"))
    await front.idle()
    await front.open_row("repos", "spec/problems")
    await front.open_row("tags", "v1")
    blocks: list[dict[str, Any]] = front.widget.details["blocks"]
    assert blocks[0]["title"] == "⚠ Problems (1, by the OCI image-spec)"
    assert [(f["k"], f["v"]) for f in blocks[0]["rows"]] == [
        ("layers[0].urls[0] [url]", "layers[0].urls[0] 'value' is not an absolute URL (scheme:...)")
    ]
    titles = [b.get("title") for b in blocks]
    config = blocks[titles.index("⚠ Config problems (1, by the OCI image-spec)")]
    assert [(f["k"], f["v"]) for f in config["rows"]] == [
        ("config.Env[1] [env]", "config.Env[1] 'BROKEN' is not NAME=value")
    ]
