"""regview's command line as a whole: version, flag placement, -v, clean failures."""

from __future__ import annotations

import re

import pytest

import regview as regview_package
from tests.support.cli import Regview
from tests.support.content import Published
from tests.support.registry import RegistryServer, free_port

pytestmark = pytest.mark.integration

NOT_FOUND = re.compile(r"not found|unknown|no such|does not exist", re.IGNORECASE)


def test_version(regview: Regview) -> None:
    result = regview("--version", plain_http=False).ok()
    assert regview_package.__version__ in result.text


def test_global_flags_after_the_subcommand(
    regview: Regview, registry: RegistryServer, content: Published
) -> None:
    ref = content.ref("oci-image")
    result = regview(
        "inspect",
        ref,
        "--json",
        "--plain-http",
        "--no-cache",
        "--concurrency",
        "2",
        plain_http=False,
    ).ok()
    assert result.json()["digest"] == content.manifest("oci-image").digest


def test_verbose_logs_requests(
    regview: Regview, registry: RegistryServer, content: Published
) -> None:
    image = content.manifest("oci-image")
    result = regview("-v", "inspect", content.ref("oci-image"), "--json").ok()
    assert result.json()["digest"] == image.digest  # stdout stays clean JSON
    log = result.stderr
    assert "GET" in log
    assert registry.host in log
    assert f"/v2/{content.repo('oci-image')}/manifests/" in log
    assert "200" in log


def test_unknown_tag(regview: Regview, registry: RegistryServer, content: Published) -> None:
    ref = registry.ref(content.repo("oci-image"), "no-such-tag")
    for command in ("manifest", "inspect", "config"):
        result = regview(command, ref).failed()
        assert NOT_FOUND.search(result.stderr), result.stderr
        assert result.stdout == b""


def test_unknown_digest(regview: Regview, registry: RegistryServer, content: Published) -> None:
    ref = registry.ref(content.repo("oci-image"), "sha256:" + "0" * 64)
    result = regview("manifest", ref).failed()
    assert NOT_FOUND.search(result.stderr), result.stderr


def test_unknown_repository(regview: Regview, registry: RegistryServer, content: Published) -> None:
    result = regview("inspect", registry.ref("no/such/repo", "latest"), "--json").failed()
    assert NOT_FOUND.search(result.stderr), result.stderr


def test_invalid_reference(regview: Regview, registry: RegistryServer) -> None:
    regview("manifest", f"{registry.host}/UPPER/Case:bad:tag").failed()


def test_invalid_platform(regview: Regview, content: Published) -> None:
    regview("config", content.ref("oci-index"), "--platform", "linux").failed()


def test_platform_not_in_index(regview: Regview, content: Published) -> None:
    regview("config", content.ref("oci-index"), "--platform", "windows/amd64").failed()


def test_connection_refused(regview: Regview) -> None:
    port = free_port()  # nothing listens there
    result = regview("--no-cache", "tags", f"127.0.0.1:{port}/some/repo").failed()
    assert f"127.0.0.1:{port}" in result.stderr or "connect" in result.stderr.lower()
