"""The widget in JupyterLab, in a real (headless) Chromium: render, click, type, scroll.

One JupyterLab and one browser for the module (started by ``lab``). A notebook that calls
``explore()`` is opened and run; then a repository, a tag and a layer are clicked in the
page and the DOM is checked: the rows shown, the details, the files, the copy buttons,
that the 2,000-tag list keeps a bounded number of rows in the DOM while scrolled end to
end, and that the page logged no JavaScript error.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.notebook.widget_support import (
    Browser,
    Lab,
    browser_missing,
    lab_and_browser,
    write_notebook,
)
from tests.support.content import Published, natural_key
from tests.support.registry import RegistryServer

pytestmark = pytest.mark.skipif(browser_missing() is not None, reason=str(browser_missing()))

SCREENSHOT = Path(__file__).resolve().parents[2] / "screenshots" / "notebook-explorer.png"
ROWS = ".rv-row[data-row]:not([hidden])"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Lab, Browser]]:
    with lab_and_browser(tmp_path_factory.mktemp("lab")) as pair:
        yield pair


def rows(b: Browser, pane: str) -> list[str]:
    """The text of the rows of ``pane`` in the DOM, top to bottom."""
    found: list[str] = b.js(
        f"""return [...document.querySelectorAll('[data-list={pane}] {ROWS}')]
              .sort((a, c) => a.dataset.row - c.dataset.row).map(r => r.innerText)"""
    )
    return found


def wait_rows(b: Browser, pane: str, predicate: Any, what: str) -> list[str]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = rows(b, pane)
        if predicate(found):
            return found
        time.sleep(0.1)
    page = text_of(b, ".rv-root")[:1500]
    raise AssertionError(
        f"timed out waiting for {what}: {rows(b, pane)[:10]}; the widget "
        f"shows: {page!r}; console: {b.console_errors()}"
    )


def first_cell(row: str) -> str:
    """A row's first column (its name), without the tree's ▸ / ▾."""
    return next(p for p in (x.strip("▸▾ ") for x in row.split("\n")) if p)


def click_row(b: Browser, pane: str, text: str) -> None:
    """Click the row of ``pane`` whose name starts with ``text`` (once it is drawn: a row
    whose content is still on its way shows "…")."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for el in b.driver.find_elements(By.CSS_SELECTOR, f"[data-list={pane}] {ROWS}"):
            try:
                if el.text.strip() and first_cell(el.text).startswith(text):
                    el.click()
                    return
            except StaleElementReferenceException:
                break
        time.sleep(0.1)
    raise AssertionError(f"no row {text!r} in {pane}: {rows(b, pane)[:10]}")


def text_of(b: Browser, css: str) -> str:
    value: str = b.js(
        "const e = document.querySelector(arguments[0]); return e ? e.innerText : ''", css
    )
    return value


