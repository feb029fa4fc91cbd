"""What the widget's browser tests, screenshots and benchmark share: JupyterLab on
127.0.0.1 and a headless Chromium driven by selenium (flags from the field notes).

:class:`Lab` starts ``jupyter lab`` in an isolated environment (the same one the kernel
fixtures use: its own HOME, cache, an empty DOCKER_CONFIG, PYTHONPATH at this worktree's
``src``), with the announcements popup disabled and a random token. :class:`Browser` opens
a notebook there, runs all its cells, and gives the page's DOM, its JavaScript console
(errors fail the tests) and screenshots. Only one browser runs at a time (the machine has
two cores and Chromium peaks at ~1 GiB).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat

from tests.notebook.conftest import make_kernel_env

__all__ = [
    "CHROMEDRIVER",
    "CHROMIUM",
    "Browser",
    "CommDriver",
    "FrontEnd",
    "Lab",
    "Rows",
    "browser_missing",
    "lab_and_browser",
    "label_text",
    "write_notebook",
]

CHROMIUM = "/usr/lib/chromium/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
#: Hang guards (seconds), not measurements.
START_TIMEOUT = 120
WAIT_TIMEOUT = 60

CHROME_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--window-size=1500,1000",
    "--hide-scrollbars",
)


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not Path(path).exists():
            return f"needs {path} (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "needs selenium (pip install selenium)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_notebook(path: Path, cells: list[str]) -> Path:
    """A notebook of code cells at ``path``."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, str(path))
    return path


class Lab:
    """``jupyter lab`` on 127.0.0.1, its notebooks under ``root / "cwd"``."""

    def __init__(self, root: Path, **env: str) -> None:
        self.kernel_env = make_kernel_env(root, **env)
        self.root = root
        self.port = _free_port()
        self.token = secrets.token_hex(16)
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = root / "jupyterlab.log"

    @property
    def cwd(self) -> Path:
        return self.kernel_env.cwd

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Lab:
        env = dict(self.kernel_env.env)
        config = Path(env["JUPYTER_CONFIG_DIR"])
        (config / "labconfig").mkdir(parents=True, exist_ok=True)
        (config / "labconfig" / "page_config.json").write_text(
            json.dumps(
                {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}
            )
        )
        workspaces = self.root / "workspaces"
        workspaces.mkdir(exist_ok=True)
        args = [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--allow-root",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            f"--ServerApp.token={self.token}",
            "--ServerApp.password=",
            "--LabApp.expose_app_in_browser=True",
            "--LabApp.news_url=None",
            f"--LabApp.workspaces_dir={workspaces}",
            f"--ServerApp.root_dir={self.cwd}",
            "--ServerApp.disable_check_xsrf=False",
        ]
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                args,
                cwd=self.cwd,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited: {self.log.read_text()[-2000:]}")
            with contextlib.suppress(OSError):
                req = urllib.request.Request(
                    f"{self.url}/api/status", headers={"Authorization": f"token {self.token}"}
                )
                with urllib.request.urlopen(req, timeout=2) as r:
                    if r.status == 200:
                        return self
            time.sleep(0.2)
        raise RuntimeError("jupyter lab did not answer in time")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def notebook_url(self, name: str) -> str:
        return f"{self.url}/lab/tree/{name}?token={self.token}&reset"


