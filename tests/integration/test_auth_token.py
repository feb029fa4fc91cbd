"""Docker token auth on a real registry, with the token server's request log as witness."""

from __future__ import annotations

import base64
import re

import pytest

from tests.support.cli import Credentials, Regview
from tests.support.content import PRIVATE_REPOS
from tests.support.images import Kinds
from tests.support.registry import RegistryServer
from tests.support.token_server import TokenRequest, TokenServer, parse_scope

pytestmark = pytest.mark.integration

AUTH_ERROR = re.compile(r"authenticat|unauthori[sz]ed|credential", re.IGNORECASE)


def _wants(request: TokenRequest, kind: str, name: str, action: str) -> bool:
    for scope in request.scopes:
        parsed = parse_scope(scope)
        if parsed is not None and parsed[:2] == (kind, name) and action in parsed[2]:
            return True
    return False


def _describe(requests: list[TokenRequest]) -> list[str]:
    return [
        f"{r.method} {r.path} grant={r.grant_type} auth={r.has_authorization} "
        f"scopes={r.scopes} -> {r.status}"
        for r in requests
    ]


def test_anonymous_pull(
    regview: Regview, token_registry: RegistryServer, token_server: TokenServer, kinds: Kinds
) -> None:
    mark = token_server.mark()
    ref = token_registry.ref("public/oci-image", "latest")
    result = regview("--no-cache", "manifest", ref).ok()
    assert result.stdout == kinds.oci_image.raw
    requests = token_server.requests_since(mark)
    assert requests, "no token was asked for"
    assert not any(r.has_authorization for r in requests), _describe(requests)
    assert any(_wants(r, "repository", "public/oci-image", "pull") for r in requests)
    assert all(
        r.query.get("service", r.form.get("service")) == [token_server.service] for r in requests
    ), _describe(requests)


def test_catalog_needs_the_user(
    regview: Regview,
    token_registry: RegistryServer,
    token_server: TokenServer,
    token_credentials: Credentials,
) -> None:
    anonymous = regview("--no-cache", "catalog", token_registry.host, "--json").failed()
    assert AUTH_ERROR.search(anonymous.stderr), anonymous.stderr

    mark = token_server.mark()
    result = regview(
        "--no-cache",
        "-u",
        token_credentials.username,
        "--password-stdin",
        "catalog",
        token_registry.host,
        "--json",
        input=token_credentials.password,
    ).ok()
    assert set(PRIVATE_REPOS.values()) <= set(result.json()["repositories"])
    requests = token_server.requests_since(mark)
    assert any(
        r.username == token_credentials.username and _wants(r, "registry", "catalog", "*")
        for r in requests
    ), _describe(requests)


def test_wrong_password_fails_cleanly(
    regview: Regview, token_registry: RegistryServer, token_credentials: Credentials
) -> None:
    result = regview(
        "--no-cache",
        "-u",
        token_credentials.username,
        "--password-stdin",
        "catalog",
        token_registry.host,
        input="wrong-" + token_credentials.password,
    ).failed()
    assert AUTH_ERROR.search(result.stderr), result.stderr


def test_identity_token_uses_oauth2_refresh_grant(
    regview: Regview,
    token_registry: RegistryServer,
    token_server: TokenServer,
    identity_token: str,
) -> None:
    """As ``docker login`` writes it: ``auth`` is ``<token>:`` and ``identitytoken`` is set."""
    auth_file = regview.auth_file(
        {
            token_registry.host: {
                "auth": base64.b64encode(b"<token>:").decode(),
                "identitytoken": identity_token,
            }
        }
    )
    mark = token_server.mark()
    result = regview(
        "-v", "--no-cache", "--auth-file", str(auth_file), "catalog", token_registry.host, "--json"
    ).ok()
    assert set(PRIVATE_REPOS.values()) <= set(result.json()["repositories"])

    requests = token_server.requests_since(mark)
    refresh = [r for r in requests if r.method == "POST" and r.grant_type == "refresh_token"]
    assert refresh, _describe(requests)
    assert all(r.form.get("refresh_token") == [identity_token] for r in refresh)
    assert all(r.status == 200 for r in refresh), _describe(requests)
    assert any(_wants(r, "registry", "catalog", "*") for r in refresh), _describe(requests)
    # The identity token is not sent as a password in a GET's Basic auth.
    assert not any(r.method == "GET" and r.has_authorization for r in requests)
    assert identity_token not in result.stderr
    assert identity_token.encode() not in result.stdout
    assert regview.files_containing([identity_token.encode()]) == []


def test_token_is_reused_across_requests(
    regview: Regview, token_registry: RegistryServer, token_server: TokenServer
) -> None:
    """One repository, one scope: one token serves every request of a recursive inspect.

    At most 2 token requests are allowed: a client may fetch one scope-less token when the
    ``/v2/`` ping is challenged, then one for ``repository:private/oci-index:pull``.
    """
    ref = token_registry.ref("private/oci-index", "latest")
    token_mark = token_server.mark()
    registry_mark = token_registry.mark()
    regview("--no-cache", "inspect", ref, "--recursive", "--json").ok()
    served = [r for r in token_registry.requests_since(registry_mark) if r.status == 200]
    tokens = token_server.requests_since(token_mark)
    # At least the index, its 4 child manifests and the 2 platform images' configs.
    assert len(served) >= 7, [str(r) for r in served]
    assert 1 <= len(tokens) <= 2, _describe(tokens)


def test_secrets_never_leak(
    regview: Regview, token_registry: RegistryServer, token_credentials: Credentials
) -> None:
    result = regview(
        "-v",
        "-u",
        token_credentials.username,
        "--password-stdin",
        "inspect",
        token_registry.ref("private/oci-image", "latest"),
        "--json",
        input=token_credentials.password,
    ).ok()
    pair = f"{token_credentials.username}:{token_credentials.password}".encode()
    secrets = [token_credentials.password.encode(), base64.b64encode(pair)]
    for secret in secrets:
        assert secret not in result.stdout
        assert secret.decode() not in result.stderr
    assert regview.files_containing(secrets) == []
    assert regview.files_containing(secrets, regview.home) == []
