"""Three real registries behind fake names, for the proxy tests (CONNECT and SOCKS5).

:data:`H2_NAME` speaks TLS and HTTP/2, :data:`H1_NAME` TLS with HTTP/2 off (regview's
own HTTP/1.1 pool then carries it), :data:`PLAIN_NAME` plain http. The names resolve
nowhere: only a test proxy that maps them to the loopback ports reaches them, and the
certificate is made for the two TLS names.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.images import write_layout
from tests.support.publish import run_parallel, skopeo_copy_args
from tests.support.registry import RegistryServer
from tests.support.tls import LoopbackCertificate

__all__ = ["H1_NAME", "H2_NAME", "PLAIN_NAME", "Http11Registry", "proxied_registries"]

H2_NAME = "registry.example.test"  # Go answers HTTP/2: httpx's transport, tunnelled
H1_NAME = "h1.example.test"  # HTTP/2 off: regview's own HTTP/1.1 pool, tunnelled
PLAIN_NAME = "plain.example.test"  # plain http: sent to the proxy in absolute form


class Http11Registry(RegistryServer):
    """The real registry with HTTP/2 turned off (it then speaks HTTP/1.1 over TLS)."""

    def config(self) -> dict[str, Any]:
        cfg = super().config()
        cfg["http"]["http2"] = {"disabled": True}
        return cfg


@contextlib.contextmanager
def proxied_registries(
    tmp_path_factory: pytest.TempPathFactory,
    certificate: LoopbackCertificate,
    image: Any,
    prefix: str,
) -> Iterator[dict[str, RegistryServer]]:
    """The three registries by fake name, each holding ``image`` as proxied/app:1.0
    (pushed with skopeo); stopped when the block ends."""
    servers = {
        H2_NAME: RegistryServer(
            tmp_path_factory.mktemp(f"{prefix}-h2"), name="h2", tls=certificate
        ),
        H1_NAME: Http11Registry(
            tmp_path_factory.mktemp(f"{prefix}-h1"), name="h1", tls=certificate
        ),
        PLAIN_NAME: RegistryServer(tmp_path_factory.mktemp(f"{prefix}-plain"), name="plain"),
    }
    try:
        for server in servers.values():
            server.start()
        layout = write_layout(tmp_path_factory.mktemp(f"{prefix}-layout"), {"image": image})
        run_parallel(
            [
                skopeo_copy_args(f"oci:{layout}:image", s.ref("proxied/app", "1.0"))
                for s in servers.values()
            ]
        )
        yield servers
    finally:
        for server in servers.values():
            server.cleanup()
