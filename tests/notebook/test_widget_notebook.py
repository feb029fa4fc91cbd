"""A notebook that calls explore() runs top to bottom in a real kernel (nbclient), and the
widget state it saves (``metadata.widgets``) says what was browsed, and holds no secret.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat

from tests.notebook.conftest import Kernel
from tests.notebook.test_cells_secrets import JWT, PAIR, PASSWORD, TOKEN, auth_file, echo
from tests.notebook.widget_support import CommDriver
from tests.support.cli import Credentials
from tests.support.content import Published
from tests.support.registry import RegistryServer

__all__ = ["echo"]  # the echoing registry's fixture, for this module

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def widget_states(nb: Any) -> dict[str, dict[str, Any]]:
    """model id -> the state of every explorer widget the notebook saved."""
    states = nb.metadata["widgets"][WIDGET_STATE]["state"]
    return {
        model_id: entry["state"]
        for model_id, entry in states.items()
        if entry["state"].get("_anywidget_id") == "regview.notebook.widget.Explorer"
    }


def notebook(*cells: str) -> Any:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    return nb


def test_the_saved_state_says_what_was_browsed(
    run_notebook: Callable[..., Any], registry: RegistryServer, content: Published
) -> None:
    repo = content.repo("oci-index")
    index = content.manifest("oci-index")
    amd64 = index.child("linux/amd64")
    nb = run_notebook(
        notebook(
            "from regview.notebook.widget import explore\n"
            f"w = explore({registry.host + '/' + repo + ':latest'!r})\nw",
            "await w.idle()",
            # A click on the first platform, as the page sends it.
            "platform = w.controller.tree.flat[1][0]\n"
            "w.click({'type': 'select', 'node': platform.id})\n"
            "await w.idle()",
        )
    )
    (state,) = widget_states(nb).values()
    assert state["source"]["name"] == registry.host
    assert state["panes"]["tags"]["length"] == 1
    assert state["panes"]["tags"]["selected"] == 0
    assert state["panes"]["tree"]["length"] >= 4  # the index, 2 platforms, attestations
    assert state["selection"]["crumbs"] == [registry.host, repo, "latest", "linux/amd64"]
    assert state["selection"]["refs"] == {
        "tag": f"{registry.host}/{repo}:latest",
        "digest": f"{registry.host}/{repo}@{amd64.digest}",
    }
    image = next(b for b in state["details"]["blocks"] if b.get("title") == "Image")
    assert {"k": "Digest", "v": amd64.digest, "s": "cyan"} in image["rows"]
    assert state["error"] == "" and state["status"]["tasks"] == 0
    assert "export default" in state["_esm"]  # the front end travels with the notebook
    # The rows themselves are no state: a saved notebook holds no tag list.
    assert "rows" not in json.dumps(state["panes"])


def test_no_credential_in_the_widget_state_or_the_saved_notebook(
    kernel: Kernel,
    basic_registry: RegistryServer,
    basic_credentials: Credentials,
    echo: str,
    tmp_path: Path,
) -> None:
    path = auth_file(tmp_path, {echo: PAIR, basic_registry.host: basic_credentials.basic})
    settings = f"auth_files=[{str(path)!r}]"
    kernel.run(
        "from regview.notebook.widget import explore\n"
        f"wb = explore({basic_registry.host + '/private/oci-index:latest'!r}, {settings})\n"
        f"we = explore({echo + '/basic/echo:latest'!r}, {settings})\n"
        f"wt = explore({echo + '/bearer/echo:missing'!r}, {settings})\n"
        "await wb.idle(); await we.idle(); await wt.idle()\n"
        # The echo registry's tag list holds the password; open it and its raw JSON.
        "we.click({'type': 'window', 'pane': 'tags', 'start': 0, 'stop': 10})\n"
        "we.click({'type': 'action', 'node': we.controller.tree.flat[0][0].id, 'id': 'raw'})\n"
        "await we.idle()"
    )
    # The password-protected registry was read with the credentials...
    assert kernel.value("wb.status['identity']") == basic_credentials.username
    assert kernel.value("wb.panes['tree']['length']") >= 4
    # ...and the echo registry answered with them in its content and its errors.
    assert kernel.value("we.panes['tags']['length']") == 2
    assert "<hidden>" in kernel.value("_json.dumps(we.details)")
    assert kernel.value("wt.error")  # the missing tag's error echoes the bearer token
    pair = basic_credentials.basic
    url_pair = base64.urlsafe_b64encode(
        f"{basic_credentials.username}:{basic_credentials.password}".encode()
    ).decode()
    secrets = [PASSWORD, PAIR, TOKEN, JWT, basic_credentials.password, pair, url_pair]
    for name in ("wb", "we", "wt"):
        state = kernel.value(f"_json.dumps({name}.get_state(), default=str)")
        for secret in secrets:
            assert secret not in state, f"{secret[:10]}… is in {name}'s state"
    # The rows and the raw JSON the page is sent (custom messages) hide them too.
    driver = CommDriver(kernel.kc, kernel.value("we.model_id"), "we")
    driver.sync()
    driver.click({"type": "window", "pane": "tags", "start": 0, "stop": 10})
    driver.click(
        {"type": "action", "node": kernel.value("we.controller.tree.flat[0][0].id"), "id": "raw"}
    )
    sent = json.dumps(driver.messages)
    assert [r["n"] for r in driver.rows("tags")] == ["latest", "<hidden>"]
    assert any(m.get("type") == "raw" for m in driver.messages)
    for secret in secrets:
        assert secret not in sent, f"{secret[:10]}… was sent to the page"
    kernel.client.set_widgets_metadata()
    saved = nbformat.writes(kernel.nb)
    assert "regview.notebook.widget.Explorer" in saved
    for secret in secrets:
        assert secret not in saved, f"{secret[:10]}… is in the saved notebook"
