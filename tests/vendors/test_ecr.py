"""Amazon ECR (the fake in :mod:`tests.vendors.ecr`): Basic credentials for ``AWS`` from a
credential helper named in the auth file's ``credHelpers``, and ``n`` above 1000
refused."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from regview.registry import CredentialStore, RegistryClient, Settings
from tests.support.cli import Regview
from tests.vendors.conftest import run_with_endpoints
from tests.vendors.ecr import HOST, Ecr

HELPER = """#!/bin/sh
read server
echo "$server" >> "{log}"
printf '{{"ServerURL": "%s", "Username": "AWS", "Secret": "{secret}"}}' "$server"
"""


@pytest.fixture
def ecr() -> Iterator[Ecr]:
    with Ecr() as server:
        server.images.put("team/app", *[f"1.{i}" for i in range(30)], label="app")
        for i in range(250):
            server.images.put(f"team/svc-{i:03d}", "latest", label="svc")
        yield server
        assert not server.errors, server.errors


@pytest.fixture
def helper(tmp_path: Path, ecr: Ecr) -> tuple[Path, Path, Path]:
    """(bin dir holding docker-credential-ecr-login, its call log, an auth file naming it)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "helper.log"
    script = bin_dir / "docker-credential-ecr-login"
    script.write_text(HELPER.format(log=log, secret=ecr.password))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    auth_file = tmp_path / "config.json"
    auth_file.write_text(json.dumps({"credHelpers": {HOST: "ecr-login"}}))
    return bin_dir, log, auth_file


def path_with(bin_dir: Path) -> str:
    return f"{bin_dir}{os.pathsep}{os.environ.get('PATH', os.defpath)}"


async def test_the_credential_helper_supplies_the_aws_password(
    ecr: Ecr, helper: tuple[Path, Path, Path]
) -> None:
    bin_dir, log, auth_file = helper
    store = CredentialStore(auth_files=[auth_file], environ={"PATH": path_with(bin_dir)})
    settings = Settings(endpoints=ecr.endpoints(), use_cache=False)
    async with RegistryClient(HOST, settings=settings, credentials=store) as client:
        tags = [t async for page in client.tags("team/app") for t in page]
        assert client.identity == "AWS"
        assert client.stats.credential_origin == "credential helper docker-credential-ecr-login"
    assert len(tags) == 30
    assert log.read_text().split() == [HOST]  # asked once, about this registry
    assert any(r.basic() == ("AWS", ecr.password) for r in ecr.seen)


async def test_a_page_size_over_1000_is_refused_and_asked_again_smaller(
    ecr: Ecr, helper: tuple[Path, Path, Path]
) -> None:
    bin_dir, _log, auth_file = helper
    store = CredentialStore(auth_files=[auth_file], environ={"PATH": path_with(bin_dir)})
    settings = Settings(endpoints=ecr.endpoints(), use_cache=False)
    async with RegistryClient(HOST, settings=settings, credentials=store) as client:
        names = [n async for page in client.repositories(page_size=5000) for n in page]
    assert names == ["team/app", *[f"team/svc-{i:03d}" for i in range(250)]]
    asked = [r.param("n") for r in ecr.seen if r.path == "/v2/_catalog" and r.basic()]
    assert asked[0] == "5000" and set(asked[1:]) == {"100"}


def test_the_command_line_finds_the_helper_on_path(
    ecr: Ecr, helper: tuple[Path, Path, Path], regview: Regview
) -> None:
    bin_dir, log, auth_file = helper
    env = {**regview.env(), "REGVIEW_ENDPOINTS": ecr.endpoints_env(), "PATH": path_with(bin_dir)}
    from tests.support.cli import run_regview

    result = run_regview("tags", "--auth-file", str(auth_file), "--json", f"{HOST}/team/app",
                         env=env).ok()
    assert len(result.json()["tags"]) == 30
    assert result.json()["repository"] == f"{HOST}/team/app"
    assert ecr.password not in result.stderr and ecr.password not in result.text
    assert log.read_text().split() == [HOST]
    # Without the helper's answer the registry says to log in, in one line.
    refused = run_with_endpoints(regview, ecr.endpoints_env(), "tags", f"{HOST}/team/app")
    assert "requires authentication" in refused.failed().stderr
