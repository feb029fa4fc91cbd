"""A wrong password never works, even while the tag list is cached (issue #16, item 5).

Cached listings (tag lists, tag -> digest answers) belong to the identity that read
them, and an authenticated identity is served one only once the registry accepted its
credentials in this process. Against the real htpasswd registry, with the CLI; every
run shares the test's cache directory, and they all happen well within the 30 s tag TTL.
"""

from __future__ import annotations

import base64

import pytest

from tests.support.cli import CliResult, Credentials, Regview
from tests.support.registry import RegistryServer

pytestmark = pytest.mark.integration

REPO = "private/oci-image"


def _secrets(creds: Credentials) -> list[bytes]:
    pair = f"{creds.username}:{creds.password}".encode()
    return [creds.password.encode(), base64.b64encode(pair), base64.urlsafe_b64encode(pair)]


def as_user(regview: Regview, creds: Credentials, password: str, *args: str) -> CliResult:
    return regview("-u", creds.username, "--password-stdin", *args, input=password + "\n")


def test_a_wrong_password_is_refused_right_after_a_good_one(
    regview: Regview, basic_registry: RegistryServer, basic_credentials: Credentials
) -> None:
    ref = basic_registry.ref(REPO)
    good = as_user(regview, basic_credentials, basic_credentials.password, "tags", ref, "--json")
    assert good.ok().json()["tags"] == ["latest"]

    wrong = "not-the-password-" + basic_credentials.password[::-1]
    refused = as_user(regview, basic_credentials, wrong, "tags", ref).failed()
    assert "refused the credentials" in refused.stderr, refused.describe()
    assert refused.stdout == b""
    assert wrong not in refused.stderr and basic_credentials.password not in refused.stderr

    # The good password still works, from the same cache.
    again = as_user(regview, basic_credentials, basic_credentials.password, "tags", ref)
    assert again.ok().text.split() == ["latest"]


def test_a_wrong_password_cannot_resolve_a_cached_tag(
    regview: Regview, basic_registry: RegistryServer, basic_credentials: Credentials
) -> None:
    ref = basic_registry.ref(REPO, "latest")
    as_user(regview, basic_credentials, basic_credentials.password, "manifest", ref).ok()
    wrong = "wrong-" + basic_credentials.password
    refused = as_user(regview, basic_credentials, wrong, "manifest", ref).failed()
    assert "refused the credentials" in refused.stderr, refused.describe()
    assert refused.stdout == b""


def test_anonymous_is_refused_after_a_good_login(
    regview: Regview, basic_registry: RegistryServer, basic_credentials: Credentials
) -> None:
    ref = basic_registry.ref(REPO)
    as_user(regview, basic_credentials, basic_credentials.password, "tags", ref).ok()
    as_user(
        regview, basic_credentials, basic_credentials.password, "manifest", f"{ref}:latest"
    ).ok()
    for args in (("tags", ref), ("manifest", f"{ref}:latest")):
        refused = regview(*args).failed()
        assert "requires authentication" in refused.stderr, refused.describe()
        assert refused.stdout == b""


def test_the_cache_holds_no_secret_and_no_user_name(
    regview: Regview, basic_registry: RegistryServer, basic_credentials: Credentials
) -> None:
    ref = basic_registry.ref(REPO)
    as_user(regview, basic_credentials, basic_credentials.password, "tags", ref).ok()
    as_user(
        regview, basic_credentials, basic_credentials.password, "inspect", f"{ref}:latest"
    ).ok()
    as_user(regview, basic_credentials, "wrong-" + basic_credentials.password, "tags", ref)
    files = [p for p in regview.cache_dir.rglob("*") if p.is_file()]
    assert any("refs" in p.parts for p in files), "nothing was cached: the test tests nothing"
    assert regview.files_containing(_secrets(basic_credentials)) == []
    assert regview.files_containing([basic_credentials.username.encode()]) == []
