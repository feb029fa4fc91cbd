"""Every kind of secret the client holds, echoed back by a registry, stays out of the
saved notebook: a real kernel logs in to the echo registry
(:mod:`tests.support.echo_registry`) with a password, through a token realm, and with an
identity token, registers a proxy URL through the redactor's hook, and shows errors
(message and header echoes) and results (body echoes). The notebook's own hiding is the
client's redactor: tokens the client got from a token realm are hidden too."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from tests.notebook.conftest import Kernel
from tests.support import echo_registry as e


@pytest.fixture(scope="module")
def echo() -> Iterator[e.EchoRegistries]:
    with e.echo_registries() as registries:
        yield registries


@pytest.fixture(scope="module")
def nb(kernel: Kernel, echo: e.EchoRegistries, tmp_path_factory: pytest.TempPathFactory) -> Kernel:
    path = Path(tmp_path_factory.mktemp("auth")) / "auth.json"
    path.write_text(echo.auth_file_json())
    kernel.run(
        "import regview.notebook as rv\n"
        "from regview.registry import redactor\n"
        f"redactor.register_url({e.PROXY_URL!r})\n"
        f"HOSTS = {echo.hosts!r}\n"
        f"AUTH = {{'auth_files': [{str(path)!r}], 'use_cache': False}}"
    )
    return kernel


def saved_outputs(kernel: Kernel) -> str:
    """The notebook as it would be saved, widget state and all, but for the cells'
    sources (the setup cell names the proxy URL: that is the user's own code)."""
    kernel.client.set_widgets_metadata()
    saved = json.loads(nbformat.writes(kernel.nb))
    for cell in saved["cells"]:
        cell.pop("source", None)
    return json.dumps(saved, ensure_ascii=False)


@pytest.mark.parametrize("mode", e.MODES)
def test_secrets_echoed_in_messages_headers_and_bodies_never_reach_the_notebook(
    nb: Kernel, mode: str
) -> None:
    host = f"HOSTS[{mode!r}]"
    out = nb.run(f"await rv.image({host} + '/echo/message:latest', **AUTH)", allow_error=True)
    [error] = out.errors
    assert "you sent Authorization:" in error["evalue"] and "<hidden>" in error["evalue"]
    assert e.leaked(json.dumps(error)) == [], error
    out = nb.run(f"await rv.tags({host} + '/echo/header', **AUTH)", allow_error=True)
    [error] = out.errors
    assert "<hidden>.example" in error["evalue"], error
    out = nb.run(f"img = await rv.image({host} + '/echo/body:latest', **AUTH)\nimg")
    assert "you sent Authorization: " in out.html and "&lt;hidden&gt;" in out.html
    out = nb.run(f"ts = await rv.tags({host} + '/echo/body', **AUTH)\nts")
    assert out.plain.count("<hidden>") >= len(e.held(mode)), out.plain
    assert e.leaked(saved_outputs(nb)) == []
    # The data is what the registry sent: only what is shown is cleaned.
    assert nb.value(f"{e.REFRESH!r} in str(img.annotations)") == (mode != "basic")
