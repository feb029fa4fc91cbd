"""What every command of the command line shares: the global flags and the settings
built from them, the client pool, output (JSON, lines, raw bytes), failures, and the
:class:`Command` record a command group module lists its commands in.

Nothing here imports the registry, Textual or httpx at import time: ``regview
--version`` must start light. The registry is imported (through its public face
``regview.registry``) by the functions that need it.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn

if TYPE_CHECKING:
    from regview.registry import (
        ClientPool,
        Credential,
        Redactor,
        RequestRecord,
        Settings,
        Source,
    )
    from regview.targets import Ref

__all__ = [
    "PROXY_ENV",
    "Command",
    "Parser",
    "UsageError",
    "add_global_flags",
    "add_json_flag",
    "add_platform_flag",
    "client_pool",
    "fail",
    "log_request",
    "parse_ref",
    "print_json",
    "print_lines",
    "proxy_from_flags",
    "proxy_password_warning",
    "redact",
    "reference_registry",
    "settings_from_flags",
    "silence_stdout",
    "skip_unused_imports",
    "source_for",
    "static_credential",
    "warn",
    "write_raw",
]


class UsageError(Exception):
    """A command line that cannot be run as written: exit status 2, one line."""


class Parser(argparse.ArgumentParser):
    """argparse with regview's one-line error: usage, then ``regview: error: ...``.

    ``epilog_from``, when set, writes the epilog when help is printed, not before
    (the list of commands needs the command modules, which ``--version`` never does).
    """

    epilog_from: Callable[[], str] | None = None

    def format_help(self) -> str:
        if self.epilog_from is not None:
            self.epilog = self.epilog_from()
        return super().format_help()

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"regview: error: {message}\n")


class Command(NamedTuple):
    """One subcommand: what ``regview -h`` says of it, its own arguments, the
    registries it talks to (they get the ``--password-stdin`` credential) and its
    handler. A command group module lists its commands in ``COMMANDS``.

    (A named tuple, not a dataclass: ``dataclasses`` costs ``regview --version`` 5 ms.)
    """

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    registries: Callable[[argparse.Namespace], list[str]]
    run: Callable[[ClientPool, argparse.Namespace], Awaitable[int]] | None
    standalone: Callable[[argparse.Namespace], int] | None = None
    """For a command that runs its own event loop and clients (``serve``): called
    instead of ``run``, with no client pool, on the main thread."""


# --- flags -----------------------------------------------------------------------------


def add_global_flags(p: argparse.ArgumentParser, *, suppress: bool) -> None:
    """The flags every command takes, before or after its name (``suppress`` on a
    subcommand's parser, so a flag given before the name is not reset to its default)."""
    d: Any = argparse.SUPPRESS if suppress else None
    g = p.add_argument_group("connection and cache")
    g.add_argument(
        "--plain-http",
        action="store_true",
        default=d or False,
        help="use http:// only (localhost and 127.0.0.0/8 are tried over http first, "
        "then https if they speak TLS)",
    )
    g.add_argument(
        "--insecure",
        action="store_true",
        default=d or False,
        help="skip TLS certificate verification",
    )
    g.add_argument(
        "--proxy",
        default=d,
        metavar="URL",
        help="send requests through this proxy, http:// or socks5[h]://HOST:PORT (a "
        "password here shows in ps: give it in $HTTPS_PROXY or $ALL_PROXY) (default: "
        "$HTTPS_PROXY, $HTTP_PROXY, $ALL_PROXY; $NO_PROXY and loopback go direct; '' for none)",
    )
    g.add_argument(
        "--endpoint",
        action="append",
        default=d,
        metavar="HOST=URL",
        help="send what is meant for HOST (and its token realms' hosts, if given too) to "
        "URL: a mirror, another address (repeatable; added to $REGVIEW_ENDPOINTS)",
    )
    g.add_argument(
        "--no-cache",
        action="store_true",
        default=d or False,
        help="neither read nor write the on-disk cache",
    )
    g.add_argument(
        "--cache-dir",
        type=Path,
        default=d,
        metavar="DIR",
        help="cache directory (default: $REGVIEW_CACHE_DIR or the user cache dir)",
    )
    g.add_argument(
        "--concurrency",
        type=int,
        default=d,
        metavar="N",
        help="requests in flight per registry (default 32)",
    )
    g.add_argument(
        "--max-body",
        type=int,
        default=d,
        metavar="BYTES",
        help="largest manifest/config/listing body accepted (default 4 MiB)",
    )
    g.add_argument(
        "--max-pages",
        type=int,
        default=d,
        metavar="N",
        help="pages of a catalog or tag list to follow (default 10000)",
    )
    g.add_argument(
        "--max-entries",
        type=int,
        default=d,
        metavar="N",
        help="entries of a catalog or tag list to keep (default 1000000)",
    )
    g.add_argument(
        "--max-list-bytes",
        type=int,
        default=d,
        metavar="BYTES",
        help="bytes of a catalog or tag list to read (default 64 MiB)",
    )
    g.add_argument(
        "--timeout",
        type=float,
        default=d,
        metavar="SECONDS",
        help="overall deadline of one request (default 60)",
    )
    a = p.add_argument_group("authentication")
    a.add_argument(
        "-u",
        "--username",
        default=d,
        metavar="USER",
        help="user name; the password is read with --password-stdin",
    )
    a.add_argument(
        "--password-stdin",
        action="store_true",
        default=d or False,
        help="read the password (or token) from standard input",
    )
    a.add_argument(
        "--auth-file",
        type=Path,
        action="append",
        default=d,
        metavar="PATH",
        help="read credentials only from this docker/containers auth file",
    )
    p.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=d or False,
        help="log every request (method, URL, status, time) on stderr",
    )


