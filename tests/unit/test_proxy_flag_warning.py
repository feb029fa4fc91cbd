"""A password in ``--proxy`` is on the command line, which every user of the machine can
read in ``ps``: the CLI warns, once, on stderr; the same URL from the environment gets
no warning."""

from __future__ import annotations

import pytest

from regview.cli.common import settings_from_flags
from regview.cli.dispatch import parse_args
from tests.support.proxy import clear_proxy_environment

SECRET = "flag-s3cret"


@pytest.fixture(autouse=True)
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_proxy_environment(monkeypatch)


@pytest.mark.parametrize(
    "url",
    [
        f"socks5h://alice:{SECRET}@proxy.test:1080",
        f"http://alice:{SECRET}@proxy.test:3128",
        f"alice:{SECRET}@proxy.test:3128",
    ],
)
def test_a_password_in_the_flag_is_warned_about(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _command, args = parse_args(["--proxy", url, "tags", "ghcr.io/a/b"])
    settings = settings_from_flags(args)
    assert settings.proxy is not None  # the run goes on, with the proxy
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("regview: warning: ")
    assert "--proxy" in err and "ps" in err and "HTTPS_PROXY / ALL_PROXY" in err
    assert SECRET not in err and "alice" not in err


@pytest.mark.parametrize(
    "url",
    [
        "socks5h://proxy.test:1080",
        "http://proxy-user-only@proxy.test:3128",
        "http://proxy-user-only:@p.test",
        "",
    ],
)
def test_a_flag_without_a_password_is_not(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    _command, args = parse_args(["--proxy", url, "tags", "ghcr.io/a/b"])
    settings_from_flags(args)
    assert capsys.readouterr().err == ""


def test_the_same_url_from_the_environment_is_not(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ALL_PROXY", f"socks5h://alice:{SECRET}@proxy.test:1080")
    _command, args = parse_args(["tags", "ghcr.io/a/b"])
    settings = settings_from_flags(args)
    assert settings.proxy is not None and settings.proxy.shown("https") == (
        "socks5h://proxy.test:1080"
    )
    assert capsys.readouterr().err == ""


def test_a_bad_flag_is_a_usage_error_without_the_warning(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from regview.cli.common import UsageError

    _command, args = parse_args(["--proxy", f"socks4://alice:{SECRET}@p.test:1080", "tags", "a/b"])
    with pytest.raises(UsageError) as caught:
        settings_from_flags(args)
    assert "socks4" in str(caught.value) and SECRET not in str(caught.value)
    assert capsys.readouterr().err == ""
