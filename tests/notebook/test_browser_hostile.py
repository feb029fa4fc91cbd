"""Hostile registry content in the widget, in a real browser: it must stay text.

An OCI layout (written here) whose repository names, tags, annotations, labels, env,
history, user, workdir, artifact type and file names are HTML and JavaScript attacks
(script tags, ``onerror`` handlers, ``javascript:`` URLs, CSS that would hide the page,
attribute breakouts). The widget is clicked through every pane in JupyterLab; after each
step the page must hold no element or attribute the attacks would have made, no payload
may have run (each one sets ``window.__pwned`` or opens an alert), the attack text must be
on the page as text, and the console must hold no error.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from regview.registry import media_types
from regview.registry.oci_layout import LayoutWriter
from tests.notebook.widget_support import (
    Browser,
    Lab,
    browser_missing,
    lab_and_browser,
    write_notebook,
)
from tests.support.images import gzip_bytes

pytestmark = pytest.mark.skipif(browser_missing() is not None, reason=str(browser_missing()))

mt = media_types
PWN = "window.__pwned=1"

#: Each attack sets window.__pwned (or alerts) if it ever runs.
ATTACKS = {
    "script": f"<script>{PWN};alert(1)</script>",
    "img": f'<img src=x onerror="{PWN};alert(2)">',
    "svg": f"<svg onload={PWN}>",
    "iframe": f"<iframe src=javascript:{PWN}></iframe>",
    "js-url": f"javascript:{PWN}//",
    "css": "</style><style>*{display:none!important}</style>",
    "attr": f'" onmouseover="{PWN}" data-x="',
    "entity": "&lt;b&gt;bold&lt;/b&gt; &amp;",
}
#: Repository names (directories; a "/" in a name makes a nested layout).
REPOS = [f"<img src=x onerror={PWN}>", f"<script>{PWN}</script>"]


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def tar_of(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1_700_000_000
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def hostile_layout(path: Path) -> None:
    """One image (and an index of it, and a referrer) made of attacks."""
    values = list(ATTACKS.values())
    writer = LayoutWriter(path)
    layer_tar = tar_of({f"dir-{i}/{name.replace('/', '_')}": b"x" for i, name in enumerate(values)})
    layer = writer.add_blob(gzip_bytes(layer_tar), mt.OCI_LAYER_GZIP)
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": "2024-05-01T12:00:00Z",
        "author": ATTACKS["script"],
        "config": {
            "User": ATTACKS["img"],
            "WorkingDir": ATTACKS["js-url"],
            "Env": [f"{k.upper()}={v}" for k, v in ATTACKS.items()],
            "Entrypoint": [ATTACKS["svg"]],
            "Cmd": [ATTACKS["attr"]],
            "Labels": {v: v for v in values},
            "ExposedPorts": {ATTACKS["css"]: {}},
        },
        "rootfs": {"type": "layers", "diff_ids": [sha256(layer_tar)]},
        "history": [{"created_by": v, "comment": v} for v in values[:1]],
    }
    cfg = writer.add_json(config, mt.OCI_CONFIG)
    manifest = {
        "schemaVersion": 2,
        "mediaType": mt.OCI_MANIFEST,
        "config": {"mediaType": mt.OCI_CONFIG, "digest": cfg.digest, "size": cfg.size},
        "layers": [
            {
                "mediaType": mt.OCI_LAYER_GZIP,
                "digest": layer.digest,
                "size": layer.size,
                "annotations": {v: v for v in values},
            }
        ],
        "annotations": {v: v for v in values},
    }
    image = writer.add_json(manifest, mt.OCI_MANIFEST)
    index = {
        "schemaVersion": 2,
        "mediaType": mt.OCI_INDEX,
        "manifests": [
            {
                "mediaType": mt.OCI_MANIFEST,
                "digest": image.digest,
                "size": image.size,
                "platform": {"architecture": ATTACKS["img"], "os": ATTACKS["script"]},
                "annotations": {v: v for v in values},
            }
        ],
        "annotations": {v: v for v in values},
    }
    idx = writer.add_json(index, mt.OCI_INDEX)
    empty = writer.add_blob(b"{}", mt.OCI_EMPTY)
    referrer = {
        "schemaVersion": 2,
        "mediaType": mt.OCI_MANIFEST,
        "artifactType": ATTACKS["iframe"],
        "config": {"mediaType": mt.OCI_EMPTY, "digest": empty.digest, "size": 2},
        "layers": [{"mediaType": ATTACKS["svg"], "digest": empty.digest, "size": 2}],
        "subject": {"mediaType": mt.OCI_INDEX, "digest": idx.digest, "size": idx.size},
        "annotations": {v: v for v in values},
    }
    ref = writer.add_json(referrer, mt.OCI_MANIFEST)
    for name in values:
        writer.tag(idx, name)
    writer.tag(image, "image")
    writer.tag(ref, "referrer")
    writer.close()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Lab, Browser, Path]]:
    root = tmp_path_factory.mktemp("hostile-layouts")
    for name in REPOS:
        hostile_layout(root / name)
    with lab_and_browser(tmp_path_factory.mktemp("lab")) as (lab, browser):
        yield lab, browser, root


#: The attributes the widget sets itself (no registry text is ever one of them).
ALLOWED_ATTRIBUTES = {
    "class",
    "tabindex",
    "placeholder",
    "spellcheck",
    "type",
    "style",
    "hidden",
    "data-lm-suppress-shortcuts",
}
CHECK = """
const root = document.querySelector('.rv-root');
if (!root) return {error: 'no widget'};
const bad = [...root.querySelectorAll(
  'script, img, svg, iframe, object, embed, link, style, a,'
  + ' form:not(.rv-start-form):not(.rv-denied),'
  + ' [onerror], [onload], [onmouseover], [href], [src], [data-x]')]
  .map(e => e.outerHTML.slice(0, 200));
