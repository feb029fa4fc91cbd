"""The delete question on a small terminal: what is left behind may not fit, and then
the question scrolls, and ``y``/``n`` still answer it."""

from __future__ import annotations

from pathlib import Path

from regview.registry import DeletePlan, Descriptor, FoundReferrer, Platform
from regview.tui.app import create_app
from regview.tui.screens.confirm_delete import ConfirmDeleteScreen
from tests.tui.fakes import FakeSource
from tests.tui.helpers import screen_text, settle

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
SPDX = "application/spdx+json"


def _plan(n: int) -> DeletePlan:
    """An index with ``n`` SBOMs referring to it and two children."""
    return DeletePlan(
        registry="registry.test",
        repository="team/app",
        reference="v1",
        digest="sha256:" + "3f" * 32,
        media_type="application/vnd.oci.image.index.v1+json",
        size=1_234,
        tags=("v1",),
        referrers=tuple(
            FoundReferrer(
                Descriptor(OCI_MANIFEST, f"sha256:{i:064x}", 500, artifact_type=SPDX),
                "referrers-api",
            )
            for i in range(n)
        ),
        children=(
            Descriptor(OCI_MANIFEST, "sha256:" + "d4" * 32, 5, platform=Platform("linux", "amd64")),
        ),
    )


async def test_a_long_question_scrolls_and_still_answers(layouts: Path) -> None:
    app = create_app(FakeSource(layouts), repository="team/app")
    answers: list[DeletePlan | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(ConfirmDeleteScreen(_plan(10)), answers.append)
        await settle(pilot)
        text = screen_text(app)
        assert "10 artifacts refer to sha256:3f3f3f3f3f3f…" in text
        assert "cannot be undone" not in text  # below the fold
        await pilot.press("end")
        await settle(pilot)
        text = screen_text(app)
        assert "only the index is deleted: its 1 child manifest stays" in text
        assert "cannot be undone" in text
        await pilot.press("n")
        await settle(pilot)
        assert answers == [None]
        assert not isinstance(app.screen, ConfirmDeleteScreen)
