"""Proxy selection: the environment variables, ``--proxy``, loopback and ``NO_PROXY``.

The expected answers are Go's (``golang.org/x/net/http/httpproxy``: its ``NoProxy``
documentation and the cases of its tests), written out by hand here; ``ALL_PROXY`` as
curl reads it.
"""

from __future__ import annotations

import base64

import pytest

from regview.registry import Settings
from regview.registry.proxies import InvalidProxy, ProxyRules, hide_userinfo, parse_proxy

PROXY = "http://proxy.corp:3128"


def rules(no_proxy: str = "", **env: str) -> ProxyRules:
    found = ProxyRules.from_environment({"HTTPS_PROXY": PROXY, "HTTP_PROXY": PROXY,
                                         "NO_PROXY": no_proxy, **env})
    assert found is not None
    return found


def proxied(r: ProxyRules, url: str) -> bool:
    scheme, _, rest = url.partition("://")
    hostport = rest.split("/", 1)[0]
    if hostport.startswith("["):
        host, _, port = hostport[1:].partition("]")
        port = port.lstrip(":")
    else:
        host, _, port = hostport.partition(":")
    return r.for_url(scheme, host, int(port) if port else None) is not None


# --- which variable ----------------------------------------------------------------------


def test_https_and_http_requests_use_their_own_variable() -> None:
    r = ProxyRules.from_environment(
        {"HTTPS_PROXY": "http://secure:1", "HTTP_PROXY": "http://plain:2"}
    )
    assert r is not None
    assert r.for_url("https", "ghcr.io", None) == parse_proxy("http://secure:1", "x")
    assert r.for_url("http", "ghcr.io", None) == parse_proxy("http://plain:2", "x")


def test_http_proxy_alone_does_not_proxy_https() -> None:
    r = ProxyRules.from_environment({"HTTP_PROXY": "http://plain:2"})
    assert r is not None
    assert r.for_url("https", "ghcr.io", None) is None
    assert r.for_url("http", "ghcr.io", None) is not None


def test_all_proxy_stands_in_for_an_unset_variable() -> None:
    r = ProxyRules.from_environment({"ALL_PROXY": "http://every:3", "HTTP_PROXY": "http://p:2"})
    assert r is not None
    assert r.shown("https") == "http://every:3"
    assert r.shown("http") == "http://p:2"


def test_lower_case_names_are_read_and_upper_case_wins() -> None:
    lower = ProxyRules.from_environment({"https_proxy": "http://low:1", "no_proxy": "a.test"})
    assert lower is not None and lower.shown("https") == "http://low:1"
    assert lower.for_url("https", "a.test", None) is None
    both = ProxyRules.from_environment({"https_proxy": "http://low:1", "HTTPS_PROXY": "http://up:2"})
    assert both is not None and both.shown("https") == "http://up:2"
    assert ProxyRules.from_environment({"all_proxy": "http://e:4"}) is not None


def test_no_variable_means_no_rules() -> None:
    assert ProxyRules.from_environment({}) is None
    assert ProxyRules.from_environment({"NO_PROXY": "*", "HTTPS_PROXY": ""}) is None


def test_the_flag_replaces_the_variables_but_no_proxy_still_applies() -> None:
    env = {"HTTPS_PROXY": "http://env:1", "HTTP_PROXY": "http://env:1", "NO_PROXY": "skip.test"}
    r = ProxyRules.from_environment(env, "http://flag:9")
    assert r is not None
    assert r.shown("https") == r.shown("http") == "http://flag:9"
    assert r.for_url("https", "skip.test", None) is None
    assert ProxyRules.from_environment(env, "") is None  # --proxy '' goes direct


def test_settings_read_the_environment_once_and_take_the_flag() -> None:
    env = {"https_proxy": "http://u:secret@env.test:8080"}
    settings = Settings.from_environment(env)
    assert settings.proxy is not None and settings.proxy.shown("https") == "http://env.test:8080"
    flagged = Settings.from_environment(env, proxy="flag.test:3128")
    assert flagged.proxy is not None and flagged.proxy.shown("https") == "http://flag.test:3128"
    assert Settings.from_environment(env, proxy="").proxy is None
    assert Settings().proxy is None
    assert Settings(proxy="http://direct.test:1").proxy == ProxyRules(
        http=("--proxy", "http://direct.test:1"), https=("--proxy", "http://direct.test:1")
    )


