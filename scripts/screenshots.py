"""Write SVG screenshots of every screen, taken from the demo, into ``screenshots/``.

Run from the repository root: ``python scripts/screenshots.py [OUTDIR]``.
The demo is shown as the source ``demo`` so the pictures do not carry a local path.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from textual._doc import take_svg_screenshot
from textual.pilot import Pilot
from textual.worker import WorkerCancelled, WorkerFailed

from regview.demo import demo_path
from regview.registry import OciLayoutSource
from regview.targets import Opened
from regview.tui.app import RegviewApp, create_app
from regview.tui.screens.start import StartChoice


class DemoSource(OciLayoutSource):
    @property
    def name(self) -> str:
        return "demo"


Shot = tuple[str, dict[str, Any], tuple[str, ...]]

SHOTS: list[Shot] = [
    ("repositories", {}, ()),
    ("tags", {}, ("j", "enter")),
    ("index", {"repository": "acme/web", "reference": "latest"}, ("j", "l")),
    ("image", {"repository": "acme/api", "reference": "latest"}, ("tab",)),
    ("layer", {"repository": "acme/api", "reference": "latest"}, ("j", "j")),
    ("filter", {"repository": "stress/many-tags"}, ("slash", "1", "2")),
    ("help", {}, ("question_mark",)),
    ("raw-json", {"repository": "acme/web", "reference": "latest"}, ("J",)),
    ("layer-files", {"repository": "acme/api", "reference": "latest"}, ("j", "j", "f")),
    ("merged-files", {"repository": "acme/web", "reference": "latest"}, ("j", "f")),
    ("layer-changes", {"repository": "acme/web", "reference": "latest"}, ("j", "f", "c")),
    # Mark v1 in the tags pane, then compare v2 with it.
    ("diff", {"repository": "acme/api"}, ("j", "m", "j", "equals_sign")),
    ("tags-by-digest", {"repository": "acme/api"}, ("g",)),
    # The merged files of acme/api:v2, app/ opened, Enter on app/api.py: the viewer.
    ("file-viewer", {"repository": "acme/api", "reference": "v2"}, ("f", "enter", "j", "enter")),
    # The SBOM referrer of acme/web (the seventh row of its tree), opened with b.
    ("blob", {"repository": "acme/web", "reference": "latest"}, ("j",) * 7 + ("b",)),
]


def run_before(*keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def settle(pilot: Pilot[Any]) -> None:
        for _ in range(3):
            await pilot.pause(0.12)
            for _attempt in range(20):
                try:
                    await pilot.app.workers.wait_for_complete()
                    break
                except (WorkerFailed, WorkerCancelled):
                    continue

    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    os.environ["XDG_CONFIG_HOME"] = "/home/user/.config"  # the help screen shows this path
    os.environ["REGVIEW_CACHE_DIR"] = tempfile.mkdtemp(prefix="regview-shots-")
    demo = demo_path(Path(os.environ["REGVIEW_CACHE_DIR"]))
    written = 0
    for size, suffix in (((120, 40), "120x40"), ((80, 24), "80x24")):
        for name, kwargs, keys in SHOTS:
            app: RegviewApp = create_app(DemoSource(demo), **kwargs)
            svg = take_svg_screenshot(app=app, terminal_size=size, run_before=run_before(*keys))
            (out / f"{name}-{suffix}.svg").write_text(svg)
            written += 1
        picker = create_app(
            None,
            opener=lambda text: Opened(DemoSource(demo)),
            start_choices=[
                StartChoice("demo", "the embedded demo"),
                StartChoice("registry.example.com/team/app:1.4", "recent"),
                StartChoice("ghcr.io", "in your auth files"),
            ],
        )
        svg = take_svg_screenshot(app=picker, terminal_size=size, run_before=run_before())
        (out / f"start-{suffix}.svg").write_text(svg)
        written += 1
    print(f"wrote {written} SVGs to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
