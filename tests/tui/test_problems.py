"""The Details pane lists image-spec problems under ⚠ and marks unverifiable digests."""

from __future__ import annotations

from pathlib import Path

import pytest

from regview.tui.app import create_app
from tests.tui.fakes import FakeSource
from tests.tui.helpers import details_text, settle
from tests.tui.spec_layouts import UNVERIFIABLE, build_spec_problems


@pytest.fixture(scope="module")
def spec_layout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_spec_problems(tmp_path_factory.mktemp("spec"))


async def test_the_image_lists_its_problems_and_its_configs(spec_layout: Path) -> None:
    app = create_app(FakeSource(spec_layout), repository="spec/problems", reference="v1")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        lines = [line.rstrip() for line in details_text(app).splitlines()]
        assert lines[0] == "⚠ Problems (2)"
        assert lines[1:5] == [
            "⚠ layers[0].urls[0] [url]",
            "  'value' is not an absolute URL (scheme:...)",
            "⚠ config: config.Env[1] [env]",
            "  'BROKEN' is not NAME=value",
        ]


async def test_a_layer_regview_cannot_verify_says_so(spec_layout: Path) -> None:
    app = create_app(FakeSource(spec_layout), repository="spec/problems", reference="v1")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "j")  # config, layer 1, layer 2
        await settle(pilot)
        text = details_text(app, width=200)
        assert UNVERIFIABLE in text
        assert "sha256+b64: not verifiable by regview" in text