def wait_text(b: Browser, css: str, text: str, what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if text in text_of(b, css):
            return
        time.sleep(0.1)
    raise AssertionError(
        f"timed out waiting for {what}: {text!r} not in {text_of(b, '.rv-root')[:2000]!r}"
    )


def no_console_errors(b: Browser) -> None:
    errors = b.console_errors()
    assert not errors, f"JavaScript errors: {errors}"


def test_click_a_repository_a_tag_and_a_layer(
    lab: tuple[Lab, Browser], registry: RegistryServer, content: Published, bulk_tags: list[str]
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    server, b = lab
    write_notebook(
        server.cwd / "bulk.ipynb",
        [
            f"from regview.notebook.widget import explore\nw = explore({registry.host!r})\nw",
        ],
    )
    b.open_notebook(server, "bulk.ipynb")
    wait_rows(b, "repos", lambda r: len(r) > 3, "the catalog")
    assert text_of(b, ".rv-crumbs").startswith(registry.host)

    # Filter the catalog by typing, then click the repository.
    box = b.driver.find_element(By.CSS_SELECTOR, "[data-filter=repos]")
    box.send_keys("bulk/tags")
    wait_rows(b, "repos", lambda r: r[:1] == ["bulk/tags"], "the filter")
    click_row(b, "repos", "bulk/tags")
    expected = sorted(bulk_tags, key=natural_key)
    first = wait_rows(b, "tags", lambda r: bool(r) and "…" not in r[0], "the tags and columns")
    assert first[0].split("\n")[0] == expected[0]
    assert "2,000" in text_of(b, "[data-pane=tags] .rv-pane-title")
    in_dom = b.js("return document.querySelectorAll('[data-list=tags] .rv-row').length")
    assert 0 < in_dom <= 80

    # Scroll to the end: the last tags are drawn, and the DOM still holds one window.
    b.js("const s = document.querySelector('[data-list=tags]'); s.scrollTop = s.scrollHeight")
    last = wait_rows(
        b, "tags", lambda r: bool(r) and r[-1].split("\n")[0] == expected[-1], "the last tags"
    )
    assert [t.split("\n")[0] for t in last][-3:] == expected[-3:]
    in_dom = b.js("return document.querySelectorAll('[data-list=tags] .rv-row').length")
    assert 0 < in_dom <= 80
    b.js("document.querySelector('[data-list=tags]').scrollTop = 0")
    wait_rows(b, "tags", lambda r: bool(r) and r[0].split("\n")[0] == expected[0], "the top")

    # A tag: its manifest tree; the layer: its details; Enter: its files.
    click_row(b, "tags", expected[0])
    tree = wait_rows(b, "tree", lambda r: any(t.startswith("layer 1") for t in r), "the tree")
    assert tree[0].split()[0] == "▾" or tree[0].startswith(expected[0])
    click_row(b, "tree", "layer 1")
    wait_text(b, ".rv-details", content.bulk_image.layers[0].digest, "the layer's details")
    b.driver.switch_to.active_element.send_keys(Keys.ENTER)
    b.wait_js("return !document.querySelector('.rv-files').hidden", what="the files view")
    files = wait_rows(b, "files", lambda r: bool(r) and r[0] != "…", "the layer's files")
    assert first_cell(files[0]) == "etc"
    assert "layer 1 of 1" in text_of(b, ".rv-files-summary")
    b.driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    b.wait_js("return document.querySelector('.rv-files').hidden", what="the files to close")

    # The copy button copies the pinned reference of the layer selected, and says so.
    b.driver.find_element(By.CSS_SELECTOR, "[data-copy=digest]").click()
    pinned = f"{registry.host}/bulk/tags@{content.bulk_image.layers[0].digest}"
    b.wait_js(
        "return document.querySelector('.rv-message').innerText === arguments[0]",
        f"Copied {pinned}",
        what="the copy message",
    )
    status = text_of(b, ".rv-status-text")
    assert "anonymous" in status and "requests" in status
    assert text_of(b, ".rv-error") == ""
    no_console_errors(b)


def test_keyboard_moves_and_opens(
    lab: tuple[Lab, Browser], registry: RegistryServer, content: Published
) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    server, b = lab
    write_notebook(
        server.cwd / "keys.ipynb",
        [
            "from regview.notebook.widget import explore\n"
            f"w = explore({registry.host + '/kinds/oci-index'!r})\nw",
        ],
    )
    b.open_notebook(server, "keys.ipynb")
    wait_rows(b, "tags", lambda r: r[:1] and r[0].startswith("latest"), "the tags")
    b.driver.find_element(By.CSS_SELECTOR, f"[data-list=tags] {ROWS}").click()
    wait_rows(b, "tree", lambda r: len(r) >= 4, "the tree")
    keys = ActionChains(b.driver)
    keys.send_keys(Keys.ENTER).pause(0.3).send_keys("j").pause(0.3).send_keys(Keys.ENTER)
    keys.pause(0.5).perform()
    tree = wait_rows(b, "tree", lambda r: any(t.startswith("config") for t in r), "expanded")
    assert any("linux/amd64" in t for t in tree)
    # The notebook did not take the keys: it is still in command mode on the same cell.
    assert b.js("return window.jupyterapp.shell.currentWidget.content.activeCellIndex") == 0
    ActionChains(b.driver).send_keys(Keys.BACKSPACE).pause(0.3).perform()
    assert b.js("return document.activeElement.dataset.list") == "tags"
    ActionChains(b.driver).send_keys("/").pause(0.2).send_keys("zzz-none").pause(0.8).perform()
    b.wait_js(
        "return document.querySelector('[data-list=tags] .rv-empty').innerText === ''"
        " && document.querySelectorAll('[data-list=tags] .rv-row[data-row]"
        ":not([hidden])').length === 0",
        what="an empty filter result",
    )
    no_console_errors(b)


def test_demo_screenshot(lab: tuple[Lab, Browser], tmp_path: Path) -> None:
    """The demo, an index with its platforms and details, as a PNG (written to
    ``screenshots/notebook-explorer.png`` when ``REGVIEW_UPDATE_SCREENSHOTS=1``)."""
    server, b = lab
    write_notebook(
        server.cwd / "demo.ipynb",
        [
            "from regview.notebook.widget import explore\nw = explore('demo')\nw",
        ],
    )
    b.driver.set_window_size(1680, 900)
    try:
        b.open_notebook(server, "demo.ipynb")
        b.js("window.jupyterapp.commands.execute('application:toggle-left-area')")
        wait_rows(b, "repos", lambda r: "acme/web" in r, "the demo")
        click_row(b, "repos", "acme/web")
        wait_rows(b, "tags", lambda r: bool(r) and "…" not in r[0], "the tags")
        click_row(b, "tags", "latest")
        wait_rows(b, "tree", lambda r: len(r) > 4, "the index")
        click_row(b, "tree", "linux/amd64")
        b.wait_js(
            "return document.querySelector('.rv-details').innerText.includes('History')",
            what="the details",
        )
        time.sleep(0.5)
        out = tmp_path / "notebook-explorer.png"
        b.screenshot(out, ".rv-root")
        assert out.stat().st_size > 20_000
        if os.environ.get("REGVIEW_UPDATE_SCREENSHOTS") == "1":
            b.screenshot(SCREENSHOT, ".rv-root")
        no_console_errors(b)
    finally:
        b.driver.set_window_size(1500, 1000)


def test_the_start_list_opens_the_demo_or_what_is_typed(
    lab: tuple[Lab, Browser], registry: RegistryServer, content: Published
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    server, b = lab
    write_notebook(
        server.cwd / "start.ipynb",
        ["from regview.notebook.widget import explore\nw1 = explore()\nw1", "w2 = explore()\nw2"],
    )
    b.open_notebook(server, "start.ipynb")
    first, second = b.driver.find_elements(By.CSS_SELECTOR, ".rv-root")
    choices = first.find_elements(By.CSS_SELECTOR, ".rv-choice")
    assert [c.text.split("\n")[0] for c in choices][:1] == ["demo"]
    choices[0].click()
    b.wait_js(
        "return arguments[0].querySelectorAll('[data-list=repos] .rv-row[data-row]:not([hidden])')"
        ".length === 6",
        first,
        what="the demo's repositories",
    )
    box = second.find_element(By.CSS_SELECTOR, ".rv-target")
    box.send_keys(f"{registry.host}/{content.repo('oci-image')}" + Keys.ENTER)
    b.wait_js(
        "return [...arguments[0].querySelectorAll('[data-list=tags] .rv-row[data-row]')]"
        ".some(r => r.innerText.startsWith('latest'))",
        second,
        what="the typed repository's tags",
    )
    assert registry.host in second.find_element(By.CSS_SELECTOR, ".rv-crumbs").text
    no_console_errors(b)