# --- loopback and NO_PROXY -----------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["https://localhost:5000", "http://127.0.0.1:5000", "https://127.255.0.9", "http://[::1]:80",
     "https://[::ffff:127.0.0.1]:443", "http://LOCALHOST"],
)
def test_loopback_is_never_proxied(url: str) -> None:
    assert not proxied(rules(), url)


@pytest.mark.parametrize("url", ["https://ghcr.io", "http://10.0.0.1:5000", "https://[2001:db8::1]",
                                 "https://localhost.example.com", "https://128.0.0.1"])
def test_everything_else_is_proxied_without_no_proxy(url: str) -> None:
    assert proxied(rules(), url)


@pytest.mark.parametrize(
    ("no_proxy", "url", "expected"),
    [
        # A name matches itself and its subdomains, not names that merely end like it.
        ("example.com", "https://example.com", False),
        ("example.com", "https://registry.example.com", False),
        ("example.com", "https://badexample.com", True),
        # A leading dot (or "*.") matches subdomains only.
        (".example.com", "https://example.com", True),
        (".example.com", "https://a.b.example.com", False),
        ("*.example.com", "https://example.com", True),
        ("*.example.com", "https://x.example.com", False),
        # Ports: the URL's, or the scheme's default.
        ("example.com:5000", "https://example.com:5000", False),
        ("example.com:5000", "https://example.com", True),
        ("example.com:443", "https://example.com", False),
        ("example.com:443", "http://example.com", True),
        ("example.com:80", "http://example.com", False),
        # IP addresses, with and without ports, and CIDR blocks.
        ("10.1.2.3", "http://10.1.2.3:5000", False),
        ("10.1.2.3", "http://10.1.2.4", True),
        ("10.1.2.3:5000", "http://10.1.2.3:5000", False),
        ("10.1.2.3:5000", "http://10.1.2.3:5001", True),
        ("10.0.0.0/8", "https://10.200.3.4", False),
        ("10.0.0.0/8", "https://11.0.0.1", True),
        ("2001:db8::/32", "https://[2001:db8::5]", False),
        ("[2001:db8::1]:5000", "https://[2001:db8::1]:5000", False),
        ("2001:db8::1", "https://[2001:db8::1]:5000", False),
        # A CIDR block matches addresses only, never names.
        ("10.0.0.0/8", "https://ten.example", True),
        # "*" on its own: nothing is proxied; elsewhere in a name it is no wildcard.
        ("*", "https://ghcr.io", False),
        ("a.test, *", "https://ghcr.io", False),
        ("ghcr.*", "https://ghcr.io", True),
        # Lists: spaces and case do not matter, empty and malformed entries are skipped.
        (" Quay.IO , ,ghcr.io ", "https://quay.io", False),
        (" Quay.IO , ,ghcr.io ", "https://ghcr.io", False),
        (":5000,10.0.0.0/99,quay.io", "https://quay.io", False),
        (":5000,10.0.0.0/99", "https://ghcr.io:5000", True),
    ],
)
def test_no_proxy_follows_go(no_proxy: str, url: str, expected: bool) -> None:
    assert proxied(rules(no_proxy), url) is expected


# --- proxy URLs ----------------------------------------------------------------------------


def test_a_proxy_url_without_scheme_or_port_is_http_on_80() -> None:
    proxy = parse_proxy("proxy.corp", "HTTPS_PROXY")
    assert (proxy.host, proxy.port, proxy.shown) == ("proxy.corp", 80, "http://proxy.corp:80")


def test_credentials_come_from_the_url_and_are_never_shown() -> None:
    proxy = parse_proxy("http://al%40ice:p%3Ass@proxy.corp:3128/", "--proxy")
    assert (proxy.username, proxy.password) == ("al@ice", "p:ss")
    assert proxy.authorization() == "Basic " + base64.b64encode(b"al@ice:p:ss").decode()
    assert "p:ss" not in repr(proxy) and "p%3Ass" not in repr(proxy)
    assert proxy.shown == "http://proxy.corp:3128"
    settings = Settings.from_environment({}, proxy="http://al%40ice:p%3Ass@proxy.corp:3128/")
    assert "p%3Ass" not in repr(settings) and "al%40ice" not in repr(settings)
    assert parse_proxy("http://proxy.corp:3128", "x").authorization() is None


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("socks4://user:hunter2@proxy:1080", "a socks4 proxy"),
        ("socks://user:hunter2@proxy:1080", "a socks proxy"),
        ("https://proxy:443", "http://, socks5:// and socks5h:// proxies only"),
        ("socks5h://user:hunter2@proxy:port", "write socks5h://HOST:PORT"),
        ("socks5://" + "u" * 256 + ":hunter2@proxy:1080", "255 bytes at most"),
        ("socks5://user:hunter2" + "x" * 250 + "@proxy:1080", "255 bytes at most"),
        ("http://user:hunter2@proxy:99999", "not a usable proxy URL"),
        ("http://user:hunter2@proxy:port", "not a usable proxy URL"),
        ("http://user:hunter2@:3128", "no proxy host"),
        ("http://user:hunter2@proxy:0", "port 0"),
        ("http://user:hunter2@proxy host:3128", "not a usable proxy URL"),
    ],
)
def test_a_bad_proxy_url_is_named_without_its_password(url: str, words: str) -> None:
    with pytest.raises(InvalidProxy) as caught:
        ProxyRules.from_environment({}, url)
    message = str(caught.value)
    assert words in message and "--proxy" in message
    assert "hunter2" not in message and "\n" not in message


