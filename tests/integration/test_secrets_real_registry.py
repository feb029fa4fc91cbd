"""The real registry's Basic auth path: the credential regview logs in with is known to the
redactor from then on, so whatever quotes it later (an error, a ``-v`` line) hides it."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from regview.registry import (
    CredentialStore,
    Denied,
    NotFound,
    RegistryClient,
    RequestRecord,
    Settings,
    redactor,
)
from tests.support.cli import Credentials, Regview
from tests.support.registry import RegistryServer

pytestmark = pytest.mark.integration


def auth_file(tmp_path: Path, host: str, creds: Credentials) -> Path:
    path = tmp_path / "auth.json"
    path.write_text(json.dumps({"auths": {host: {"auth": creds.basic}}}))
    return path


async def test_a_real_login_registers_the_password_and_its_basic_form(
    tmp_path: Path, basic_registry: RegistryServer, basic_credentials: Credentials
) -> None:
    path = auth_file(tmp_path, basic_registry.host, basic_credentials)
    store = CredentialStore(auth_files=[path])
    settings = Settings(use_cache=False, plain_http=True)
    async with RegistryClient(basic_registry.host, settings=settings, credentials=store) as c:
        tags = [t async for page in c.tags("private/oci-image") for t in page]
        assert tags
        with pytest.raises(NotFound) as missing:
            await c.manifest("private/oci-image", "no-such-tag")
    assert basic_credentials.password not in str(missing.value)
    header = f"Basic {basic_credentials.basic}"
    # What a server that echoed the header (the #12 finding) would have made regview say:
    echoed = Denied(f"access denied for Authorization: {header[:18]}… ({header})")
    assert str(echoed) == "access denied for Authorization: Basic <hidden>… (Basic <hidden>)"
    assert redactor.redact(f"pw={basic_credentials.password}") == "pw=<hidden>"
    record = RequestRecord("GET", f"http://x/v2/?p={basic_credentials.password}", 200, 1.0)
    assert basic_credentials.password not in record.url


def test_the_verbose_cli_never_shows_the_password(
    regview: Regview, basic_registry: RegistryServer, basic_credentials: Credentials
) -> None:
    path = auth_file(regview.tmp, basic_registry.host, basic_credentials)
    result = regview("--auth-file", str(path), "-v", "inspect",
                     basic_registry.ref("private/oci-image:no-such-tag"))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.describe()
    assert "GET " in result.stderr or "HEAD " in result.stderr  # the -v log is there
    pair = base64.b64encode(
        f"{basic_credentials.username}:{basic_credentials.password}".encode()
    ).decode()
    for secret in (basic_credentials.password, pair):
        assert secret not in result.stderr + result.text