class Browser:
    """Headless Chromium under selenium, with its console log kept."""

    def __init__(self, width: int = 1500, height: int = 1000) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in CHROME_FLAGS:
            if not flag.startswith("--window-size"):
                options.add_argument(flag)
        options.add_argument(f"--window-size={width},{height}")
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        self.driver.set_script_timeout(WAIT_TIMEOUT)
        self.console: list[dict[str, Any]] = []

    def quit(self) -> None:
        with contextlib.suppress(Exception):
            self.driver.quit()

    # --- JupyterLab ----------------------------------------------------------------------

    def open_notebook(self, lab: Lab, name: str) -> None:
        """Open ``name``, wait for an idle kernel, run all cells and wait until they ran."""
        self.driver.get(lab.notebook_url(name))
        self.wait_js("return !!(window.jupyterapp)", what="JupyterLab to load")
        ok = self.driver.execute_async_script(
            """
            const done = arguments[arguments.length - 1];
            const app = window.jupyterapp;
            (async () => {
              await app.restored;
              for (let i = 0; i < 600; i++) {
                const w = app.shell.currentWidget;
                if (w && w.sessionContext && w.content && w.content.widgets) {
                  await w.sessionContext.ready;
                  const k = w.sessionContext.session && w.sessionContext.session.kernel;
                  if (k && k.status === 'idle') {
                    await app.commands.execute('notebook:run-all-cells');
                    return true;
                  }
                }
                await new Promise(r => setTimeout(r, 100));
              }
              return false;
            })().then(done, e => done('error: ' + e));
            """
        )
        assert ok is True, f"the notebook did not start: {ok}"
        self.wait_js(
            """
            const w = window.jupyterapp.shell.currentWidget;
            if (!w || !w.content) return false;
            const cells = w.content.widgets.filter(c => c.model.type === 'code');
            const k = w.sessionContext.session && w.sessionContext.session.kernel;
            return cells.length > 0 && cells.every(c => c.model.executionCount !== null)
                   && k && k.status === 'idle';
            """,
            what="every cell to run",
        )

    # --- the page ------------------------------------------------------------------------

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def wait_js(
        self, script: str, *args: Any, what: str = "the page", timeout: float = WAIT_TIMEOUT
    ) -> Any:
        """Poll ``script`` until it returns something truthy (a hang guard of ``timeout``)."""
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            last = self.js(script, *args)
            if last:
                return last
            time.sleep(0.1)
        self.read_console()
        raise AssertionError(
            f"timed out waiting for {what} (last: {last!r}); console: {self.console[-10:]}"
        )

    def read_console(self) -> list[dict[str, Any]]:
        """The console entries logged since the last call (kept in :attr:`console`)."""
        entries = list(self.driver.get_log("browser"))
        self.console.extend(entries)
        return entries

    def console_errors(self) -> list[dict[str, Any]]:
        """Every console error (SEVERE) so far."""
        self.read_console()
        return [e for e in self.console if e.get("level") == "SEVERE"]

    def screenshot(self, path: Path, css: str | None = None) -> None:
        """A PNG of the page, or of the element ``css`` selects."""
        path.parent.mkdir(parents=True, exist_ok=True)
        if css is None:
            self.driver.save_screenshot(str(path))
            return
        from selenium.webdriver.common.by import By

        self.driver.find_element(By.CSS_SELECTOR, css).screenshot(str(path))


@contextlib.contextmanager
def lab_and_browser(root: Path, **env: str) -> Iterator[tuple[Lab, Browser]]:
    """JupyterLab and a browser, both stopped afterwards."""
    lab = Lab(root, **env).start()
    try:
        browser = Browser()
        try:
            yield lab, browser
        finally:
            browser.quit()
    finally:
        lab.stop()


# --- in-process: the widget without a kernel ---------------------------------------------------


class Rows:
    """What the front end knows of one pane: the rows sent for its latest version."""

    def __init__(self) -> None:
        self.version = -1
        self.length = 0
        self.rows: dict[int, dict[str, Any]] = {}

    def take(self, message: dict[str, Any]) -> None:
        if message["version"] < self.version:
            return
        if message["version"] > self.version:
            self.version = message["version"]
            self.rows = {}
        self.length = message["length"]
        for i, row in enumerate(message["rows"]):
            self.rows[message["start"] + i] = row

    def shown(self) -> list[dict[str, Any]]:
        """The rows received, in order (as far as they go without a gap)."""
        out = []
        for i in range(self.length):
            if i not in self.rows:
                break
            out.append(self.rows[i])
        return out


class FrontEnd:
    """Plays the browser for an :class:`~regview.notebook.widget.Explorer` in this process:
    keeps the rows it is sent, and sends the messages a click would."""

    def __init__(self, widget: Any) -> None:
        self.widget = widget
        self.messages: list[dict[str, Any]] = []
        self.panes: dict[str, Rows] = {}
        original = widget.send

        def record(content: dict[str, Any], buffers: Any = None) -> None:
            self.messages.append(content)
            if content.get("type") == "rows":
                self.panes.setdefault(content["pane"], Rows()).take(content)
            original(content, buffers)

        widget.send = record

    def rows(self, pane: str) -> list[dict[str, Any]]:
        return self.panes.setdefault(pane, Rows()).shown()

    def version(self, pane: str) -> int:
        return int(self.widget.panes[pane]["version"])

    async def idle(self) -> None:
        await asyncio.wait_for(self.widget.idle(), WAIT_TIMEOUT)

    async def click(self, message: dict[str, Any]) -> None:
        """Send ``message`` as the front end would, then wait for what it started."""
        self.widget.click(message)
        await self.idle()

    async def open_row(self, pane: str, name: str, key: str = "n") -> None:
        """Click the row of ``pane`` whose ``key`` is ``name``."""
        rows = self.rows(pane)
        index = next(i for i, r in enumerate(rows) if r.get(key) == name)
        await self.click(
            {"type": "open", "pane": pane, "row": index, "version": self.version(pane)}
        )

    def node(self, predicate: Any) -> dict[str, Any]:
        """The first tree row ``predicate`` accepts."""
        return next(r for r in self.rows("tree") if predicate(r))

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m.get("type") == kind]


