"""Helpers for driving the app in tests."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.worker import WorkerCancelled, WorkerFailed

from regview.tui.app import RegviewApp


async def settle(pilot: Pilot[int], rounds: int = 3) -> None:
    """Let debounces expire and every worker finish (several rounds: workers chain)."""
    app = pilot.app
    for _ in range(rounds):
        await pilot.pause(0.12)
        for _attempt in range(20):
            try:
                await app.workers.wait_for_complete()
                break
            except (WorkerFailed, WorkerCancelled):
                continue  # failures are the app's to report; keep waiting for the rest
    await pilot.pause()


def explorer(pilot: Pilot[int]) -> RegviewApp:
    app = pilot.app
    assert isinstance(app, RegviewApp)
    return app


def screen_text(app: RegviewApp) -> str:
    """The whole screen as plain text (what a person would read)."""
    from rich.console import Console

    width, height = app.size
    console = Console(width=width, height=height, record=True, file=open("/dev/null", "w"),  # noqa: SIM115
                      color_system=None, legacy_windows=False)
    screen = app.screen
    lines = screen._compositor.render_update(full=True)  # type: ignore[union-attr]
    console.print(lines)
    return console.export_text()


def footer_line(app: RegviewApp) -> str:
    """The footer's row of the screen, as rendered."""
    from textual.widgets import Footer

    footer = app.screen.query_one(Footer)
    return screen_text(app).splitlines()[footer.region.y]


def details_text(app: RegviewApp, width: int = 100) -> str:
    """Everything in the Details pane, scrolled or not, as plain text."""
    from rich.console import Console
    from textual.widgets import Static

    body = app.main.details.query_one("#details-body", Static)
    console = Console(width=width, record=True, file=open("/dev/null", "w"),  # noqa: SIM115
                      color_system=None)
    console.print(body.content)  # type: ignore[arg-type]
    return console.export_text()
