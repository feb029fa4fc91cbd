"""Soak: a seeded random walk of keys over the hostile registry's catalog, faults everywhere.

Bounded (a fixed number of key presses, every wait capped). After each batch of keys the
app must still run and every worker that failed must have failed with a RegistryError;
at the end no task the app started is left running and no request is in flight.
"""

from __future__ import annotations

import asyncio
import random
import time
from pathlib import Path

from regview.registry.errors import RegistryError
from regview.tui.screens.main import MainScreen
from tests.hostile.server import HostileServer
from tests.hostile.test_tui_hostile import (
    _hermetic,  # noqa: F401  (autouse fixture: no user keymap, private TOC cache)
    busy,
    make_client,
    notifications,
    running,
    screen_text,
    wait_for,
)

STEPS = 160
BATCH = 20
SEED = 20240607

#: Keys of the walk, with weights: mostly movement, some opening, a few of the rest.
KEYS: list[tuple[str, int]] = [
    ("j", 14),
    ("k", 8),
    ("l", 6),
    ("h", 4),
    ("enter", 8),
    ("escape", 8),
    ("tab", 5),
    ("shift+tab", 3),
    ("r", 2),
    ("J", 2),
    ("question_mark", 1),
    ("slash", 2),  # followed by a little text, then Esc or Enter
    ("pagedown", 2),
    ("end", 1),
]


async def test_random_walk_with_faults(hostile: HostileServer, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    keys = [k for k, _ in KEYS]
    weights = [w for _, w in KEYS]
    before = asyncio.all_tasks()
    client = make_client(
        hostile.registry,
        tmp_path,
        request_deadline=1.0,
        read_timeout=1.0,
        retry_after_cap=0.3,
        max_body_bytes=1024 * 1024,
    )
    started = time.monotonic()
    pressed: list[str] = []
    async with running(client) as run:
        app, pilot = run.app, run.pilot
        await wait_for(run, lambda: run.main.repositories.loaded, "the catalog")
        step = 0
        while step < STEPS:
            for _ in range(BATCH):
                key = rng.choices(keys, weights)[0]
                if key == "slash":
                    text = "".join(rng.choice("abfilmorstx/-") for _ in range(rng.randint(1, 4)))
                    seq = ["slash", *text, rng.choice(["escape", "enter"])]
                else:
                    seq = [key]
                await pilot.press(*seq)
                pressed.extend(seq)
                step += 1
                if rng.random() < 0.2:
                    await pilot.pause(rng.choice([0.01, 0.05, 0.15]))
            # After each batch: alive, nothing but registry errors, nothing shown raw.
            assert app.is_running and app.return_code is None, pressed[-BATCH:]
            for error in run.failures:
                assert isinstance(error, RegistryError), (
                    f"{type(error).__name__}: {error!r} after {pressed[-BATCH:]}"
                )
            for note in notifications(app):
                assert "internal error" not in note and "Traceback" not in note, note
            assert "Traceback" not in screen_text(app)
        # Leave any other screen, then let the requests under way end (deadlines are 1 s).
        for _ in range(4):
            if isinstance(app.screen, MainScreen):
                break
            await pilot.press("escape")
            await pilot.pause(0.05)
        await wait_for(
            run,
            lambda: client.stats.in_flight == 0
            and not busy(run, "repositories", "tags", "tag-columns", "manifest",
                         "manifest-children", "details"),
            "the app to go idle",
            limit=30,
        )
        assert app.is_running
    assert client.stats.in_flight == 0
    for _ in range(3):
        await asyncio.sleep(0)
    left = {t for t in asyncio.all_tasks() - before if not t.done()}
    assert left == set(), f"tasks left running: {left}"
    assert time.monotonic() - started < 120
    assert client.stats.requests > 20, "the walk barely reached the registry"
