"""``s`` cycles the sort of the tags pane (name, created, size); ``g`` folds the tags that
share a digest into one row. The dates and sizes are chosen by the test."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from regview.registry import media_types as mt
from regview.registry.oci_layout import LayoutWriter, descriptor_json
from regview.tui.app import create_app
from tests.tui.fakes import FakeSource
from tests.tui.helpers import settle

# image -> (created, layer bytes); tag -> image
IMAGES = {"old": ("2023-05-01T10:00:00Z", 10), "mid": ("2024-02-29T12:30:00Z", 3000),
          "new": ("2025-11-20T08:15:00Z", 200)}
TAGS = {"v1": "old", "v2": "mid", "latest": "new", "stable": "new", "v3": "new"}


@pytest.fixture(scope="module")
def arranged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sortfold")
    w = LayoutWriter(root / "team" / "app")
    for name, (created, size) in IMAGES.items():
        layer = w.add_blob(hashlib.sha256(name.encode()).digest() * (size // 32 + 1),
                           mt.OCI_LAYER_GZIP)
        layer_desc = {**descriptor_json(layer), "size": size}
        config = w.add_json({"created": created, "architecture": "amd64", "os": "linux",
                             "rootfs": {"type": "layers", "diff_ids": []}}, mt.OCI_CONFIG)
        manifest = w.add_json({"schemaVersion": 2, "mediaType": mt.OCI_MANIFEST,
                               "config": descriptor_json(config), "layers": [layer_desc]},
                              mt.OCI_MANIFEST)
        for tag, image in TAGS.items():
            if image == name:
                w.tag(manifest, tag)
    w.close()
    return root


async def test_s_cycles_the_sort_and_g_folds_digests(arranged: Path) -> None:
    app = create_app(FakeSource(arranged), repository="team/app")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = app.main.tags
        tag_list = pane.list
        tag_list.focus()
        await settle(pilot)
        assert list(tag_list.items) == ["latest", "stable", "v1", "v2", "v3"]

        await pilot.press("s")
        await settle(pilot)
        assert pane.sort_by == "created"
        assert list(tag_list.items) == ["latest", "stable", "v3", "v2", "v1"]  # newest first
        assert "by created" in str(pane.border_title)

        await pilot.press("s")
        await settle(pilot)
        assert list(tag_list.items) == ["v2", "latest", "stable", "v3", "v1"]  # largest first

        await pilot.press("g")
        await settle(pilot)
        assert list(tag_list.items) == ["v2", "latest", "v1"]
        assert tag_list.folded == {"latest": ("latest", "stable", "v3")}
        assert tag_list.render_row(1, 60).plain.startswith("latest, stable, v3 ")
        assert tag_list.render_row(1, 39).plain.startswith("latest +2 ")  # narrower
        assert "by digest" in str(pane.border_title)

        await pilot.press("s")  # back to names, still folded
        await settle(pilot)
        assert list(tag_list.items) == ["latest", "v1", "v2"]

        await pilot.press("g")
        await settle(pilot)
        assert list(tag_list.items) == ["latest", "stable", "v1", "v2", "v3"]
        assert tag_list.folded == {}

        # A folded row opens its first tag, as any row does.
        await pilot.press("g", "down", "enter")
        await settle(pilot)
        assert app.main.manifest.reference == "v1"
