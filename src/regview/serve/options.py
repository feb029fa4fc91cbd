"""The arguments of ``regview serve`` and the app command every browser tab runs.

Each app process gets the global flags on its command line, except ``--proxy``: a proxy
URL may hold a password, and an argv is readable by every user of the machine
(``ps``, ``/proc/PID/cmdline``). The proxy goes in the app's environment instead
(:func:`settings_env`), which only its user can read, and the app reads it as if it were
``--proxy`` (:func:`regview.cli.common.proxy_from_flags`).

Nothing here imports aiohttp or textual-serve: the CLI registers the command (and prints
its help) without paying for them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from regview.cli.common import PROXY_ENV, proxy_password_warning

__all__ = [
    "PASSED_ON",
    "REFUSED",
    "ServeUsageError",
    "add_arguments",
    "add_passthrough_flags",
    "app_argv",
    "check_passable",
    "serve_warnings",
    "settings_argv",
    "settings_env",
]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080


class ServeUsageError(Exception):
    """A command line ``regview serve`` cannot run with; the message says what to do."""


@dataclass(frozen=True, slots=True)
class Flag:
    """A global flag of regview that each app process is given as the server got it."""

    flag: str
    dest: str
    kind: str  # "switch", "path", "paths" (repeatable), "count" (int > 0), "seconds" (> 0),
    # "proxy" (a proxy URL, checked here, passed in the environment: it may hold a
    # password), "endpoints" (repeatable HOST=URL without credentials, checked here)
    help: str


PASSED_ON: tuple[Flag, ...] = (
    Flag("--plain-http", "plain_http", "switch", "use http:// only"),
    Flag("--insecure", "insecure", "switch", "skip TLS certificate verification"),
    Flag("--proxy", "proxy", "proxy", "send requests through this http:// or socks5[h]:// proxy"),
    Flag("--endpoint", "endpoint", "endpoints", "send what is meant for HOST to URL"),
    Flag("--no-cache", "no_cache", "switch", "neither read nor write the on-disk cache"),
    Flag("--cache-dir", "cache_dir", "path", "cache directory"),
    Flag("--concurrency", "concurrency", "count", "requests in flight per registry"),
    Flag("--max-body", "max_body", "count", "largest body accepted (bytes)"),
    Flag("--max-pages", "max_pages", "count", "pages of a list to follow"),
    Flag("--max-entries", "max_entries", "count", "entries of a list to keep"),
    Flag("--max-list-bytes", "max_list_bytes", "count", "bytes of a list to read"),
    Flag("--timeout", "timeout", "seconds", "overall deadline of one request (seconds)"),
    Flag("--auth-file", "auth_file", "paths", "read credentials only from this auth file"),
    Flag("-v", "verbose", "switch", "log every request of every session on stderr"),
)
"""The global flags each app process gets, in the spelling of ``regview --help``."""

REFUSED: dict[str, str] = {
    "username": "-u/--username",
    "password_stdin": "--password-stdin",
}
"""Global flags that cannot be passed on: each app's standard input is a browser tab."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``regview serve`` itself (the CLI adds the global flags)."""
    parser.add_argument(
        "target",
        nargs="?",
        metavar="TARGET",
        help="what each tab opens: HOST, HOST/REPO, HOST/REPO:TAG, oci:PATH or demo "
        "(default: the start picker)",
    )
    parser.add_argument(
        "--host",
        default=None,
        metavar="ADDRESS",
        help=f"address to listen on (default {DEFAULT_HOST}; anything but loopback needs --public)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        metavar="PORT",
        help=f"port to listen on (default {DEFAULT_PORT}; 0 picks a free one)",
    )
    parser.add_argument(
        "--allow-delete",
        action="store_true",
        help="offer delete (D) in every tab's explorer, as regview --allow-delete does",
    )
    parser.add_argument(
        "--public",
        action="store_true",
        help="allow a --host other machines can reach: whoever has the URL browses with "
        "this user's credentials",
    )


