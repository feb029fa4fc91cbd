"""Write SVG screenshots of every screen, taken from the demo, into ``screenshots/``.

Not a test: run ``python -m tests.tui.make_screenshots [OUTDIR]`` from the repository root.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from textual._doc import take_svg_screenshot

from regview.demo import demo_path
from regview.registry.errors import Denied
from regview.tui.app import RegviewApp, create_app
from tests.tui.fakes import FakeSource
from tests.tui.test_snapshots import _run_before

SHOTS: list[tuple[str, dict[str, str | None], tuple[str, ...]]] = [
    ("repositories", {}, ()),
    ("tags", {}, ("j", "enter")),
    ("index", {"repository": "acme/web", "reference": "latest"}, ("j", "l")),
    ("image", {"repository": "acme/api", "reference": "latest"}, ("tab",)),
    ("layer", {"repository": "acme/api", "reference": "latest"}, ("j", "j")),
    ("filter", {"repository": "stress/many-tags"}, ("slash", "1", "2")),
    ("help", {}, ("question_mark",)),
    ("raw-json", {"repository": "acme/web", "reference": "latest"}, ("J",)),
]


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("XDG_CONFIG_HOME", "/home/user/.config")
    demo = demo_path()
    for size, suffix in (((120, 40), "120x40"), ((80, 24), "80x24")):
        for name, kwargs, keys in SHOTS:
            source = FakeSource(demo, name="oci:demo", identity="local")
            app: RegviewApp = create_app(source, **kwargs)  # type: ignore[arg-type]
            svg = take_svg_screenshot(app=app, terminal_size=size, run_before=_run_before(*keys))
            (out / f"{name}-{suffix}.svg").write_text(svg)
        denied = FakeSource(demo, name="ghcr.io", catalog_error=Denied(
            "ghcr.io does not allow listing repositories (_catalog): DENIED"))
        svg = take_svg_screenshot(app=create_app(denied), terminal_size=size,
                                  run_before=_run_before())
        (out / f"catalog-denied-{suffix}.svg").write_text(svg)
    print(f"wrote {len(list(out.glob('*.svg')))} SVGs to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
