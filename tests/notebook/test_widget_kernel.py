"""The widget in a real ipykernel, clicked through its comm as the browser would click it.

A :class:`CommDriver` sends, over the kernel's ``jupyter_client`` connection, the custom
messages the front end sends for a click, and reads the state updates and row messages
the kernel sends back. The registry is the real ``docker-registry`` of the integration
tests; expected values are the generated images (whose bytes ``content`` checked with
``skopeo inspect --raw``) or skopeo itself.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.conftest import catalog_repos
from tests.notebook.conftest import Kernel
from tests.notebook.widget_support import CommDriver, label_text
from tests.support.content import CATALOG_PREFIX, Published, natural_key
from tests.support.images import sha256_digest
from tests.support.publish import skopeo_inspect
from tests.support.registry import RegistryServer

__all__ = ["catalog_repos"]  # the fixture, for this module


def short(digest: str) -> str:
    return digest.split(":", 1)[1][:12]


def human(n: int) -> str:
    if n < 1000:
        return f"{n} B"
    return f"{n / 1000:.1f} kB" if n < 1_000_000 else f"{n / 1_000_000:.1f} MB"


def explorer(kernel: Kernel, var: str, target: str, **settings: Any) -> CommDriver:
    """``var = explore(target)`` in the kernel, then its comm, synced as a page would."""
    args = ", ".join([repr(target), *(f"{k}={v!r}" for k, v in settings.items())])
    kernel.run(f"from regview.notebook.widget import explore\n{var} = explore({args})")
    driver = CommDriver(kernel.kc, kernel.value(f"{var}.model_id"), var)
    driver.sync()
    return driver


def test_repository_tag_platform_layer_files_by_comm(
    kernel: Kernel, registry: RegistryServer, content: Published
) -> None:
    d = explorer(kernel, "w1", registry.host)
    assert d.state["source"]["name"] == registry.host
    assert d.state["error"] == ""
    repo = content.repo("oci-index")
    # Find the repository as a user would: type it in the filter.
    d.click({"type": "filter", "pane": "repos", "query": repo})
    assert d.rows("repos")[0] == {"n": repo}
    d.open_row("repos", repo)
    assert d.pane("tags")["length"] == 1
    index = content.manifest("oci-index")
    served = skopeo_inspect(content.ref("oci-index"))
    assert sha256_digest(served) == index.digest
    (row,) = d.rows("tags")
    amd64 = index.child("linux/amd64")
    assert row == {
        "n": "latest",
        "d": short(index.digest),
        "s": human(amd64.layers_size),
        "p": "2",
        "c": "2024-03-01",
    }

    d.open_row("tags", "latest")
    root = d.rows("tree")[0]
    assert label_text(root) == f"latest  OCI index  2 platforms  {short(index.digest)}"
    assert d.state["selection"]["refs"] == {
        "tag": f"{registry.host}/{repo}:latest",
        "digest": f"{registry.host}/{repo}@{index.digest}",
    }
    platform = d.node(lambda r: r.get("role") == "platform")
    assert platform["label"][0] == ["linux/amd64", "bold"]
    d.click({"type": "toggle", "node": platform["id"]})
    d.click({"type": "select", "node": platform["id"]})
    config_block = next(b for b in d.state["details"]["blocks"] if b.get("title") == "Config")
    env = {line for f in config_block["rows"] if f["k"] == "Env" for line in f["lines"]}
    assert env == set(amd64.config_json["config"]["Env"])

    layer = d.node(lambda r: r["kind"] == "layer")
    d.click({"type": "select", "node": layer["id"]})
    fields = {f["k"]: f.get("v") for f in d.state["details"]["blocks"][0]["rows"]}
    assert fields["Digest"] == amd64.layers[0].digest
    assert d.state["selection"]["refs"]["digest"] == (
        f"{registry.host}/{repo}@{amd64.layers[0].digest}"
    )
    d.click({"type": "action", "node": layer["id"], "id": "files"})
    assert d.state["files"]["open"] is True and d.state["files"]["error"] == ""
    assert [r["name"] for r in d.rows("files")] == ["bin", "etc"]

    status = d.state["status"]
    assert status["source"] == registry.host and status["identity"] == "anonymous"
    assert status["requests"] > 0 and status["tasks"] == 0
    assert d.state["error"] == ""


def test_2000_tags_come_in_windows_in_natural_order(
    kernel: Kernel, registry: RegistryServer, content: Published, bulk_tags: list[str]
) -> None:
    d = explorer(kernel, "w2", f"{registry.host}/bulk/tags")
    assert d.pane("tags")["length"] == 2000
    expected = sorted(bulk_tags, key=natural_key)
    first = d.rows("tags")
    assert 0 < len(first) <= 100  # a window, not the list
    assert [r["n"] for r in first] == expected[: len(first)]
    assert all(r["d"] == short(content.bulk_image.digest) for r in first[:40])

    d.send({"type": "window", "pane": "tags", "start": 1500, "stop": 1530})
    d.settle()
    rows = d.panes["tags"].rows
    assert [rows[i]["n"] for i in range(1500, 1530)] == expected[1500:1530]
    assert all(rows[i]["d"] == short(content.bulk_image.digest) for i in range(1500, 1530))
    got = sum(len(m["rows"]) for m in d.messages if m.get("type") == "rows" and m["pane"] == "tags")
    assert got < 400  # rows sent in all, against 2,000 tags
    assert len(json.dumps(d.state)) < 200_000


def test_a_catalog_of_thousands_of_repositories(
    kernel: Kernel, registry: RegistryServer, catalog_repos: list[str]
) -> None:
    d = explorer(kernel, "w3", registry.host)
    assert d.pane("repos")["length"] >= len(catalog_repos)
    assert d.pane("repos")["loading"] is False
    assert len(d.rows("repos")) <= 100
    d.click({"type": "filter", "pane": "repos", "query": f"{CATALOG_PREFIX}1999"})
    assert d.rows("repos")[0] == {"n": f"{CATALOG_PREFIX}1999"}
    d.click({"type": "filter", "pane": "repos", "query": ""})
    d.send({"type": "window", "pane": "repos", "start": 1000, "stop": 1010})
    d.settle()
    names = [d.panes["repos"].rows[i]["n"] for i in range(1000, 1010)]
    assert names == sorted(names)  # the catalog's order, one window of it


def test_a_missing_tag_is_a_one_line_error_in_the_widget(
    kernel: Kernel, registry: RegistryServer, content: Published
) -> None:
    d = explorer(kernel, "w4", f"{registry.host}/{content.repo('oci-image')}:no-such-tag")
    error = d.state["error"]
    assert error and "\n" not in error and "Traceback" not in error
    assert "no-such-tag" in error
    assert d.pane("tree")["error"] == error
    assert not error.startswith("internal error")


@pytest.mark.parametrize(
    "bad",
    [
        {"type": "open", "pane": "repos", "row": "x", "version": 0},
        {"type": "window", "pane": "<script>", "start": 0, "stop": 1},
    ],
)
def test_malformed_comm_messages_change_nothing(
    kernel: Kernel, registry: RegistryServer, content: Published, bad: dict[str, Any]
) -> None:
    d = explorer(kernel, "w5", registry.host)
    before = json.dumps(d.state, sort_keys=True)
    d.click(bad)
    assert json.dumps(d.state, sort_keys=True) == before
    assert kernel.value("w5.error") == ""


def _control(kernel: Kernel, msg_type: str, content: dict[str, Any]) -> dict[str, Any]:
    from jupyter_core.utils import run_sync

    kc = kernel.kc
    msg = kc.session.msg(msg_type, content)
    kc.control_channel.send(msg)
    get = kc.control_channel.get_msg
    while True:
        reply = run_sync(get)(timeout=30)
        if reply["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
            return dict(reply["content"])


def test_clicks_handed_to_a_subshell_run_on_the_kernels_loop(
    kernel: Kernel, registry: RegistryServer, content: Published
) -> None:
    # JupyterLab may send widget messages to a kernel subshell: another thread with its
    # own event loop. The registry client lives on the main loop; the work must go there.
    d = explorer(kernel, "w6", registry.host)
    reply = _control(kernel, "create_subshell_request", {})
    assert reply["status"] == "ok", reply
    subshell = reply["subshell_id"]
    def route_to_subshell() -> None:
        # Code run in the subshell publishes on the widget's comm from there: the kernel
        # then routes the comm's next message to that subshell (as JupyterLab's are).
        msg = kernel.kc.session.msg(
            "execute_request",
            {"code": "w6.send_state(key=['status'])", "silent": True, "store_history": False},
        )
        msg["header"]["subshell_id"] = subshell
        kernel.kc.shell_channel.send(msg)
        d.pump(
            lambda m: m["header"]["msg_type"] == "status"
            and m["parent_header"].get("msg_id") == msg["header"]["msg_id"]
            and m["content"]["execution_state"] == "idle",
            what="the subshell to run",
        )

    try:
        kernel.run(
            "import threading\n_seen, _arrived = [], []\n_handle = w6.controller.handle\n"
            "w6.controller.handle = lambda m: (_seen.append(threading.current_thread().name),"
            " _handle(m))\n"
            "w6.on_msg(lambda w, c, b: _arrived.append(threading.current_thread().name))"
        )
        repo = content.repo("oci-image")
        # A message handled in a subshell is not ordered with the main shell's: wait for
        # its effect before asking the main shell whether the widget is idle.
        route_to_subshell()
        d.send({"type": "filter", "pane": "repos", "query": repo})
        d.pump(lambda _m: d.pane("repos").get("query") == repo, what="the filter")
        d.settle()
        route_to_subshell()
        d.send({"type": "open", "pane": "repos", "row": 0, "version": d.version("repos")})
        d.pump(lambda _m: d.pane("tags").get("title", "").startswith(repo), what="the click")
        d.settle()
        # latest, and the referrers-schema tag of the image's signature and SBOM
        assert d.rows("tags")[0]["n"] == "latest"
        assert d.pane("tags")["length"] == 2 and d.pane("tags")["error"] is None
        assert d.state["error"] == ""
        arrived = kernel.value("_arrived")
        assert len(arrived) == 2 and all(name.startswith("subshell") for name in arrived), arrived
        assert kernel.value("_seen") == ["MainThread", "MainThread"]
    finally:
        _control(kernel, "delete_subshell_request", {"subshell_id": subshell})
