"""``regview serve``: check the command line, bind the socket, run the server.

aiohttp and textual-serve are imported only once the command runs.
"""

from __future__ import annotations

import argparse
import ipaddress
import socket
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from regview.serve.options import (
    DEFAULT_HOST,
    ServeUsageError,
    app_argv,
    check_passable,
    serve_warnings,
    settings_argv,
    settings_env,
)

__all__ = ["run", "run_serve"]

_PUBLIC_WARNING = (
    "regview serve: warning: listening on {address}, which other machines can reach. "
    "Whoever has the URL browses registries with this user's credentials, and plain "
    "http carries the token in clear: share it only on a network you trust, or put "
    "the server behind a TLS proxy."
)


def run(args: argparse.Namespace, passthrough_argv: Sequence[str] | None = None) -> int:
    """Run ``regview serve`` from parsed arguments (``add_arguments``' and the global
    flags'); ``passthrough_argv`` is what each app process gets on its command line
    (default: the global flags found in ``args``, see
    :func:`~regview.serve.options.settings_argv`); the proxy goes in its environment
    (:func:`~regview.serve.options.settings_env`)."""
    try:
        if passthrough_argv is None:
            passthrough = settings_argv(args)
        else:
            check_passable(args)
            passthrough = list(passthrough_argv)
        environment = settings_env(args)
    except ServeUsageError as exc:
        return _usage(str(exc))
    for warning in serve_warnings(args):
        print(f"regview serve: warning: {warning}", file=sys.stderr, flush=True)
    return run_serve(
        passthrough,
        args.target,
        args.host,
        args.port,
        args.public,
        allow_delete=getattr(args, "allow_delete", False),
        settings_env=environment,
    )


def run_serve(
    settings_argv: list[str],
    target: str | None,
    host: str | None = None,
    port: int = 8080,
    public: bool = False,
    *,
    allow_delete: bool = False,
    settings_env: Mapping[str, str] | None = None,
) -> int:
    """Serve ``python -m regview [SETTINGS_ARGV] [TARGET]`` to browsers until a signal
    (with ``--allow-delete`` when ``allow_delete``: each tab's explorer offers delete),
    each app with ``settings_env`` laid over the server's environment (what must not be
    on an app's command line: the proxy).

    Returns the exit status: 0 when stopped by a signal, 2 for a bad command line, 1
    when the server cannot start.
    """
    try:
        from regview.serve.server import RegviewServer
    except ImportError as exc:
        print(
            f"regview serve needs textual-serve ({exc.name} is missing): "
            "pip install 'regview[serve]'",
            file=sys.stderr,
        )
        return 1
    host = host or DEFAULT_HOST
    try:
        _check_target(target)
        address = _resolve(host, port)
        loopback = _is_loopback(address[4][0])
        if not loopback and not public:
            raise ServeUsageError(
                f"--host {host} is not a loopback address: add --public to serve other "
                "machines (whoever has the URL browses with this user's credentials)"
            )
    except ServeUsageError as exc:
        return _usage(str(exc))
    try:
        sock = socket.create_server(address[4][:2], family=address[0])
    except OSError as exc:
        print(
            f"regview serve: cannot listen on {host} port {port}: {exc.strerror or exc} "
            "(pick another --port, or --port 0 for a free one)",
            file=sys.stderr,
        )
        return 1
    if not loopback:
        print(_PUBLIC_WARNING.format(address=address[4][0]), file=sys.stderr, flush=True)
    title = f"regview {target}" if target else "regview"
    argv = app_argv(settings_argv, target, allow_delete=allow_delete)
    server = RegviewServer(
        argv, sock=sock, url_host=host, title=title, app_env=dict(settings_env or {})
    )
    import asyncio

    try:
        return asyncio.run(server.run())
    finally:
        sock.close()


def _usage(message: str) -> int:
    print(f"regview serve: error: {message}", file=sys.stderr)
    return 2


def _check_target(target: str | None) -> None:
    """Fail at start, not in every tab, for a target the explorer would refuse."""
    if target is None:
        return
    from regview.registry import InvalidReference, parse_target
    from regview.targets import DEMO

    value = target.strip()
    if value == DEMO:
        return
    if value.startswith("oci:"):
        path = Path(value[len("oci:") :]).expanduser()
        if not path.is_dir():
            raise ServeUsageError(f"{path} is not a directory")
        return
    try:
        parse_target(value)
    except InvalidReference as exc:
        raise ServeUsageError(str(exc)) from None


AddressInfo = tuple[
    socket.AddressFamily, int, int, str, tuple[str, int] | tuple[str, int, int, int]
]


def _resolve(host: str, port: int) -> AddressInfo:
    if not 0 <= port <= 65535:
        raise ServeUsageError(f"--port {port} is not a port number (0-65535)")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ServeUsageError(f"--host {host}: {exc.strerror}") from None
    return infos[0]  # type: ignore[return-value]


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.split("%", 1)[0]).is_loopback
    except ValueError:
        return False
