"""Take ``screenshots/serve-explorer.png``: ``regview serve demo`` in headless Chromium.

The demo's multi-arch index, opened on its first platform, as a browser shows it.
Nothing secret is on screen: the demo has no credentials, and the page shows no URL.

Run: ``python benchmarks/serve_screenshot.py [PATH]`` (a script, like the benchmarks).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # tests.serve (the browser and process helpers)

from selenium.webdriver.common.keys import Keys  # noqa: E402
from tests.serve import browser as chromium  # noqa: E402
from tests.serve.processes import Served  # noqa: E402
from tests.support.cli import Regview, base_env  # noqa: E402

SERVE = [sys.executable, "-m", "regview", "serve"]


def first_line(screen: str) -> str:
    return screen.splitlines()[0] if screen else ""


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "screenshots" / "serve-explorer.png"
    why = chromium.missing()
    if why is not None:
        raise SystemExit(why)
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="serve-shot-")))
        home = Regview(work / "home")
        # the breadcrumb shows where the demo was built: a short, fixed path
        cache = Path(tempfile.gettempdir()) / "regview-serve"
        if not cache.exists():
            stack.callback(shutil.rmtree, cache, ignore_errors=True)
        env = {**base_env(), **home.env(), "REGVIEW_CACHE_DIR": str(cache)}
        served = Served([*SERVE, "--port", "0", "demo"], env)
        stack.callback(served.finish)
        served.started()
        browser = chromium.Browser(user_data_dir=work / "chromium")
        stack.callback(browser.quit)
        browser.open_tab(served.url)
        browser.wait_for("acme/web")
        browser.type("j")  # acme/web: the multi-arch index
        browser.wait_for(lambda s: first_line(s).rstrip().endswith("› acme/web"))
        browser.type(Keys.ENTER)
        browser.wait_for(lambda s: first_line(s).rstrip().endswith("› acme/web › latest"))
        browser.type(Keys.ENTER)
        browser.wait_for(lambda s: "Details" in s.splitlines()[1])
        browser.type("j")
        browser.wait_for(lambda s: "linux/amd64" in first_line(s))
        browser.type("l")  # expand it: its config and layers
        browser.wait_for(lambda s: "Entrypoint" in s, what="the image's config")
        browser.screenshot(out)
        print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