def add_platform_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--platform",
        default=None,
        metavar="OS/ARCH[/VARIANT]",
        help="pick this platform from an index (default linux/amd64)",
    )


def add_json_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print JSON")


# --- settings, credentials, clients ----------------------------------------------------


PROXY_ENV = "REGVIEW_SERVE_PROXY"
"""Read as if it were ``--proxy`` when that flag is not given: how ``regview serve`` hands
its ``--proxy`` to each tab's app process without putting a password on the app's
command line (``/proc/PID/environ`` is readable only by its user, ``cmdline`` by all)."""


def proxy_from_flags(
    args: argparse.Namespace, environ: Mapping[str, str] | None = None
) -> str | None:
    """``--proxy`` as given, else ``$REGVIEW_SERVE_PROXY`` (set, even empty: ``''`` is
    "no proxy"), else None (the settings then read ``$HTTPS_PROXY`` and the rest)."""
    flag: str | None = getattr(args, "proxy", None)
    if flag is not None:
        return flag
    env = os.environ if environ is None else environ
    return env.get(PROXY_ENV)


def proxy_password_warning(url: str | None) -> str | None:
    """What to say of a proxy URL given on a command line, when it holds a password."""
    if not _has_password(url):
        return None
    return (
        "the password in --proxy is visible to every user of this machine (ps): put the "
        "proxy URL in HTTPS_PROXY / ALL_PROXY instead (or Settings(proxy=...) in Python)"
    )


def settings_from_flags(args: argparse.Namespace) -> Settings:
    """The one :class:`Settings` of this run: the flags, then the environment."""
    from regview.registry import Settings

    values: dict[str, Any] = {
        "proxy": proxy_from_flags(args),
        "plain_http": args.plain_http or None,
        "insecure": args.insecure or None,
        "use_cache": False if args.no_cache else None,
        "cache_dir": getattr(args, "cache_dir", None),
        "auth_files": tuple(args.auth_file) if getattr(args, "auth_file", None) else None,
        "keymap_path": getattr(args, "keymap", None),
        "logger": log_request if args.verbose else None,
        "endpoints": endpoints_from_flags(getattr(args, "endpoint", None)),
    }
    for flag, field in (
        ("concurrency", "concurrency"),
        ("max_body", "max_body_bytes"),
        ("max_pages", "max_pages"),
        ("max_entries", "max_list_entries"),
        ("max_list_bytes", "max_list_bytes"),
        ("timeout", "request_deadline"),
    ):
        value = getattr(args, flag, None)
        if value is not None:
            if value <= 0:
                raise UsageError(f"--{flag.replace('_', '-')} must be positive")
            values[field] = value
    try:
        settings = Settings.from_environment(**values)
    except ValueError as exc:  # a bad proxy URL (InvalidProxy), or $REGVIEW_ENDPOINTS
        raise UsageError(str(exc)) from None
    warning = proxy_password_warning(getattr(args, "proxy", None))  # not the variable's
    if warning is not None:
        warn(warning)
    return settings


def _has_password(url: str | None) -> bool:
    """Whether a proxy URL's userinfo holds a password (``http://user:PASSWORD@host``)."""
    from urllib.parse import urlsplit

    if not url:
        return False
    try:
        return bool(urlsplit(url if "://" in url else "http://" + url.strip()).password)
    except ValueError:
        return False


def endpoints_from_flags(
    flags: list[str] | None, environ: Mapping[str, str] | None = None
) -> dict[str, str] | None:
    """``--endpoint HOST=URL`` flags over ``$REGVIEW_ENDPOINTS`` (a flag wins for its
    host); None without flags (the settings then read the variable themselves)."""
    if not flags:
        return None
    from regview.registry.endpoints import ENDPOINTS_ENV, parse_endpoints

    env = os.environ if environ is None else environ
    try:
        pairs = parse_endpoints(env.get(ENDPOINTS_ENV, ""))
    except ValueError as exc:
        raise UsageError(f"${ENDPOINTS_ENV}: {exc}") from None
    for flag in flags:
        if "=" not in flag:
            raise UsageError(
                f"--endpoint {flag!r} is not HOST=URL (e.g. docker.io=http://127.0.0.1:5000)"
            )
        try:
            pairs.update(parse_endpoints(flag))
        except ValueError as exc:
            raise UsageError(f"--endpoint: {exc}") from None
    return pairs


