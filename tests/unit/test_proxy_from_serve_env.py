"""``$REGVIEW_SERVE_PROXY``: how ``regview serve`` hands its ``--proxy`` to each tab's app
process without putting it on the app's command line. The app reads it as if it were
``--proxy`` (it replaces the proxy variables, ``''`` is "no proxy"), and, as nobody can
read it in ``ps``, says nothing of a password in it."""

from __future__ import annotations

import pytest

from regview.cli.common import PROXY_ENV, UsageError, settings_from_flags
from regview.cli.dispatch import parse_args
from tests.support.proxy import clear_proxy_environment

SECRET = "serve-env-s3cret"


@pytest.fixture(autouse=True)
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_proxy_environment(monkeypatch)


def test_the_name_is_the_one_serve_sets() -> None:
    assert PROXY_ENV == "REGVIEW_SERVE_PROXY"


def test_the_variable_is_read_as_the_flag_without_the_warning(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("REGVIEW_SERVE_PROXY", f"http://alice:{SECRET}@proxy.test:3128")
    monkeypatch.setenv("HTTPS_PROXY", "http://elsewhere.test:8080")  # the flag replaces it
    _command, args = parse_args(["127.0.0.1:5000"])  # the explorer, as a tab runs it
    settings = settings_from_flags(args)
    assert settings.proxy is not None
    assert settings.proxy.shown("https") == "http://proxy.test:3128"
    assert settings.proxy.shown("http") == "http://proxy.test:3128"
    assert capsys.readouterr().err == ""
    from regview.registry import redactor

    assert SECRET not in redactor.redact(f"via http://alice:{SECRET}@proxy.test:3128 it broke")


def test_an_empty_variable_means_no_proxy_as_the_empty_flag_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REGVIEW_SERVE_PROXY", "")
    monkeypatch.setenv("HTTPS_PROXY", "http://elsewhere.test:8080")
    _command, args = parse_args(["tags", "ghcr.io/a/b"])
    assert settings_from_flags(args).proxy is None
    monkeypatch.delenv("REGVIEW_SERVE_PROXY")
    proxy = settings_from_flags(args).proxy
    assert proxy is not None and proxy.shown("https") == "http://elsewhere.test:8080"


def test_the_flag_wins_over_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("REGVIEW_SERVE_PROXY", "http://from-serve.test:3128")
    _command, args = parse_args(["--proxy", "socks5h://flag.test:1080", "tags", "ghcr.io/a/b"])
    proxy = settings_from_flags(args).proxy
    assert proxy is not None and proxy.shown("https") == "socks5h://flag.test:1080"
    assert capsys.readouterr().err == ""


def test_a_bad_variable_is_a_usage_error_without_the_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REGVIEW_SERVE_PROXY", f"socks4://alice:{SECRET}@proxy.test:1080")
    _command, args = parse_args(["tags", "ghcr.io/a/b"])
    with pytest.raises(UsageError) as caught:
        settings_from_flags(args)
    assert "socks4" in str(caught.value) and SECRET not in str(caught.value)