def test_a_bad_variable_fails_only_when_a_request_needs_it() -> None:
    r = ProxyRules.from_environment({"HTTPS_PROXY": "socks4://u:hunter2@p:1080"})
    assert r is not None
    assert r.for_url("https", "127.0.0.1", 5000) is None  # loopback: never asked
    with pytest.raises(InvalidProxy, match="HTTPS_PROXY") as caught:
        r.for_url("https", "ghcr.io", None)
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "scheme", "port", "shown"),
    [
        ("socks5://proxy.corp", "socks5", 1080, "socks5://proxy.corp:1080"),
        ("SOCKS5H://Proxy.Corp:9050", "socks5h", 9050, "socks5h://proxy.corp:9050"),
        ("socks5h://[2001:db8::1]:1080", "socks5h", 1080, "socks5h://[2001:db8::1]:1080"),
    ],
)
def test_socks5_proxy_urls(url: str, scheme: str, port: int, shown: str) -> None:
    proxy = parse_proxy(url, "ALL_PROXY")
    assert (proxy.scheme, proxy.port, proxy.shown) == (scheme, port, shown)
    assert proxy.is_socks and proxy.resolves_names is (scheme == "socks5h")
    assert not parse_proxy("http://p:1", "x").is_socks


def test_socks5_credentials_are_never_shown_and_are_registered_as_secrets() -> None:
    from regview.registry import redactor

    r = ProxyRules.from_environment({"ALL_PROXY": "socks5h://sam:S0cks%2Fpass@proxy.corp:1080"})
    assert r is not None
    proxy = r.for_url("https", "ghcr.io", None)
    assert proxy is not None and (proxy.username, proxy.password) == ("sam", "S0cks/pass")
    assert r.shown("http") == r.shown("https") == "socks5h://proxy.corp:1080"
    assert "S0cks" not in repr(proxy) and "S0cks" not in repr(r)
    assert "S0cks" not in redactor.redact("the proxy said: bad password S0cks/pass")


def test_hide_userinfo() -> None:
    assert hide_userinfo("see http://u:p@h:1/x and https://t@k/") == (
        "see http://***@h:1/x and https://***@k/"
    )
    assert hide_userinfo("http://h:1/a@b") == "http://h:1/a@b"


def test_settings_with_proxies_are_one_key_for_the_notebooks_sessions() -> None:
    env = {"HTTPS_PROXY": "http://u:hunter2@proxy.test:3128", "NO_PROXY": ".corp"}
    a, b = Settings.from_environment(env), Settings.from_environment(dict(env))
    assert a == b and hash(a) == hash(b)
    assert a != Settings.from_environment({**env, "NO_PROXY": ".other"})
    assert "hunter2" not in repr(a) and "hunter2" not in str(a)


def test_a_proxy_password_read_from_the_environment_is_hidden_wherever_it_is_echoed() -> None:
    from regview.registry import RegistryError, redactor

    ProxyRules.from_environment({"HTTPS_PROXY": "http://corp:S3cr3t-Pr0xy@proxy.corp:3128"})
    pair = base64.b64encode(b"corp:S3cr3t-Pr0xy").decode()
    echoed = f"denied: password S3cr3t-Pr0xy, Proxy-Authorization {pair}"
    shown = redactor.redact(echoed)
    assert "S3cr3t-Pr0xy" not in shown and pair not in shown
    assert "S3cr3t-Pr0xy" not in str(RegistryError(echoed))
