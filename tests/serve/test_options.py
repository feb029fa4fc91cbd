"""What each app process is given, and the page's escaping (no server needed)."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

import pytest

from regview.serve import ServeUsageError, add_arguments, settings_argv
from regview.serve.__main__ import main
from regview.serve.options import (
    PASSED_ON,
    REFUSED,
    add_passthrough_flags,
    app_argv,
    serve_warnings,
    settings_env,
)
from regview.serve.page import render_page
from tests.support.cli import base_env


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    add_passthrough_flags(parser)
    return parser.parse_args(argv)


def test_the_global_flags_become_the_apps_argv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    args = parse(
        *["--insecure", "--cache-dir", "c", "--auth-file", "a.json", "--auth-file", "/b.json"],
        *["--concurrency", "4", "--max-body", "1000", "--max-pages", "3", "--timeout", "2.5"],
        *["-v", "--no-cache", "--plain-http", "--port", "0", "127.0.0.1:5000/acme/app"],
    )
    assert (args.target, args.port, args.host, args.public) == (
        "127.0.0.1:5000/acme/app",
        0,
        None,
        False,
    )
    assert settings_argv(args) == [
        *["--plain-http", "--insecure", "--no-cache", "--cache-dir", f"{tmp_path}/c"],
        *["--concurrency", "4", "--max-body", "1000", "--max-pages", "3"],
        *["--timeout", "2.5", "--auth-file", f"{tmp_path}/a.json", "--auth-file", "/b.json"],
        "-v",
    ]
    assert settings_argv(parse()) == []
    assert settings_env(parse()) == {}
    mirrors = ["--endpoint", "docker.io=http://127.0.0.1:5000", "--endpoint", "quay.io=https://m"]
    assert settings_argv(parse(*mirrors)) == mirrors


@pytest.mark.parametrize(
    "url",
    [
        "http://alice:hunter2-serve@proxy.test:3128",
        "socks5h://alice:hunter2-serve@proxy.test:1080",
        "alice:hunter2-serve@proxy.test:3128",
    ],
)
def test_a_proxy_with_a_password_goes_in_the_apps_environment_not_its_argv(
    url: str, tmp_path: Path
) -> None:
    args = parse("--proxy", url, "--plain-http", "--cache-dir", str(tmp_path), "demo")
    argv = app_argv(settings_argv(args), args.target)
    assert not any("hunter2-serve" in part for part in argv)
    assert "--proxy" not in argv
    assert argv == [
        *[sys.executable, "-m", "regview", "--plain-http", "--cache-dir", str(tmp_path)],
        *["--", "demo"],
    ]
    assert settings_env(args) == {"REGVIEW_SERVE_PROXY": url}


def test_a_proxy_without_a_password_goes_the_same_way() -> None:
    args = parse("--proxy", "http://proxy.test:3128")
    assert (settings_argv(args), settings_env(args)) == (
        [],
        {"REGVIEW_SERVE_PROXY": "http://proxy.test:3128"},
    )
    direct = parse("--proxy", "")  # "no proxy", whatever the environment says: not unset
    assert (settings_argv(direct), settings_env(direct)) == ([], {"REGVIEW_SERVE_PROXY": ""})


def test_only_a_proxy_password_is_warned_about_at_the_servers_start() -> None:
    assert serve_warnings(parse("--proxy", "http://proxy.test:3128")) == []
    assert serve_warnings(parse("--proxy", "http://alice@proxy.test:3128")) == []
    assert serve_warnings(parse()) == []
    (warning,) = serve_warnings(parse("--proxy", "http://alice:hunter2-serve@proxy.test:3128"))
    assert "hunter2-serve" not in warning and "alice" not in warning
    assert "--proxy" in warning and "(ps)" in warning


def test_the_app_command_is_python_m_regview_with_the_target_last() -> None:
    assert app_argv(["--plain-http"], "-odd") == [
        *[sys.executable, "-m", "regview", "--plain-http", "--", "-odd"],
    ]
    assert app_argv([], None) == [sys.executable, "-m", "regview"]


def test_allow_delete_reaches_each_tabs_explorer() -> None:
    from regview.cli import parse_args

    assert parse().allow_delete is False
    assert parse("--allow-delete", "demo").allow_delete is True
    argv = app_argv(["--plain-http"], "127.0.0.1:5000/acme/app", allow_delete=True)
    assert argv == [
        *[sys.executable, "-m", "regview", "--plain-http", "--allow-delete"],
        *["--", "127.0.0.1:5000/acme/app"],
    ]
    command, args = parse_args(argv[3:])  # what the app process parses
    assert command is None
    assert (args.allow_delete, args.target) == (True, "127.0.0.1:5000/acme/app")
    _, plain = parse_args(app_argv([], "demo")[3:])
    assert plain.allow_delete is False


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["-u", "me", "--password-stdin"], "--auth-file"),
        (["--password-stdin"], "--password-stdin"),
        (["--timeout", "0"], "--timeout must be positive"),
        (["--concurrency", "-1"], "--concurrency must be positive"),
        (["--endpoint", "docker.io"], "--endpoint: 'docker.io' is not HOST=URL"),
        (["--endpoint", "docker.io=ftp://x"], "--endpoint: endpoint for docker.io:"),
        (["--proxy", "socks4://u:hunter2@p:1"], "--proxy names a socks4 proxy"),
    ],
)
def test_flags_that_cannot_reach_an_app_are_refused(argv: list[str], says: str) -> None:
    with pytest.raises(ServeUsageError, match=re.escape(says)):
        settings_argv(parse(*argv))


def test_a_bad_proxy_is_refused_by_the_environment_too() -> None:
    with pytest.raises(ServeUsageError, match="socks4") as caught:
        settings_env(parse("--proxy", "socks4://u:hunter2@p:1"))
    assert "hunter2" not in str(caught.value)


def test_refusals_are_exit_status_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-u", "me", "--password-stdin", "demo"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("regview serve: error: ")


def test_every_global_flag_of_regview_is_passed_on_or_refused() -> None:
    """A new global flag must be added to PASSED_ON (or REFUSED): serve cannot guess."""
    usage = subprocess.run(
        [sys.executable, "-m", "regview", "--help"],
        capture_output=True,
        text=True,
        env=base_env(),
        check=True,
        timeout=60,
    ).stdout.split("\n\n")[0]
    flags = set(re.findall(r"\[(-{1,2}[a-z][a-z-]*)", usage))
    # Not global flags (serve has an --allow-delete of its own, passed on when given).
    explorer_only = {"-h", "--version", "--demo", "--keymap", "--allow-delete"}
    refused = {"-u", "--password-stdin"}
    assert set(REFUSED) == {"username", "password_stdin"}
    assert flags - explorer_only == {f.flag for f in PASSED_ON} | refused


def test_the_page_escapes_its_title() -> None:
    html = render_page(title='<img src=x onerror="alert(1)">', font_size=16, nonce="n0")
    assert "<img" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert '<script nonce="n0">' in html


def test_registering_the_command_imports_neither_aiohttp_nor_textual() -> None:
    code = (
        "import sys, argparse, regview.serve as s; s.add_arguments(argparse.ArgumentParser()); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('aiohttp', 'textual', 'textual_serve', 'httpx')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=base_env(), check=True
    ).stdout
    assert out.strip() == "[]"
