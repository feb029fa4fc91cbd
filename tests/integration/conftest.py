"""Fixtures for the integration tests: real registries, a token server, regview's CLI.

Session fixtures (one of each per test session):

* ``registry``: a plain ``docker-registry``; ``content`` fills it (every image kind, a
  2,000-tag repository, 2,000 more repositories, a repository whose manifests were deleted);
* ``basic_registry``: htpasswd basic auth (``basic_credentials``);
* ``token_registry``: token auth through ``token_server`` (``token_credentials``,
  ``identity_token``).

Every test under this directory is marked ``integration`` and skipped, with the reason,
when ``docker-registry``, ``skopeo`` or ``htpasswd`` is not installed.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import images
from tests.support.cli import Credentials, Regview
from tests.support.content import (
    Published,
    publish_bulk_tags,
    publish_catalog,
    publish_kinds,
    publish_private,
)
from tests.support.images import Kinds
from tests.support.registry import (
    RegistryServer,
    binaries_missing,
    make_htpasswd,
    registry_config_for_htpasswd,
    registry_config_for_token,
)
from tests.support.token_server import TokenServer

_HERE = Path(__file__).parent
_TIMINGS: dict[str, float] = {}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = binaries_missing()
    skip = pytest.mark.skip(
        reason=f"integration tests need {', '.join(missing)} (apt-get install "
        "docker-registry skopeo apache2-utils)"
    )
    for item in items:
        if _HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.integration)
            if missing:
                item.add_marker(skip)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _TIMINGS:
        terminalreporter.write_sep("-", "integration fixture set-up times")
        for name, seconds in _TIMINGS.items():
            terminalreporter.write_line(f"{name:>28}: {seconds:6.2f} s")


def _timed(name: str, start: float) -> None:
    _TIMINGS[name] = time.monotonic() - start


# --------------------------------------------------------------------------- plain


@pytest.fixture(scope="session")
def kinds() -> Kinds:
    """The generated content of every kind (deterministic: the same as in the registries)."""
    return images.build_all()


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryServer]:
    start = time.monotonic()
    server = RegistryServer(tmp_path_factory.mktemp("registry-plain"), name="plain registry")
    server.start()
    _timed("plain registry start", start)
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture(scope="session")
def content(registry: RegistryServer, tmp_path_factory: pytest.TempPathFactory) -> Published:
    """Every image kind (a)-(f) in the plain registry, checked with skopeo inspect."""
    start = time.monotonic()
    published = publish_kinds(registry, tmp_path_factory.mktemp("content"))
    _timed("plain registry: kinds", start)
    for name, seconds in published.timings.items():
        _TIMINGS[f"  {name}"] = seconds
    return published


@pytest.fixture(scope="session")
def bulk_tags(content: Published) -> list[str]:
    """``bulk/tags`` holds these 2,000 tags (in the order made, not sorted)."""
    start = time.monotonic()
    tags = publish_bulk_tags(content)
    _timed("plain registry: 2,000 tags", start)
    return tags


@pytest.fixture(scope="session")
def catalog_repos(content: Published) -> list[str]:
    """2,000 repositories ``catalog/repo-NNNN`` (the catalog also holds the others)."""
    start = time.monotonic()
    repos = publish_catalog(content)
    _timed("plain registry: 2,000 repos", start)
    return repos


# --------------------------------------------------------------------------- basic auth


@pytest.fixture(scope="session")
def basic_credentials() -> Credentials:
    return Credentials(f"basic-{secrets.token_hex(3)}", f"pw-{secrets.token_urlsafe(18)}")


@pytest.fixture(scope="session")
def basic_registry(
    tmp_path_factory: pytest.TempPathFactory, basic_credentials: Credentials
) -> Iterator[RegistryServer]:
    """htpasswd (bcrypt) auth; holds ``private/oci-image``, ``private/oci-index`` and
    ``public/oci-image`` (all behind the same password)."""
    start = time.monotonic()
    workdir = tmp_path_factory.mktemp("registry-basic")
    htpasswd = workdir / "htpasswd"
    make_htpasswd(htpasswd, basic_credentials.username, basic_credentials.password)
    server = RegistryServer(
        workdir, name="basic-auth registry", auth=registry_config_for_htpasswd(htpasswd)
    )
    server.start()
    try:
        publish_private(server, workdir, basic_credentials.pair)
        _timed("basic registry (with content)", start)
        yield server
    finally:
        server.cleanup()


# --------------------------------------------------------------------------- token auth


@pytest.fixture(scope="session")
def token_credentials() -> Credentials:
    return Credentials(f"token-{secrets.token_hex(3)}", f"pw-{secrets.token_urlsafe(18)}")


@pytest.fixture(scope="session")
def identity_token() -> str:
    """A refresh token the token server maps to ``token_credentials``' user."""
    return f"identity-{secrets.token_urlsafe(24)}"


@pytest.fixture(scope="session")
def token_server(
    tmp_path_factory: pytest.TempPathFactory,
    token_credentials: Credentials,
    identity_token: str,
) -> Iterator[TokenServer]:
    server = TokenServer(
        tmp_path_factory.mktemp("token-server"),
        users={token_credentials.username: token_credentials.password},
        identity_tokens={identity_token: token_credentials.username},
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def token_registry(
    tmp_path_factory: pytest.TempPathFactory,
    token_server: TokenServer,
    token_credentials: Credentials,
) -> Iterator[RegistryServer]:
    """Token auth (anonymous pull, the user may push and list the catalog); holds
    ``private/oci-image``, ``private/oci-index`` and ``public/oci-image``."""
    start = time.monotonic()
    workdir = tmp_path_factory.mktemp("registry-token")
    server = RegistryServer(
        workdir,
        name="token-auth registry",
        auth=registry_config_for_token(
            token_server.realm, token_server.service, token_server.issuer, token_server.cert_path
        ),
    )
    server.start()
    try:
        publish_private(server, workdir, token_credentials.pair)
        _timed("token registry (with content)", start)
        yield server
    finally:
        server.cleanup()


# --------------------------------------------------------------------------- regview CLI


@pytest.fixture
def regview(tmp_path: Path) -> Regview:
    return Regview(tmp_path)
