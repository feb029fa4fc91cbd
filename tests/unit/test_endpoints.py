"""Endpoint overrides (``Settings.endpoints``, ``$REGVIEW_ENDPOINTS``): a host's requests
go to another base URL while references keep naming the host."""

from __future__ import annotations

import pytest

from regview.registry.endpoints import EndpointMap, parse_endpoints, redirect_url
from regview.registry.settings import Settings
from regview.registry.urls import api_base_url


def test_pairs_are_read_with_commas_or_spaces_and_hosts_made_canonical() -> None:
    parsed = parse_endpoints(
        "registry-1.docker.io=http://127.0.0.1:5000/,  Auth.Docker.IO=HTTP://127.0.0.1:5001"
        " ghcr.io=https://[::1]:8443"
    )
    assert parsed == {
        "docker.io": "http://127.0.0.1:5000",
        "auth.docker.io": "http://127.0.0.1:5001",
        "ghcr.io": "https://[::1]:8443",
    }


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("docker.io", "is not HOST=URL"),
        ("=http://127.0.0.1:1", "is not HOST=URL"),
        ("docker.io=ftp://127.0.0.1", "not an http:// or https:// URL"),
        ("docker.io=http://127.0.0.1:5000/v2", "has a path"),
        ("docker.io=http://user:pw@127.0.0.1:5000", "may not hold credentials"),
        ("docker.io=http://127.0.0.1:99999", "not a URL"),
        ("bad_host!=http://127.0.0.1:1", "invalid registry host"),
    ],
)
def test_unusable_pairs_are_refused_in_one_line(text: str, says: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_endpoints(text)
    assert says in str(info.value)
    assert "\n" not in str(info.value)
    assert "pw@" not in str(info.value)


def test_the_environment_variable_is_read_once_and_flags_win() -> None:
    env = {"REGVIEW_ENDPOINTS": "docker.io=http://127.0.0.1:5000"}
    assert dict(Settings.from_environment(env).endpoints) == {"docker.io": "http://127.0.0.1:5000"}
    given = Settings.from_environment(env, endpoints={"ghcr.io": "http://127.0.0.1:6000"})
    assert dict(given.endpoints) == {"ghcr.io": "http://127.0.0.1:6000"}
    with pytest.raises(ValueError, match=r"^\$REGVIEW_ENDPOINTS: "):
        Settings.from_environment({"REGVIEW_ENDPOINTS": "nonsense"})


def test_settings_with_endpoints_stay_hashable_and_comparable() -> None:
    a = Settings(endpoints={"docker.io": "http://127.0.0.1:5000"})
    b = Settings(endpoints={"registry-1.docker.io": "http://127.0.0.1:5000/"})
    assert a == b and hash(a) == hash(b)
    assert {a: 1}[b] == 1
    assert isinstance(a.endpoints, EndpointMap)
    assert Settings().endpoints == {}


def test_the_api_base_url_of_an_overridden_registry_is_the_override() -> None:
    endpoints = EndpointMap({"docker.io": "http://127.0.0.1:5000"})
    assert api_base_url("docker.io", endpoints=endpoints) == "http://127.0.0.1:5000"
    assert api_base_url("docker.io") == "https://registry-1.docker.io"
    assert api_base_url("ghcr.io", endpoints=endpoints) == "https://ghcr.io"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://auth.docker.io/token?service=x", "http://127.0.0.1:5001/token?service=x"),
        ("https://auth.docker.io:443/token", "http://127.0.0.1:5001/token"),
        ("https://AUTH.docker.io/token", "http://127.0.0.1:5001/token"),
        ("https://auth.docker.io:8443/token", "https://auth.docker.io:8443/token"),
        ("https://other.example/token", "https://other.example/token"),
        ("not a url", "not a url"),
        ("http://[::1/x", "http://[::1/x"),
    ],
)
def test_a_realm_on_an_overridden_host_is_redirected(url: str, expected: str) -> None:
    endpoints = EndpointMap({"auth.docker.io": "http://127.0.0.1:5001"})
    assert redirect_url(endpoints, url) == expected
