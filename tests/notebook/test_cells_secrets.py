"""Credentials never reach a cell output or the saved notebook, even when a registry
echoes them back.

A real kernel reads from the real htpasswd registry with an auth file, and from an
"echo" registry (a small HTTP server here) that authenticates with Basic or Bearer and
then puts the ``Authorization`` header it received, and the password in it, into error
messages, tag names, annotations and labels. Every output is then searched, as saved by
nbformat, for the password, ``user:password`` in base64 and the bearer token.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import nbformat
import pytest

from tests.notebook.conftest import Kernel
from tests.support.cli import Credentials
from tests.support.quiet_handler import QuietHandler
from tests.support.registry import RegistryServer
from tests.support.serving import serving

USER = "echo-user"
PASSWORD = f"pw-{secrets.token_urlsafe(16)}"
TOKEN = f"tok-{secrets.token_hex(16)}"
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJlY2hvIn0." + secrets.token_urlsafe(24)
PAIR = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class EchoHandler(QuietHandler):
    """Repositories ``basic/echo`` (Basic auth) and ``bearer/echo`` (a token realm here)."""

    server: EchoServer

    def echoed(self) -> str:
        """What the client sent, and the password decoded from it, for the registry to echo."""
        header = self.headers.get("Authorization", "")
        decoded = ""
        if header.startswith("Basic "):
            decoded = base64.b64decode(header[6:]).decode(errors="replace")
        return f"you sent Authorization: {header} ({decoded})"

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        host = f"127.0.0.1:{self.server.server_address[1]}"
        if path == "/token":
            if self.headers.get("Authorization") != f"Basic {PAIR}":
                self.send(401, b"{}")
                return
            self.send(200, json.dumps({"token": TOKEN, "expires_in": 300}).encode())
            return
        bearer = path.startswith("/v2/bearer/")
        wanted = f"Bearer {TOKEN}" if bearer else f"Basic {PAIR}"
        if self.headers.get("Authorization") != wanted:
            challenge = (
                f'Bearer realm="http://{host}/token",service="echo",'
                'scope="repository:bearer/echo:pull"'
                if bearer
                else 'Basic realm="echo"'
            )
            self.send(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"log in"}]}',
                      {"WWW-Authenticate": challenge})
            return
        if path == "/v2/":
            self.send(200, b"{}")
            return
        echo = self.echoed()
        repo = "/".join(path.split("/")[2:4])
        if path.endswith("/tags/list"):
            self.send(200, json.dumps({"name": repo, "tags": ["latest", PASSWORD]}).encode())
            return
        config, manifest = self.server.image(echo)
        if path == f"/v2/{repo}/manifests/latest" or path.endswith(digest(manifest)):
            self.send(200, manifest, {"Content-Type": OCI_MANIFEST,
                                      "Docker-Content-Digest": digest(manifest)})
            return
        if path.endswith(f"/blobs/{digest(config)}"):
            self.send(200, config)
            return
        # Error messages also quote the token in other shapes.
        message = f"{echo} token={TOKEN} jwt {JWT}"
        body = {"errors": [{"code": "MANIFEST_UNKNOWN", "message": message}]}
        self.send(404, json.dumps(body).encode())


class EchoServer(ThreadingHTTPServer):
    def image(self, echo: str) -> tuple[bytes, bytes]:
        config = json.dumps(
            {
                "architecture": "amd64",
                "os": "linux",
                "config": {"Labels": {"echo": echo, "password": PASSWORD},
                           "Env": [f"PASSWORD={PASSWORD}", f"AUTH={PAIR}"]},
                "rootfs": {"type": "layers", "diff_ids": []},
                "history": [{"created_by": echo, "empty_layer": True}],
            }
        ).encode()
        manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": OCI_MANIFEST,
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                           "digest": digest(config), "size": len(config)},
                "layers": [],
                "annotations": {"echo": echo, PASSWORD: PAIR},
            }
        ).encode()
        return config, manifest


@pytest.fixture(scope="module")
def echo() -> Iterator[str]:
    with serving(EchoServer(("127.0.0.1", 0), EchoHandler)) as host:
        yield host


def auth_file(tmp: Path, auths: dict[str, str]) -> Path:
    path = tmp / "auth.json"
    path.write_text(json.dumps({"auths": {host: {"auth": a} for host, a in auths.items()}}))
    return path


def saved(kernel: Kernel) -> str:
    """The notebook as it would be saved, widget state and all."""
    kernel.client.set_widgets_metadata()
    return nbformat.writes(kernel.nb)


@pytest.fixture(scope="module")
def nb(
    kernel: Kernel,
    echo: str,
    basic_registry: RegistryServer,
    basic_credentials: Credentials,
    tmp_path_factory: pytest.TempPathFactory,
) -> Kernel:
    path = auth_file(
        tmp_path_factory.mktemp("auth"),
        {echo: PAIR, basic_registry.host: basic_credentials.basic},
    )
    kernel.run(
        "import regview.notebook as rv\n"
        f"ECHO = {echo!r}\nBASIC = {basic_registry.host!r}\n"
        f"AUTH = {{'auth_files': [{str(path)!r}]}}"
    )
    return kernel


def assert_no_secret(text: str, *extra: str) -> None:
    for secret in (PASSWORD, PAIR, TOKEN, JWT, *extra):
        assert secret not in text, f"{secret[:12]}… reached the outputs"


def test_a_password_protected_registry_leaves_no_secret(
    nb: Kernel, basic_credentials: Credentials
) -> None:
    out = nb.run("ts = await rv.tags(BASIC + '/private/oci-image', **AUTH)\nts")
    assert "latest" in out.html
    out = nb.run("img = await rv.image(BASIC + '/private/oci-index:latest', **AUTH)\nimg")
    assert "linux/amd64" in out.html
    out = nb.run("await rv.image(BASIC + '/private/oci-image:nope', **AUTH)", allow_error=True)
    assert out.errors
    pair = base64.b64encode(
        f"{basic_credentials.username}:{basic_credentials.password}".encode()
    ).decode()
    assert_no_secret(saved(nb), basic_credentials.password, pair)


def test_credentials_echoed_in_errors_are_hidden(nb: Kernel) -> None:
    for repo in ("basic/echo", "bearer/echo"):
        out = nb.run(f"await rv.image(ECHO + '/{repo}:missing', **AUTH)", allow_error=True)
        [error] = out.errors
        line = error["traceback"][0]
        assert "you sent Authorization:" in line and "<hidden>" in line, line
        assert_no_secret(json.dumps(error))
    assert_no_secret(saved(nb))


def test_credentials_echoed_in_content_are_hidden(nb: Kernel) -> None:
    out = nb.run("img = await rv.image(ECHO + '/basic/echo:latest', **AUTH)\nimg")
    assert "you sent Authorization: Basic &lt;hidden&gt;" in out.html
    # The label, the env entries, the annotation key and value, the history step.
    assert out.html.count("&lt;hidden&gt;") >= 6
    out = nb.run("await rv.image(ECHO + '/bearer/echo:latest', **AUTH)")
    assert "you sent Authorization: Bearer &lt;hidden&gt;" in out.html
    out = nb.run("ts = await rv.tags(ECHO + '/basic/echo', **AUTH)\nts")
    assert "<hidden>" in out.plain
    out = nb.run("fm = await rv.session(**AUTH).source(ECHO).manifest('basic/echo', 'latest')\nfm")
    assert "&lt;hidden&gt;" in out.html
    assert_no_secret(saved(nb))
    # The data itself is what the registry sent: only what is shown is cleaned.
    assert nb.value("img.annotations") == nb.value("dict(fm.manifest.annotations)")
    assert nb.value(f"{PASSWORD!r} in img.annotations")
