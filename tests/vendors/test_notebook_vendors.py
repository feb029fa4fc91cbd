"""The notebook explorer widget against the Docker Hub fake (through endpoint overrides,
given as a Settings field): no catalog, a one-word name typed, the budget in the status."""

from __future__ import annotations

from pathlib import Path

from regview.notebook.widget import explore
from tests.notebook.widget_support import FrontEnd
from tests.vendors.dockerhub import DockerHub


async def test_a_one_word_name_typed_for_docker_hub_opens_library_name(
    hub: DockerHub, tmp_path: Path
) -> None:
    hub.remaining["anonymous"] = 50
    front = FrontEnd(explore("docker.io", endpoints=hub.endpoints(),
                             cache_dir=tmp_path / "cache", state_dir=tmp_path / "state"))
    await front.idle()
    w = front.widget
    assert w.panes["repos"]["denied"] == (
        "docker.io does not list its repositories: open docker.io/REPOSITORY by name "
        "(e.g. docker.io/library/alpine)"
    )
    await front.click({"type": "repository", "name": "alpine"})
    assert [r["n"] for r in front.rows("repos")] == ["library/alpine"]
    assert sorted(r["n"] for r in front.rows("tags")) == ["3.20", "latest"]
    assert {r.path for r in hub.requests("registry") if r.path.endswith("/tags/list")} == {
        "/v2/library/alpine/tags/list"
    }
    status = w.status
    assert status["budget"] == f"pulls left {hub.left()}/100 per 6h"
    assert status["low"] is False
