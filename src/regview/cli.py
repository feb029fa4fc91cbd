"""Command line: scripting subcommands, or the TUI when no subcommand is named.

This module imports neither Textual nor httpx at import time: ``regview --version``
and the scripting commands start fast, and the TUI is imported only when it starts.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from regview import __version__

if TYPE_CHECKING:
    from regview.registry.client import ClientPool
    from regview.registry.credentials import Credential
    from regview.registry.settings import RequestRecord, Settings
    from regview.registry.source import Source
    from regview.targets import Ref
    from regview.tui.app import RegviewApp
    from regview.tui.screens.start import StartChoice

COMMANDS = ("catalog", "tags", "manifest", "config", "referrers", "inspect", "files", "cat")
_VALUE_FLAGS = frozenset(
    {
        "--cache-dir",
        "--concurrency",
        "-u",
        "--username",
        "--auth-file",
        "--max-body",
        "--max-pages",
        "--timeout",
        "--platform",
        "--page-size",
        "--keymap",
        "--layer",
        "--sort",
    }
)


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"regview: error: {message}\n")


def _add_global_flags(p: argparse.ArgumentParser, *, suppress: bool) -> None:
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


def build_parser(command: str | None) -> argparse.ArgumentParser:
    parser = _Parser(
        prog="regview",
        description="Explore container registries: repositories, tags, manifests, configs.",
        epilog="Commands: " + ", ".join(COMMANDS) + ". Run `regview COMMAND -h` for each.",
    )
    parser.add_argument("--version", action="version", version=f"regview {__version__}")
    _add_global_flags(parser, suppress=False)
    if command is None:
        parser.add_argument(
            "target",
            nargs="?",
            metavar="TARGET",
            help="HOST, HOST/REPO, HOST/REPO:TAG, HOST/REPO@DIGEST or oci:PATH",
        )
        parser.add_argument("--demo", action="store_true", help="open the embedded demo")
        parser.add_argument(
            "--keymap",
            type=Path,
            default=None,
            metavar="PATH",
            help="key bindings file (default ~/.config/regview/keys.toml)",
        )
        return parser
    sub = parser.add_subparsers(dest="command", required=True)
    helps = {
        "catalog": "list the repositories of a registry",
        "tags": "list the tags of a repository",
        "manifest": "print a manifest's raw bytes, exactly as served",
        "config": "print an image config's raw bytes, exactly as served",
        "referrers": "list signatures, SBOMs and attestations of an image",
        "inspect": "describe images, indexes and artifacts",
        "files": "list the files of an image (merged) or of one layer, like tar -tv",
        "cat": "write one file of an image to standard output",
    }
    for name in COMMANDS:
        sp = sub.add_parser(name, help=helps[name], description=helps[name])
        _add_global_flags(sp, suppress=True)
        if name == "catalog":
            sp.add_argument("registry", metavar="REGISTRY")
            sp.add_argument(
                "--page-size",
                type=int,
                default=None,
                metavar="N",
                help="entries per request (default 1000, falls back to 100)",
            )
        elif name == "tags":
            sp.add_argument("repository", metavar="REPOSITORY")
        elif name == "inspect":
            sp.add_argument("references", nargs="+", metavar="REF")
        else:
            sp.add_argument("reference", metavar="REF")
        if name == "cat":
            sp.add_argument(
                "path", metavar="PATH", help="path inside the image, e.g. /etc/os-release"
            )
        if name in ("config", "inspect", "files", "cat"):
            sp.add_argument(
                "--platform",
                default=None,
                metavar="OS/ARCH[/VARIANT]",
                help="pick this platform from an index (default linux/amd64)",
            )
        if name == "inspect":
            sp.add_argument(
                "--recursive",
                action="store_true",
                help="describe every manifest an index lists, too",
            )
        if name == "files":
            sp.add_argument(
                "--layer",
                default=None,
                metavar="N|DIGEST",
                help="one layer: its number (1 = bottom, -1 = top) or (a prefix of) its "
                "digest; default: the merged filesystem of all layers",
            )
            sp.add_argument(
                "--sort",
                choices=("name", "size"),
                default=None,
                help="order of the listing (default: archive order for a layer, name when merged)",
            )
            sp.add_argument(
                "--full",
                action="store_true",
                help="read whole layers even when they embed a table of contents (eStargz,"
                " zstd:chunked)",
            )
        if name == "cat":
            sp.add_argument(
                "--force",
                action="store_true",
                help="write binary content even when standard output is a terminal",
            )
            sp.add_argument(
                "--verify",
                action="store_true",
                help="read the rest of the layer to check its digest (fails after the output)",
            )
        if name in ("catalog", "tags", "referrers", "inspect", "files"):
            sp.add_argument("--json", action="store_true", help="print JSON")
    return parser


def find_command(argv: Sequence[str]) -> str | None:
    """The subcommand named by the first positional argument, if it is one."""
    skip = False
    for token in argv:
        if skip:
            skip = False
            continue
        if token == "--":
            return None
        if token.startswith("-"):
            if token in _VALUE_FLAGS:
                skip = True
            continue
        return token if token in COMMANDS else None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    command, args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if command is None:
            return _start_tui(args)
        _skip_unused_imports()
        import asyncio

        return asyncio.run(_run_command(command, args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return 0
    except UsageError as exc:
        _fail(str(exc))
        return 2
    except Exception as exc:
        from regview.registry.errors import RegistryError

        if isinstance(exc, RegistryError):
            _fail(str(exc))
            return 1
        if isinstance(exc, OSError):
            _fail(f"{exc.strerror or exc}")
            return 1
        raise


def _skip_unused_imports() -> None:
    """Keep optional modules the scripting commands never use out of the process.

    httpcore imports trio when it is installed (we run on asyncio), and httpx imports
    its own command-line tool (rich, pygments, click): together ~0.2 s of start-up for
    every scripted call. Both treat an ImportError as "not installed".
    """
    for name in ("trio", "httpx._main"):
        if name not in sys.modules:
            sys.modules[name] = None  # type: ignore[assignment]


def _fail(message: str) -> None:
    from regview.textsafe import visible

    text = visible(" ".join(message.split()), limit=2000)
    print(f"regview: {text}", file=sys.stderr)


def _silence_stdout() -> None:
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass


# --- shared set-up ---------------------------------------------------------------------


def _settings(args: argparse.Namespace) -> Settings:
    """The one :class:`Settings` of this run: the flags, then the environment."""
    from regview.registry.settings import Settings

    values: dict[str, Any] = {
        "plain_http": args.plain_http or None,
        "insecure": args.insecure or None,
        "use_cache": False if args.no_cache else None,
        "cache_dir": getattr(args, "cache_dir", None),
        "auth_files": tuple(args.auth_file) if getattr(args, "auth_file", None) else None,
        "keymap_path": getattr(args, "keymap", None),
        "logger": _log_request if args.verbose else None,
    }
    for flag, field in (
        ("concurrency", "concurrency"),
        ("max_body", "max_body_bytes"),
        ("max_pages", "max_pages"),
        ("timeout", "request_deadline"),
    ):
        value = getattr(args, flag, None)
        if value is not None:
            if value <= 0:
                raise UsageError(f"--{flag.replace('_', '-')} must be positive")
            values[field] = value
    return Settings.from_environment(**values)


def _log_request(record: RequestRecord) -> None:
    from regview.textsafe import visible

    status = str(record.status) if record.status is not None else record.cache or "---"
    extra = ""
    note = f" ({record.note})" if record.note else ""
    line = f"{record.method:<4} {status} {record.elapsed_ms:7.1f} ms{extra} {record.url}{note}"
    print(visible(line, limit=1000), file=sys.stderr)


def _static_credential(args: argparse.Namespace) -> Credential | None:
    from regview.registry.credentials import Credential

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


def _pool(args: argparse.Namespace, registries: Sequence[str]) -> ClientPool:
    from regview.registry.client import ClientPool
    from regview.registry.credentials import CredentialStore

    settings = _settings(args)
    store = CredentialStore(auth_files=settings.auth_files)
    static = _static_credential(args)
    statics = {r: static for r in registries} if static is not None else {}
    return ClientPool(settings=settings, credentials=store, static=statics)


# --- scripting commands ----------------------------------------------------------------


def _parse_ref(text: str, *, need_reference: bool = True) -> Ref:
    from regview.targets import parse_ref

    return parse_ref(text, need_reference=need_reference)


def _source_for(pool: ClientPool, key: str) -> Source:
    from regview.targets import source_for

    return source_for(key, pool.get, pool.settings)


async def _cmd_files(pool: ClientPool, args: argparse.Namespace) -> int:
    from regview.cli_layers import cmd_files

    return await cmd_files(pool, args)


async def _cmd_cat(pool: ClientPool, args: argparse.Namespace) -> int:
    from regview.cli_layers import cmd_cat

    return await cmd_cat(pool, args)


async def _run_command(command: str, args: argparse.Namespace) -> int:
    from regview.registry.reference import normalize_registry

    if command == "catalog":
        registries = [] if args.registry.startswith("oci:") else [normalize_registry(args.registry)]
    elif command == "tags":
        registries = [_parse_ref(args.repository, need_reference=False).source_key]
    elif command == "inspect":
        registries = [_parse_ref(r).source_key for r in args.references]
    else:
        registries = [_parse_ref(args.reference).source_key]
    pool = _pool(args, registries)
    try:
        handler = {
            "catalog": _cmd_catalog,
            "tags": _cmd_tags,
            "manifest": _cmd_manifest,
            "config": _cmd_config,
            "referrers": _cmd_referrers,
            "inspect": _cmd_inspect,
            "files": _cmd_files,
            "cat": _cmd_cat,
        }[command]
        return await handler(pool, args)
    finally:
        await pool.aclose()


def _print_json(obj: object, *, compact: bool = False) -> None:
    if compact:
        sys.stdout.write(json.dumps(obj, separators=(",", ":"), ensure_ascii=True) + "\n")
    else:
        sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=True) + "\n")
    sys.stdout.flush()


def _print_lines(lines: Sequence[str]) -> None:
    from regview.textsafe import visible

    out = sys.stdout
    for line in lines:
        out.write(visible(line) + "\n")
    out.flush()


async def _cmd_catalog(pool: ClientPool, args: argparse.Namespace) -> int:
    from regview.registry.reference import normalize_registry

    key = args.registry if args.registry.startswith("oci:") else normalize_registry(args.registry)
    source = _source_for(pool, key)
    names: list[str] = []
    async for page in source.repositories(page_size=args.page_size):
        if args.json:
            names.extend(page)
        else:
            _print_lines(page)
    if args.json:
        _print_json({"registry": source.name, "repositories": names})
    return 0


async def _cmd_tags(pool: ClientPool, args: argparse.Namespace) -> int:
    import dataclasses

    from regview.natural import sort_tags

    ref = _parse_ref(args.repository, need_reference=False)
    if ref.source_key.startswith("oci:"):
        ref = dataclasses.replace(ref, reference="")
    source = _source_for(pool, ref.source_key)
    tags: list[str] = []
    async for page in source.tags(ref.repository):
        tags.extend(page)
    tags = sort_tags(set(tags))
    if args.json:
        _print_json(
            {
                "repository": ref.display
                if not ref.source_key.startswith("oci:")
                else f"{ref.source_key}",
                "tags": tags,
            }
        )
    else:
        _print_lines(tags)
    return 0


def _write_raw(data: bytes) -> None:
    """Raw bytes for pipes; on a terminal, control characters are escaped first."""
    if sys.stdout.isatty():
        from regview.textsafe import visible

        text = visible(data.decode("utf-8", "replace"), keep_newlines=True)
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
        return
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


async def _cmd_manifest(pool: ClientPool, args: argparse.Namespace) -> int:
    ref = _parse_ref(args.reference)
    source = _source_for(pool, ref.source_key)
    fetched = await source.manifest(ref.repository, ref.reference)
    _write_raw(fetched.raw)
    return 0


async def _cmd_config(pool: ClientPool, args: argparse.Namespace) -> int:
    from regview.registry.errors import NotFound
    from regview.registry.inspection import resolve_image
    from regview.registry.models import ImageManifest, Platform

    ref = _parse_ref(args.reference)
    source = _source_for(pool, ref.source_key)
    platform = Platform.parse(args.platform) if args.platform else None
    fetched = await resolve_image(
        source, ref.repository, ref.reference, platform, max_depth=pool.settings.max_index_depth
    )
    manifest = fetched.manifest
    if not isinstance(manifest, ImageManifest):
        raise NotFound(f"{ref.display} has no image config ({manifest.media_type})")
    config = await source.config(ref.repository, manifest.config)
    _write_raw(config.raw)
    return 0


async def _cmd_referrers(pool: ClientPool, args: argparse.Namespace) -> int:
    from regview.registry import media_types as mt

    ref = _parse_ref(args.reference)
    source = _source_for(pool, ref.source_key)
    subject = await source.resolve(ref.repository, ref.reference)
    found = await source.referrers(ref.repository, subject.digest)
    if args.json:
        _print_json(
            {
                "subject": subject.digest,
                "referrers": [
                    {
                        "digest": d.digest,
                        "mediaType": d.media_type,
                        "size": d.size,
                        "artifactType": d.artifact_type,
                        "annotations": dict(d.annotations),
                    }
                    for d in found
                ],
            }
        )
        return 0
    lines = [
        f"{mt.referrer_kind(d.artifact_type):<12} {d.digest}  {d.artifact_type or d.media_type}"
        for d in found
    ]
    _print_lines(lines or [f"no referrers for {subject.digest}"])
    return 0


async def _cmd_inspect(pool: ClientPool, args: argparse.Namespace) -> int:
    import asyncio

    from regview.inspect_text import render_inspect
    from regview.registry.errors import RegistryError
    from regview.registry.inspection import inspect
    from regview.registry.models import Platform

    platform = Platform.parse(args.platform) if args.platform else None
    refs = [_parse_ref(r) for r in args.references]

    async def one(ref: Ref) -> dict[str, Any]:
        source = _source_for(pool, ref.source_key)
        return await inspect(
            source,
            ref.repository,
            ref.reference,
            display=ref.display,
            platform=platform,
            recursive=args.recursive,
            max_depth=pool.settings.max_index_depth,
        )

    tasks = [asyncio.ensure_future(one(r)) for r in refs]
    failures = 0
    for ref, task in zip(refs, tasks, strict=True):
        try:
            result = await task
        except RegistryError as exc:
            if len(refs) == 1:
                raise
            failures += 1
            _fail(f"{ref.display}: {exc}")
            continue
        if args.json:
            _print_json(result, compact=len(refs) > 1)
        else:
            _print_lines(render_inspect(result))
    return 1 if failures else 0


# --- the TUI ---------------------------------------------------------------------------


def _start_tui(args: argparse.Namespace) -> int:
    app, pool = build_explorer(args)
    try:
        result = app.run()
    finally:
        pool.cache.flush()  # the cache writes still queued when the app closed
    return result if isinstance(result, int) else 0


def build_explorer(args: argparse.Namespace) -> tuple[RegviewApp, ClientPool]:
    """The explorer app as ``regview [FLAGS] [TARGET]`` runs it, and the client pool
    behind it (flush its cache once the app has exited). Tests build it here too."""
    from regview.recent import remember
    from regview.registry.reference import parse_target
    from regview.targets import DEMO, Opened, open_target

    target_text: str | None = DEMO if args.demo else args.target
    registries: list[str] = []
    if target_text is not None and target_text != DEMO and not target_text.startswith("oci:"):
        registries = [parse_target(target_text).registry]
    pool = _pool(args, registries)
    settings = pool.settings

    def opener(text: str) -> Opened:
        opened = open_target(text, pool.get, settings)
        if text.strip() != DEMO:
            remember(settings.state_root(), text.strip())
        return opened

    from regview.tui.app import create_app

    if target_text is None:
        app = create_app(
            None, settings=settings, opener=opener, start_choices=_start_choices(settings)
        )
        return app, pool
    opened = opener(target_text)
    app = create_app(
        opened.source,
        settings=settings,
        repository=opened.repository,
        reference=opened.reference,
    )
    return app, pool


def parse_args(argv: Sequence[str]) -> tuple[str | None, argparse.Namespace]:
    """The subcommand named in ``argv`` (None for the explorer) and its arguments."""
    args_list = list(argv)
    command = find_command(args_list)
    return command, build_parser(command).parse_args(args_list)


def _start_choices(settings: Settings) -> list[StartChoice]:
    """The picker's list: the demo, recent targets, registries in the auth files."""
    from regview.recent import load_recent
    from regview.registry.credentials import CredentialStore
    from regview.registry.errors import CredentialsError
    from regview.targets import DEMO
    from regview.tui.screens.start import StartChoice

    choices = [StartChoice(DEMO, "the embedded demo")]
    seen = {DEMO}
    for target in load_recent(settings.state_root()):
        if target not in seen:
            seen.add(target)
            choices.append(StartChoice(target, "recent"))
    try:
        known = CredentialStore(auth_files=settings.auth_files).registries()
    except CredentialsError:
        known = []
    for registry in known:
        if registry not in seen:
            seen.add(registry)
            choices.append(StartChoice(registry, "in your auth files"))
    return choices