def label_text(row: dict[str, Any]) -> str:
    """A tree row's label as the page shows it."""
    return "  ".join(segment[0] for segment in row["label"])


# --- in a real kernel: the comm, as the browser uses it ------------------------------------------


class CommDriver:
    """Plays the browser for a widget in a real ipykernel, over its ``jupyter_client``
    connection: sends the custom messages a click sends on the widget's comm, and reads
    back the state updates and messages the kernel sends (as the page would get them).

    ``var`` names the widget in the kernel: :meth:`settle` runs ``await var.idle()``
    there (after the messages sent so far, since the kernel handles them in order) and
    reads the kernel's messages until that has finished.
    """

    def __init__(self, kc: Any, model_id: str, var: str) -> None:
        self.kc = kc
        self.model_id = model_id
        self.var = var
        self.state: dict[str, Any] = {}
        self.panes: dict[str, Rows] = {}
        self.messages: list[dict[str, Any]] = []

    def send(self, content: dict[str, Any]) -> None:
        """A custom message from the front end (what ``model.send`` does in the page)."""
        self._comm({"method": "custom", "content": content})

    def _comm(self, data: dict[str, Any]) -> None:
        msg = self.kc.session.msg("comm_msg", {"comm_id": self.model_id, "data": data})
        self.kc.shell_channel.send(msg)

    def _take(self, msg: dict[str, Any]) -> None:
        if msg["header"]["msg_type"] != "comm_msg":
            return
        content = msg["content"]
        if content.get("comm_id") != self.model_id:
            return
        data = content["data"]
        if data.get("method") in ("update", "echo_update"):
            self.state.update(data["state"])
        elif data.get("method") == "custom":
            message = data["content"]
            self.messages.append(message)
            if message.get("type") == "rows":
                self.panes.setdefault(message["pane"], Rows()).take(message)

    def pump(self, until: Any, *, what: str, timeout: float = WAIT_TIMEOUT) -> None:
        """Read the kernel's messages until ``until(msg)`` holds for one (a hang guard)."""
        import queue

        from jupyter_core.utils import run_sync

        get = self.kc.get_iopub_msg
        if asyncio.iscoroutinefunction(get):  # nbclient's client is the async one
            get = run_sync(get)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    f"timed out waiting for {what}; state: "
                    f"{json.dumps(self.state, default=str)[:3000]}"
                )
            try:
                msg = get(timeout=min(left, 1.0))
            except queue.Empty:
                continue
            self._take(msg)
            if until(msg):
                return

    def sync(self) -> None:
        """Ask for the whole state (what the page does when it renders the widget)."""
        self.state = {}
        self._comm({"method": "request_state"})
        self.settle()
        assert "_esm" in self.state, "the kernel did not send the widget's state"

    def settle(self) -> None:
        """Wait until the kernel has handled what was sent and the widget is idle."""
        msg_id = self.kc.execute(f"await {self.var}.idle()", silent=True, store_history=False)

        def done(msg: dict[str, Any]) -> bool:
            return (
                msg["header"]["msg_type"] == "status"
                and msg["parent_header"].get("msg_id") == msg_id
                and msg["content"]["execution_state"] == "idle"
            )

        self.pump(done, what=f"{self.var}.idle()")

    def click(self, content: dict[str, Any]) -> None:
        """Send ``content`` as the page would, then wait until the widget is idle."""
        self.send(content)
        self.settle()

    def rows(self, pane: str) -> list[dict[str, Any]]:
        return self.panes.setdefault(pane, Rows()).shown()

    def pane(self, pane: str) -> dict[str, Any]:
        return dict(self.state.get("panes", {}).get(pane, {}))

    def version(self, pane: str) -> int:
        return int(self.pane(pane).get("version", 0))

    def open_row(self, pane: str, name: str, key: str = "n") -> None:
        """Click the row of ``pane`` whose ``key`` is ``name`` (among the rows received)."""
        rows = self.rows(pane)
        index = next(i for i, r in enumerate(rows) if r.get(key) == name)
        self.click({"type": "open", "pane": pane, "row": index, "version": self.version(pane)})

    def node(self, predicate: Any) -> dict[str, Any]:
        return next(r for r in self.rows("tree") if predicate(r))
