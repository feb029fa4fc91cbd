"""``regview serve`` in headless Chromium, on the real registry of the integration tests.

The test reads what the terminal shows from the page's xterm.js buffer and types into
xterm.js's input element, as a person would: a repository, its tag, the manifest, a
layer and its files. Expected values come from the generated content (its digests,
checked with skopeo when it was pushed) and from Python's tarfile reading the layer.
It then checks what the browser did: no JavaScript error, no request that left the
server, and what became of the app processes when the tab closed and at Ctrl+C.
"""

from __future__ import annotations

import gzip
import io
import re
import signal
import tarfile
from collections.abc import Callable
from urllib.parse import urlsplit

from selenium.webdriver.common.keys import Keys

from tests.serve.browser import Browser
from tests.serve.processes import Served, alive, wait_until
from tests.support.content import Published
from tests.support.registry import RegistryServer

GUARD = 60.0  # seconds: hang guards only
NETWORK_SCHEMES = ("http", "https", "ws", "wss", "ftp")


def layer_names(blob: bytes) -> list[str]:
    """The paths in a gzip layer, read with tarfile (not with regview)."""
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(blob))) as tar:
        return [member.name for member in tar.getmembers()]


def network_requests(browser: Browser) -> list[str]:
    return [u for u in browser.requests() if urlsplit(u).scheme in NETWORK_SCHEMES]


def crumbs(screen: str) -> str:
    """The breadcrumb: the explorer's first line says where the cursor is."""
    return screen.splitlines()[0].strip() if screen else ""


def footer(screen: str) -> str:
    """The key bar: its keys say which widget has the focus."""
    lines = screen.splitlines()
    return lines[-1].strip() if lines else ""


def test_a_registry_explored_in_chromium(
    serve: Callable[..., Served],
    browser: Browser,
    registry: RegistryServer,
    content: Published,
) -> None:
    image = content.manifest("oci-image")
    repo = content.repo("oci-image")
    layer = image.layers[0]
    served = serve("--plain-http", registry.host)
    tab = browser.open_tab(served.url)
    browser.wait_for(f"regview {registry.host}", what="the explorer on the registry")
    served.wait_out(r"^session 1 opened: ")
    (app,) = served.apps()

    # a repository: filtered to, opened; its tags with the digest skopeo pushed. The
    # explorer routes a key by the focus at the time it arrives: a key sent before the
    # previous one's focus change lands elsewhere, so each step waits for its screen.
    browser.type("/")
    browser.wait_for(lambda s: footer(s).startswith("esc Clear filter"), what="the filter")
    browser.type(repo)
    browser.wait_for(
        lambda s: f"│ {repo} " in s and "Repositories (1 of " in s, what="the filtered list"
    )
    browser.type(Keys.ENTER)  # the filter is done: keys go to the list again
    browser.wait_for(lambda s: footer(s).startswith("→ Open"), what="the list's keys")
    browser.type(Keys.ENTER)
    screen = browser.wait_for(
        lambda s: crumbs(s).endswith(f"› {repo} › latest"), what="the tags, on latest"
    )
    row = re.search(r"│latest +([0-9a-f]{12}) ", screen)  # the tags pane's row
    assert row is not None and row.group(1) == image.digest.split(":")[1][:12]

    # the tag: its manifest, an OCI manifest of 2 layers (the panes shift left)
    browser.type(Keys.ENTER)
    browser.wait_for(
        lambda s: (
            len(s.splitlines()) > 1
            and s.splitlines()[1].startswith("╭─ Tags")
            and "Details" in s.splitlines()[1]
        ),
        what="the manifest, focused",
    )
    browser.type("j")
    browser.wait_for(lambda s: crumbs(s).endswith("› latest › config"), what="the config")
    browser.type("j")
    screen = browser.wait_for(
        lambda s: crumbs(s).endswith(f"› {repo} › latest › layer 1"), what="layer 1"
    )
    assert f"Manifest {repo}:latest" in screen
    assert f"OCI manifest  {len(image.layers)} layers" in screen
    details = screen.replace("│", " ").replace(" ", "")
    assert "Details" in screen and layer.digest.split(":")[1][:24] in details

    # the layer's files: what tarfile finds in the blob
    names = layer_names(layer.data)
    top = sorted({name.split("/")[0] for name in names})
    browser.type("f")
    screen = browser.wait_for(
        lambda s: f"layer 1 of {len(image.layers)}" in s and all(f"{d}/" in s for d in top),
        what="the files of layer 1",
    )
    files = [name for name in names if name.startswith(f"{top[0]}/")]
    browser.type(Keys.ENTER)  # open the first directory
    browser.wait_for(
        lambda s: all(f" {name.split('/')[-1]} " in s for name in files),
        what=f"the files in {top[0]}/",
    )

    # the browser only ever talked to the server, and nothing went wrong in the page
    assert browser.console_errors() == []
    requests = network_requests(browser)
    assert any(urlsplit(u).scheme == "ws" for u in requests)
    assert {urlsplit(u).netloc for u in requests} == {f"127.0.0.1:{served.port}"}, requests

    # closing the tab ends its app
    browser.close_tab(tab)
    wait_until(lambda: not alive(app), guard=GUARD, what="the app of the closed tab ended")
    served.wait_out(r"^session 1 closed: exit 0 after ")
    assert served.apps() == []


def test_ctrl_c_ends_the_server_and_every_app(
    serve: Callable[..., Served], browser: Browser, registry: RegistryServer
) -> None:
    served = serve("--plain-http", registry.host)
    tabs = [browser.open_tab(served.url) for _ in range(2)]
    for tab in tabs:
        browser.switch_to(tab)
        browser.wait_for(f"regview {registry.host}", what="the explorer on the registry")
    apps = served.apps()
    assert len(apps) == 2
    assert served.signal(signal.SIGINT) == 0
    assert [pid for pid in apps if alive(pid)] == []
    for tab in tabs:  # each page says its session ended
        browser.switch_to(tab)
        ended = browser.driver.execute_script("return document.body.classList.contains('-closed')")
        assert ended
        browser.close_tab(tab)
    assert browser.console_errors() == []
