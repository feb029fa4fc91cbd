"""Headless Chromium (selenium) reading the terminal a ``regview serve`` page shows.

xterm.js draws on a canvas, so the page holds no terminal text. A script added before
any page script runs (CDP ``Page.addScriptToEvaluateOnNewDocument``) puts a setter for
``terminal`` on ``Object.prototype``: textual.js's ``this.terminal = new Terminal(...)``
lands there, and the script keeps the object as ``window.__regviewTerminal``. Lines are
then read from its active buffer, and keys are typed into ``.xterm-helper-textarea`` as
a person would. For the benchmark, the script also records the page time
(``performance.now()``, from the navigation start) of the first render whose screen
holds ``window.__regviewWaitFor``, and of the websocket's opening and first message.

The only network is loopback: the Chromium flags switch off everything that would call
home, and :meth:`Browser.requests` lists every URL the browser asked for.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/lib/chromium/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-extensions",
    "--no-default-browser-check",
    "--window-size=1280,860",
)

CATCH_TERMINAL = """
(() => {
  const isTerminal = (t) => t && t.buffer && t.buffer.active &&
    typeof t.buffer.active.getLine === "function" && typeof t.onRender === "function";
  const screenText = (t) => {
    const lines = [];
    for (let i = 0; i < t.rows; i++) {
      const line = t.buffer.active.getLine(i);
      lines.push(line ? line.translateToString(true) : "");
    }
    return lines.join("\\n");
  };
  Object.defineProperty(Object.prototype, "terminal", {
    configurable: true,
    get() { return undefined; },
    set(value) {
      Object.defineProperty(this, "terminal", {
        value, writable: true, configurable: true, enumerable: true,
      });
      if (isTerminal(value) && !window.__regviewTerminal) {
        window.__regviewTerminal = value;
        window.__regviewScreen = () => screenText(value);
        value.onRender(() => {
          const needle = window.__regviewWaitFor;
          if (needle && window.__regviewPainted === undefined &&
              screenText(value).includes(needle)) {
            window.__regviewPainted = performance.now();
          }
        });
      }
    },
  });
})();
"""


TIMING = """
(() => {
  const Native = window.WebSocket;
  class Timed extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("open", () => { window.__regviewOpened = performance.now(); });
      this.addEventListener("message", (event) => {
        // binary frames are the app's output (text frames: the server's pong)
        if (typeof event.data !== "string" && window.__regviewFirstMessage === undefined) {
          window.__regviewFirstMessage = performance.now();
        }
      });
    }
  }
  window.WebSocket = Timed;
})();
"""
"""Marks, for the benchmark, when the websocket opened and the app's first output came."""


def missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not Path(path).exists():
            return f"{path} is missing (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed"
    return None


class Browser:
    """One headless Chromium; a blank home tab stays open while test tabs come and go."""

    def __init__(self, *, user_data_dir: Path) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={user_data_dir}")
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        service = Service(executable_path=CHROMEDRIVER, env=env)
        self.driver = webdriver.Chrome(service=service, options=options)
        self.home = self.driver.current_window_handle
        self._events: list[dict[str, Any]] = []
        self._console: list[dict[str, Any]] = []

    # --- tabs -----------------------------------------------------------------------

    def open_tab(self, url: str, *, wait_for: str | None = None) -> str:
        """Open ``url`` in a new tab (the current one from now on); its handle."""
        driver = self.driver
        driver.switch_to.new_window("tab")
        source = CATCH_TERMINAL
        if wait_for is not None:
            source = f"window.__regviewWaitFor = {json.dumps(wait_for)};\n{source}{TIMING}"
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": source})
        driver.get(url)
        return str(driver.current_window_handle)

    def close_tab(self, handle: str) -> None:
        self.driver.switch_to.window(handle)
        self.driver.close()
        self.driver.switch_to.window(self.home)

    def switch_to(self, handle: str) -> None:
        self.driver.switch_to.window(handle)

    # --- the terminal ---------------------------------------------------------------

    def screen(self) -> str:
        """The terminal's lines as text ("" until textual.js made its terminal)."""
        text = self.driver.execute_script(
            "return window.__regviewScreen ? window.__regviewScreen() : ''"
        )
        return str(text)

    def wait_for(
        self, want: str | Callable[[str], bool], *, guard: float = 60.0, what: str = ""
    ) -> str:
        """Poll the screen until it holds ``want`` (or ``want(screen)``); a hang guard."""
        check = (lambda s: want in s) if isinstance(want, str) else want
        deadline = time.monotonic() + guard
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if check(screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(
            f"the terminal never showed {what or want!r} within {guard:.0f} s; it shows:\n" + screen
        )

    def type(self, *keys: str) -> None:
        """Type into xterm.js's input element, as a person would."""
        from selenium.webdriver.common.by import By

        box = self.driver.find_element(By.CSS_SELECTOR, ".xterm-helper-textarea")
        for key in keys:
            box.send_keys(key)

    def painted_ms(self) -> float | None:
        value = self.driver.execute_script("return window.__regviewPainted")
        return float(value) if value is not None else None

    def timings(self) -> dict[str, float]:
        """Page times (ms since the navigation started) of a tab opened with ``wait_for``."""
        values = self.driver.execute_script(
            "return [performance.getEntriesByType('navigation')[0].loadEventEnd,"
            " window.__regviewOpened, window.__regviewFirstMessage, window.__regviewPainted]"
        )
        names = ("loaded", "websocket", "first output", "painted")
        return {k: float(v) for k, v in zip(names, values, strict=True) if v is not None}

    def size(self) -> tuple[int, int]:
        cols, rows = self.driver.execute_script(
            "const t = window.__regviewTerminal; return t ? [t.cols, t.rows] : [0, 0]"
        )
        return int(cols), int(rows)

    # --- what the browser did -------------------------------------------------------

    def _drain(self) -> None:
        for entry in self.driver.get_log("performance"):
            self._events.append(json.loads(entry["message"])["message"])
        self._console.extend(self.driver.get_log("browser"))

    def requests(self) -> list[str]:
        """Every URL the browser requested so far (documents, scripts, fonts, websockets)."""
        self._drain()
        urls: list[str] = []
        for event in self._events:
            method = event.get("method")
            params = event.get("params", {})
            if method == "Network.requestWillBeSent":
                urls.append(params["request"]["url"])
            elif method == "Network.webSocketCreated":
                urls.append(params["url"])
        return urls

    def console_errors(self) -> list[str]:
        """Console messages of level SEVERE (JavaScript errors, failed loads)."""
        self._drain()
        return [str(e["message"]) for e in self._console if e.get("level") == "SEVERE"]

    def screenshot(self, path: Path) -> None:
        self.driver.save_screenshot(str(path))

    def quit(self) -> None:
        self.driver.quit()
