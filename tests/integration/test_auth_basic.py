"""HTTP basic auth (htpasswd, bcrypt) on a real registry; secrets must never leak."""

from __future__ import annotations

import base64
import json
import re

import pytest

from tests.support.cli import Credentials, Regview
from tests.support.content import PRIVATE_REPOS
from tests.support.images import Kinds
from tests.support.registry import RegistryServer

pytestmark = pytest.mark.integration

AUTH_ERROR = re.compile(r"authenticat|unauthori[sz]ed|credential", re.IGNORECASE)


def _secrets(creds: Credentials) -> list[bytes]:
    pair = f"{creds.username}:{creds.password}".encode()
    return [creds.password.encode(), base64.b64encode(pair), base64.urlsafe_b64encode(pair)]


def test_without_credentials_fails_cleanly(
    regview: Regview, basic_registry: RegistryServer
) -> None:
    result = regview("tags", basic_registry.ref("private/oci-image"), "--json").failed()
    assert AUTH_ERROR.search(result.stderr), result.stderr
    assert result.stdout == b""


def test_password_stdin(
    regview: Regview, basic_registry: RegistryServer, basic_credentials: Credentials, kinds: Kinds
) -> None:
    ref = basic_registry.ref("private/oci-image", "latest")
    result = regview(
        "-u",
        basic_credentials.username,
        "--password-stdin",
        "manifest",
        ref,
        input=basic_credentials.password + "\n",
    ).ok()
    assert result.stdout == kinds.oci_image.raw


def test_username_long_flag_after_subcommand(
    regview: Regview, basic_registry: RegistryServer, basic_credentials: Credentials, kinds: Kinds
) -> None:
    ref = basic_registry.ref("private/oci-image", "latest")
    result = regview(
        "config",
        ref,
        "--username",
        basic_credentials.username,
        "--password-stdin",
        input=basic_credentials.password,
    ).ok()
    assert kinds.oci_image.config is not None
    assert result.stdout == kinds.oci_image.config.data


def test_auth_file(
    regview: Regview, basic_registry: RegistryServer, basic_credentials: Credentials
) -> None:
    auth_file = regview.auth_file({basic_registry.host: {"auth": basic_credentials.basic}})
    tags = regview(
        "--auth-file", str(auth_file), "tags", basic_registry.ref("private/oci-image"), "--json"
    ).ok()
    assert tags.json()["tags"] == ["latest"]
    catalog = regview("--auth-file", str(auth_file), "catalog", basic_registry.host, "--json")
    assert set(PRIVATE_REPOS.values()) <= set(catalog.ok().json()["repositories"])


def test_wrong_password_fails_cleanly(
    regview: Regview, basic_registry: RegistryServer, basic_credentials: Credentials
) -> None:
    wrong = "not-the-password-" + basic_credentials.password[::-1]
    result = regview(
        "-u",
        basic_credentials.username,
        "--password-stdin",
        "tags",
        basic_registry.ref("private/oci-image"),
        input=wrong,
    ).failed()
    assert AUTH_ERROR.search(result.stderr), result.stderr
    assert wrong not in result.stderr


def test_secrets_never_leak(
    regview: Regview, basic_registry: RegistryServer, basic_credentials: Credentials
) -> None:
    """Not in stdout, not in stderr (even with -v), not in any file regview writes."""
    secrets = _secrets(basic_credentials)
    auth_file = regview.auth_file({basic_registry.host: {"auth": basic_credentials.basic}})
    index_ref = basic_registry.ref("private/oci-index", "latest")
    runs = [
        regview(
            "-v",
            "-u",
            basic_credentials.username,
            "--password-stdin",
            "inspect",
            index_ref,
            "--recursive",
            "--json",
            input=basic_credentials.password,
        ).ok(),
        regview("-v", "--auth-file", str(auth_file), "catalog", basic_registry.host, "--json").ok(),
        regview("-v", "--auth-file", str(auth_file), "manifest", index_ref).ok(),
        regview(
            "-v",
            "-u",
            basic_credentials.username,
            "--password-stdin",
            "tags",
            basic_registry.ref("private/oci-image"),
            input="wrong-" + basic_credentials.password,
        ),
    ]
    for result in runs:
        assert result.stderr.strip(), "-v printed no request log"
        for secret in secrets:
            assert secret not in result.stdout, result.describe()
            assert secret.decode() not in result.stderr, result.describe()
        assert basic_credentials.password[::-1] not in result.stderr
    leaked = regview.files_containing(secrets) + regview.files_containing(secrets, regview.home)
    assert leaked == []


def test_docker_config_directory_is_read(
    regview: Regview, basic_registry: RegistryServer, basic_credentials: Credentials
) -> None:
    """Without --auth-file, credentials come from ``$DOCKER_CONFIG/config.json`` (as docker)."""
    config = regview.docker_config / "config.json"
    config.write_text(
        json.dumps({"auths": {basic_registry.host: {"auth": basic_credentials.basic}}})
    )
    try:
        result = regview("tags", basic_registry.ref("private/oci-image"), "--json").ok()
        assert result.json()["tags"] == ["latest"]
    finally:
        config.unlink()
