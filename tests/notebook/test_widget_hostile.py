"""The widget against the hostile registry (``tests/hostile/server.py``): every case the
client suite reaches through a manifest or a config ends, in the widget, as its one-line
message on the error line and in the pane it failed in; never an internal error, a hang
or an escape sequence in the state. A million tags and a 100,000-layer manifest are shown
a window at a time.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from regview.notebook.widget import explore
from tests.hostile.conftest import hostile, hostile_server
from tests.hostile.server import HostileServer
from tests.hostile.test_client_hostile import ERROR_CASES, FAST, ROW_OPTIONS
from tests.notebook.widget_support import FrontEnd

__all__ = ["hostile", "hostile_server"]  # the fixtures, for this module

#: A hang guard (seconds), not a measurement.
GUARD = 90
#: The cases the widget reaches by opening a tag (the tree) or its image (the details).
CASES = [row for row in ERROR_CASES if row[2] in ("manifest", "config")]


def settings(tmp_path: Path, **extra: Any) -> dict[str, Any]:
    return {**FAST, "cache_dir": tmp_path / "cache", "state_dir": tmp_path / "state", **extra}


async def idle(front: FrontEnd) -> None:
    await asyncio.wait_for(front.widget.idle(), GUARD)


def assert_clean_state(front: FrontEnd) -> str:
    state = json.dumps(front.widget.get_state(), ensure_ascii=False)
    sent = json.dumps(front.messages, ensure_ascii=False)
    for text in (state, sent):
        assert "\x1b" not in text and "\x9b" not in text and "\u202e" not in text
        assert "internal error" not in text
    text: str = front.widget.error
    assert "\n" not in text and len(text) < 1000
    return text


@pytest.mark.parametrize(
    ("repo", "op", "fragment"),
    [pytest.param(row[1], row[2], row[4], id=row[0]) for row in CASES],
)
async def test_a_hostile_case_is_one_line_in_the_widget(
    hostile: HostileServer,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    repo: str,
    op: str,
    fragment: str,
) -> None:
    options = ROW_OPTIONS.get(request.node.callspec.id, {})
    front = FrontEnd(explore(f"{hostile.registry}/{repo}:latest", **settings(tmp_path, **options)))
    await idle(front)
    w = front.widget
    if op == "manifest":
        error = w.panes["tree"]["error"]
    else:  # the tree opened; its image's details read the config, which fails
        assert front.rows("tree"), w.error
        config = [b for b in w.details["blocks"] if b.get("t") == "note" and b.get("s") == "red"]
        assert config and config[0]["text"].startswith("config: "), w.details
        error = config[0]["text"]
    assert fragment in error, error
    assert fragment in assert_clean_state(front)
    assert w.status["tasks"] == 0


async def test_a_million_tags_come_a_window_at_a_time(
    hostile: HostileServer, tmp_path: Path
) -> None:
    big = settings(tmp_path, max_body_bytes=32 * 1024 * 1024)
    front = FrontEnd(explore(f"{hostile.registry}/big/tags-1m", **big))
    await idle(front)
    w = front.widget
    assert w.panes["tags"]["length"] == 1_000_000
    assert len(json.dumps(w.get_state())) < 2_000_000
    assert 0 < len(front.rows("tags")) <= 100
    await front.click({"type": "filter", "pane": "tags", "query": "tag-0999999"})
    await idle(front)
    assert front.rows("tags")[0]["n"] == "tag-0999999"
    assert sum(len(m["rows"]) for m in front.of_type("rows") if m["pane"] == "tags") < 1000
    assert_clean_state(front)


async def test_a_hundred_thousand_layers_come_a_window_at_a_time(
    hostile: HostileServer, tmp_path: Path
) -> None:
    big = settings(tmp_path, max_body_bytes=32 * 1024 * 1024)
    front = FrontEnd(explore(f"{hostile.registry}/big/layers-100k:latest", **big))
    await idle(front)
    w = front.widget
    assert w.panes["tree"]["length"] >= 100_002  # the image, its config, 100,000 layers
    assert len(json.dumps(w.get_state())) < 2_000_000
    rows = front.rows("tree")
    assert 0 < len(rows) <= 100
    await front.click({"type": "window", "pane": "tree", "start": 99_990, "stop": 100_002})
    last = front.panes["tree"].rows[100_001]
    assert last["label"][0] == ["layer 100000", "bold"]
    assert_clean_state(front)


async def test_hostile_text_stays_inert_in_state_and_messages(
    hostile: HostileServer, tmp_path: Path
) -> None:
    front = FrontEnd(explore(f"{hostile.registry}/text/attack", **settings(tmp_path)))
    await idle(front)
    w = front.widget
    assert w.panes["tags"]["length"] > 5
    for i in range(min(w.panes["tags"]["length"], 20)):
        await front.click(
            {"type": "open", "pane": "tags", "row": i, "version": front.version("tags")}
        )
        root = front.rows("tree")
        if root:
            await front.click({"type": "select", "node": root[0]["id"]})
    assert_clean_state(front)