def add_passthrough_flags(parser: argparse.ArgumentParser) -> None:
    """The global flags, for ``python -m regview.serve`` (the CLI has its own)."""
    group = parser.add_argument_group("passed on to every app process")
    for flag in PASSED_ON:
        names = ["-v", "--verbose"] if flag.flag == "-v" else [flag.flag]
        if flag.kind == "switch":
            group.add_argument(*names, dest=flag.dest, action="store_true", help=flag.help)
        elif flag.kind == "paths":
            group.add_argument(*names, dest=flag.dest, type=Path, action="append", help=flag.help)
        elif flag.kind == "path":
            group.add_argument(*names, dest=flag.dest, type=Path, help=flag.help)
        elif flag.kind == "proxy":
            group.add_argument(*names, dest=flag.dest, metavar="URL", help=flag.help)
        elif flag.kind == "endpoints":
            group.add_argument(
                *names, dest=flag.dest, action="append", metavar="HOST=URL", help=flag.help
            )
        else:
            number = int if flag.kind == "count" else float
            group.add_argument(*names, dest=flag.dest, type=number, help=flag.help)
    group.add_argument("-u", "--username", dest="username", help=argparse.SUPPRESS)
    group.add_argument(
        "--password-stdin", dest="password_stdin", action="store_true", help=argparse.SUPPRESS
    )


def settings_argv(args: argparse.Namespace) -> list[str]:
    """The global flags of ``args`` as the argv each app process gets, but ``--proxy``
    (that goes in :func:`settings_env`: no value here is a secret).

    Paths are made absolute (an app process could start in another directory). Raises
    :class:`ServeUsageError` for a flag that cannot be passed on or a value the app
    would refuse, so the server fails at start rather than in every tab.
    """
    check_passable(args)
    argv: list[str] = []
    for flag in PASSED_ON:
        value = getattr(args, flag.dest, None)
        if value is None or value is False:
            continue
        if flag.kind == "switch":
            argv.append(flag.flag)
        elif flag.kind == "paths":
            for path in value:
                argv += [flag.flag, str(Path(path).expanduser().absolute())]
        elif flag.kind == "path":
            argv += [flag.flag, str(Path(value).expanduser().absolute())]
        elif flag.kind == "proxy":
            _check_proxy(value)  # passed on by settings_env
        elif flag.kind == "endpoints":
            for pair in value:
                _check_endpoint(pair)
                argv += [flag.flag, pair]
        else:
            if value <= 0:
                raise ServeUsageError(f"{flag.flag} must be positive")
            argv += [flag.flag, str(value)]
    return argv


def settings_env(args: argparse.Namespace) -> dict[str, str]:
    """What each app process gets in its environment on top of the server's:
    ``--proxy`` as ``$REGVIEW_SERVE_PROXY`` (even ``''``, "no proxy"), whether or not
    the URL holds a password (one rule: a proxy is never on an app's command line)."""
    proxy: str | None = getattr(args, "proxy", None)
    if proxy is None:
        return {}
    _check_proxy(proxy)
    return {PROXY_ENV: proxy}


def serve_warnings(args: argparse.Namespace) -> list[str]:
    """What the server says once at its start about its own command line (its apps,
    which get the proxy in their environment, say nothing of it)."""
    warning = proxy_password_warning(getattr(args, "proxy", None))
    return [] if warning is None else [warning]


def _check_proxy(url: str) -> None:
    from regview.registry import InvalidProxy, ProxyRules

    try:
        ProxyRules.from_environment({}, url)
    except InvalidProxy as exc:
        raise ServeUsageError(str(exc)) from None


def _check_endpoint(pair: str) -> None:
    from regview.registry.endpoints import parse_endpoints

    try:
        if "=" not in pair:
            raise ValueError(f"{pair!r} is not HOST=URL (e.g. docker.io=http://127.0.0.1:5000)")
        parse_endpoints(pair)
    except ValueError as exc:
        raise ServeUsageError(f"--endpoint: {exc}") from None


def check_passable(args: argparse.Namespace) -> None:
    """Raise :class:`ServeUsageError` when ``args`` holds a flag serve cannot pass on."""
    for dest, spelling in REFUSED.items():
        if getattr(args, dest, None):
            raise ServeUsageError(
                f"{spelling} cannot be used with serve: each app's standard input is a "
                "browser tab. Put the credentials in an auth file and pass --auth-file"
            )


def app_argv(
    settings: Sequence[str], target: str | None, *, allow_delete: bool = False
) -> list[str]:
    """``python -m regview [FLAGS] [--allow-delete] [TARGET]``: the command of one tab."""
    argv = [sys.executable, "-m", "regview", *settings]
    if allow_delete:
        argv.append("--allow-delete")
    if target is not None:
        argv += ["--", target]
    return argv
