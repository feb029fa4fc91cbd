"""Tunable limits and behaviour of the registry client, with safe defaults."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from regview import __version__

MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One HTTP exchange, for ``-v`` logging. Never holds a header value or a secret."""

    method: str
    url: str
    status: int | None
    elapsed_ms: float
    cache: str = ""  # "", "hit", "revalidated"
    note: str = ""


RequestLogger = Callable[[RequestRecord], None]


@dataclass(frozen=True, slots=True)
class ClientOptions:
    """How a :class:`~regview.registry.client.RegistryClient` talks to registries."""

    plain_http: bool = False
    """Use http:// for every registry. Without it, https, except for localhost and loopback
    addresses: those are tried over http first and switched to https if they speak TLS."""
    insecure: bool = False
    """Skip TLS certificate verification."""
    concurrency: int = 32
    """Requests in flight at once, per registry host.

    32 small GETs at once halve a cold inspect of 100 tags at 50 ms RTT against 16
    (``benchmarks/run --only c``); HTTP/2 registries carry them on one connection.
    """
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    request_deadline: float = 60.0
    """Overall time for one request, body included (a dripping server cannot stall us)."""
    max_body_bytes: int = 4 * MiB
    """Cap for manifest, config, tag-list and catalog bodies."""
    max_index_depth: int = 8
    """How deep indexes may nest before we call it hostile."""
    max_pages: int = 10_000
    """Pages of a catalog or tag list we follow before stopping."""
    max_tries: int = 3
    """Tries for an idempotent request on 429, 500, 502, 503, 504 or a connection error."""
    retry_after_cap: float = 60.0
    backoff_base: float = 0.5
    use_cache: bool = True
    cache_dir: Path | None = None
    """Where the on-disk cache lives; None means the platform's user cache dir."""
    tag_ttl: float = 30.0
    """Seconds a tag->digest answer or a tag list is trusted before revalidation."""
    user_agent: str = f"regview/{__version__}"
    logger: RequestLogger | None = None