const attrs = [];
for (const e of root.querySelectorAll('*')) {
  for (const a of e.attributes) {
    const data = a.name.startsWith('data-');
    if (!data && !arguments[0].includes(a.name)) attrs.push(a.name + '=' + a.value.slice(0, 80));
    if (/pwned|javascript|[<>"]/i.test(a.value)) attrs.push(a.name + '=' + a.value.slice(0, 80));
    if (data && !/^[a-z0-9_-]*$/i.test(a.value) && a.name !== 'data-lm-suppress-shortcuts')
      attrs.push(a.name + '=' + a.value.slice(0, 80));
  }
}
const OURS = /^((top|height|width): -?[0-9.]+(px|%); ?|grid-template-columns: [a-z0-9(),. ]+; ?)+$/;
const styles = [...root.querySelectorAll('[style]')].map(e => e.getAttribute('style'))
  .filter(s => !OURS.test(s));
return {pwned: window.__pwned === 1, bad, attrs, styles, visible: root.offsetHeight > 100,
        text: root.innerText};
"""


def check_page(b: Browser, *expected_text: str) -> str:
    """Nothing injected, nothing ran, the widget still shows; returns its text."""
    result: dict[str, Any] = b.js(CHECK, sorted(ALLOWED_ATTRIBUTES))
    assert result.get("error") is None, result
    assert result["pwned"] is False, "a payload ran"
    assert result["bad"] == [], result["bad"]
    assert result["attrs"] == [], result["attrs"]
    assert result["styles"] == [], result["styles"]
    assert result["visible"] is True, "the widget was hidden"
    text: str = result["text"]
    for needle in expected_text:
        assert needle in text, f"{needle!r} is not on the page as text"
    errors = b.console_errors()
    assert not errors, f"JavaScript errors: {errors}"
    return text


def rows(b: Browser, pane: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return list(
        b.driver.find_elements(
            By.CSS_SELECTOR, f"[data-list={pane}] .rv-row[data-row]:not([hidden])"
        )
    )


def wait(b: Browser, what: str, predicate: Any) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_hostile_names_labels_and_files_stay_text(hostile: tuple[Lab, Browser, Path]) -> None:
    lab, b, root = hostile
    write_notebook(
        lab.cwd / "hostile.ipynb",
        [
            f"from regview.notebook.widget import explore\nw = explore({'oci:' + str(root)!r})\nw",
        ],
    )
    b.open_notebook(lab, "hostile.ipynb")
    b.js("window.jupyterapp.commands.execute('application:toggle-left-area')")  # 4 panes
    wait(b, "the repositories", lambda: len(rows(b, "repos")) == 2)
    check_page(b, *REPOS)

    for repo_index in range(2):
        rows(b, "repos")[repo_index].click()
        wait(b, "the tags", lambda: len(rows(b, "tags")) == len(ATTACKS) + 2)
        wait(b, "the tag columns", lambda: "…" not in rows(b, "tags")[0].text)
        check_page(b, *ATTACKS.values())
        # A hostile tag: the index, its platform (hostile too), the referrer.
        tag_rows = rows(b, "tags")
        next(r for r in tag_rows if ATTACKS["script"] in r.text).click()
        wait(b, "the tree", lambda: len(rows(b, "tree")) >= 3)
        wait(
            b,
            "the index details",
            lambda: "Platforms" in b.js("return document.querySelector('.rv-details').innerText"),
        )
        check_page(b, ATTACKS["img"], ATTACKS["entity"])
        platform = rows(b, "tree")[1]
        platform.click()
        wait(
            b,
            "the image details",
            lambda: "Config" in b.js("return document.querySelector('.rv-details').innerText"),
        )
        check_page(b, ATTACKS["css"], ATTACKS["attr"], ATTACKS["js-url"])
        b.js("document.querySelector('[data-list=tree]').focus()")
        from selenium.webdriver.common.keys import Keys

        b.driver.switch_to.active_element.send_keys(Keys.ENTER)  # open the platform
        wait(b, "its layer", lambda: any(r.text.startswith("layer 1") for r in rows(b, "tree")))
        layer = next(r for r in rows(b, "tree") if r.text.startswith("layer 1"))
        layer.click()
        wait(
            b,
            "the layer details",
            lambda: "Annotations" in b.js("return document.querySelector('.rv-details').innerText"),
        )
        check_page(b, ATTACKS["iframe"])
        referrer = next((r for r in rows(b, "tree") if ATTACKS["iframe"][:10] in r.text), None)
        assert referrer is not None, [r.text for r in rows(b, "tree")]

        # The layer's files: hostile names, found with the files filter.
        b.js(
            "[...document.querySelectorAll('.rv-action')].find(e => e.dataset.action"
            " === 'files').click()"
        )
        wait(b, "the layer's files", lambda: len(rows(b, "files")) == len(ATTACKS))
        b.driver.switch_to.active_element.send_keys("/")
        b.driver.switch_to.active_element.send_keys("<")
        wait(b, "the paths found", lambda: any("<script>" in r.text for r in rows(b, "files")))
        check_page(b, ATTACKS["script"].replace("/", "_"), ATTACKS["img"])
        b.driver.switch_to.active_element.send_keys(Keys.ESCAPE)  # clears the filter
        b.driver.switch_to.active_element.send_keys(Keys.ESCAPE)  # closes the view
        wait(
            b,
            "the files view to close",
            lambda: b.js("return document.querySelector('.rv-files').hidden"),
        )

        # The raw JSON of the index, attacks and all.
        root_row = rows(b, "tree")[0]
        root_row.click()
        b.driver.switch_to.active_element.send_keys("J")
        wait(b, "the raw JSON", lambda: b.js("return !document.querySelector('.rv-raw').hidden"))
        raw = b.js("return document.querySelector('.rv-raw-text').textContent")
        assert json.loads(raw)["annotations"][ATTACKS["script"]] == ATTACKS["script"]
        check_page(b, ATTACKS["svg"])
        b.driver.switch_to.active_element.send_keys(Keys.ESCAPE)
        wait(
            b,
            "the raw JSON to close",
            lambda: b.js("return document.querySelector('.rv-raw').hidden"),
        )