def log_request(record: RequestRecord) -> None:
    """``-v``: one line per request on stderr, every secret hidden."""
    from regview.textsafe import visible

    status = str(record.status) if record.status is not None else record.cache or "---"
    note = f" ({record.note})" if record.note else ""
    line = f"{record.method:<4} {status} {record.elapsed_ms:7.1f} ms {record.url}{note}"
    redactor = _redactor()
    if redactor is not None:  # (the record is redacted already: this is belt and braces)
        line = redactor.redact_message(line)
    print(visible(line, limit=1000), file=sys.stderr)


def static_credential(args: argparse.Namespace) -> Credential | None:
    """The ``-u USER --password-stdin`` credential; reads one line of standard input."""
    from regview.registry import Credential

    username = getattr(args, "username", None)
    if args.password_stdin and not username:
        raise UsageError("--password-stdin needs -u/--username")
    if username and not args.password_stdin:
        raise UsageError(
            "-u/--username needs --password-stdin (passwords never go on the command line)"
        )
    if not username:
        return None
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise UsageError("--password-stdin read an empty password")
    return Credential(
        username=username, password=password, identity_token=None, source="--password-stdin"
    )


def client_pool(args: argparse.Namespace, registries: Sequence[str]) -> ClientPool:
    """Clients for this run, sharing one cache; ``registries`` get the static credential."""
    from regview.registry import ClientPool, CredentialStore

    settings = settings_from_flags(args)
    store = CredentialStore(auth_files=settings.auth_files)
    static = static_credential(args)
    statics = {r: static for r in registries} if static is not None else {}
    return ClientPool(settings=settings, credentials=store, static=statics)


def parse_ref(text: str, *, need_reference: bool = True) -> Ref:
    from regview.targets import parse_ref as parse

    return parse(text, need_reference=need_reference)


def source_for(pool: ClientPool, key: str) -> Source:
    from regview.targets import source_for as source

    return source(key, pool.get, pool.settings)


def reference_registry(args: argparse.Namespace) -> list[str]:
    """The registry of a command's one ``REF`` argument."""
    return [parse_ref(args.reference).source_key]


# --- output ----------------------------------------------------------------------------


def _redactor() -> Redactor | None:
    """The client's redactor, when the client is loaded (before that, no secret is held:
    a command that never loads the registry does not import it just for this)."""
    if "regview.registry" not in sys.modules:
        return None
    from regview.registry import redactor

    return redactor


def redact(text: str) -> str:
    """``text`` with every secret the client holds hidden (as ``<hidden>``)."""
    redactor = _redactor()
    return text if redactor is None else redactor.redact(text)


def print_json(obj: object, *, compact: bool = False) -> None:
    """``obj`` as JSON on stdout, with every secret the client holds hidden."""
    redactor = _redactor()
    if redactor is not None:
        obj = redactor.redact_json(obj)
    if compact:
        sys.stdout.write(json.dumps(obj, separators=(",", ":"), ensure_ascii=True) + "\n")
    else:
        sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=True) + "\n")
    sys.stdout.flush()


def print_lines(lines: Iterable[str]) -> None:
    """Lines of text, each made terminal-safe (a registry's names are untrusted), with
    every secret the client holds hidden. ``lines`` may be a generator: it is read a
    thousand lines at a time, never whole."""
    from regview.textsafe import visible

    out = sys.stdout
    # A thousand lines redacted at once: one search instead of a thousand (a million
    # tags). ``visible`` escapes a line's own line breaks, so each "\n" is a separator.
    it = iter(lines)
    while chunk := list(itertools.islice(it, 1024)):
        out.write(redact("\n".join(visible(line) for line in chunk)) + "\n")
    out.flush()


def write_raw(data: bytes) -> None:
    """Raw bytes for pipes (exact: their digest must match); on a terminal, control
    characters are escaped and the secrets the client holds hidden first."""
    if sys.stdout.isatty():
        from regview.textsafe import visible

        text = visible(redact(data.decode("utf-8", "replace")), keep_newlines=True)
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
        return
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def fail(message: str) -> None:
    """``regview: MESSAGE`` on stderr, on one line, terminal-safe."""
    from regview.textsafe import visible

    redactor = _redactor()
    if redactor is not None:
        message = redactor.redact_message(message)
    text = visible(" ".join(message.split()), limit=2000)
    print(f"regview: {text}", file=sys.stderr)


def warn(message: str) -> None:
    """``regview: warning: MESSAGE`` on stderr, on one line, terminal-safe; the run goes on."""
    fail(f"warning: {message}")


def silence_stdout() -> None:
    """Point stdout at /dev/null (its reader went away: nothing more to say)."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass


def skip_unused_imports() -> None:
    """Keep optional modules the scripting commands never use out of the process.

    httpcore imports trio when it is installed (we run on asyncio), and httpx imports
    its own command-line tool (rich, pygments, click): together ~0.2 s of start-up for
    every scripted call. Both treat an ImportError as "not installed".
    """
    for name in ("trio", "httpx._main"):
        if name not in sys.modules:
            sys.modules[name] = None  # type: ignore[assignment]
