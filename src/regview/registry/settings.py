"""One settings object for every part of regview: the client, the layer indexer and its
store, the TUI, the CLI and the notebook.

A :class:`Settings` is built once, from flags (or keyword arguments), the environment and
the defaults, and handed down to whatever needs it. It is the only place that works out
where regview writes:

* :meth:`Settings.cache_root`: manifests, configs, tag lists, layer tables of contents
  and the demo layouts; ``None`` with ``use_cache=False`` (``--no-cache``), when nothing
  at all is written to disk;
* :meth:`Settings.state_root`: the list of targets opened lately; under the cache
  directory when one is given explicitly (``--cache-dir``), so that it is the only place
  written to.

A setting never holds a secret: credentials stay in the credential store, a proxy's
credentials (from its URL) are left out of every ``repr``, and ``repr(settings)`` is
safe to log.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from regview import __version__
from regview.registry.endpoints import ENDPOINTS_ENV, EndpointMap, parse_endpoints
from regview.registry.proxies import ProxyRules
from regview.registry.redaction import redactor

__all__ = ["MiB", "RequestLogger", "RequestRecord", "Settings"]

MiB = 1024 * 1024
"""Bytes in a mebibyte."""

CACHE_DIR_ENV = "REGVIEW_CACHE_DIR"
STATE_DIR_ENV = "REGVIEW_STATE_DIR"


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One HTTP exchange, for ``-v`` logging. Never holds a header value or a secret: the
    URL (which a server's ``Link`` or redirect may have chosen) and the note are redacted
    as the record is made."""

    method: str
    url: str
    status: int | None
    elapsed_ms: float
    cache: str = ""  # "", "hit", "revalidated"
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "url", _safe_url(self.url))
        object.__setattr__(self, "note", redactor.redact_message(self.note))


def _safe_url(url: str) -> str:
    """``url`` without its userinfo, and with every secret hidden."""
    scheme, sep, rest = url.partition("://")
    if sep:
        authority, slash, path = rest.partition("/")
        if "@" in authority:
            redactor.register_url(f"{scheme}://{authority}")
            authority = authority.rpartition("@")[2]
        url = f"{scheme}://{authority}{slash}{path}"
    return redactor.redact_message(url)


RequestLogger = Callable[[RequestRecord], None]
"""Called with every :class:`RequestRecord` (``-v``)."""


@dataclass(frozen=True, slots=True)
class Settings:
    """How regview talks to registries, where it keeps its cache, and its limits.

    Every field has a safe default; ``Settings()`` is what ``regview`` runs with when no
    flag is given. Use :meth:`from_environment` to read ``$REGVIEW_CACHE_DIR``,
    ``$REGVIEW_STATE_DIR`` and ``$REGVIEW_ENDPOINTS`` once, and :meth:`replace` to change
    a field.
    """

    # --- connection -----------------------------------------------------------------
    plain_http: bool = False
    """Use http:// for every registry. Without it, https, except for localhost and loopback
    addresses: those are tried over http first and switched to https if they speak TLS."""
    insecure: bool = False
    """Skip TLS certificate verification."""
    concurrency: int = 32
    """Requests in flight at once, per registry host, over HTTP/1.1 (one connection each).

    32 small GETs at once halve a cold inspect of 100 tags at 50 ms RTT against 16
    (``benchmarks/run --only c``). An HTTP/2 registry gets ``http2_streams`` instead.
    """
    http2_streams: int = 100
    """Requests in flight at once to a registry that speaks HTTP/2: streams on one
    connection (fewer if the server's SETTINGS allow fewer)."""
    connect_timeout: float = 10.0
    """Seconds to wait for a connection."""
    read_timeout: float = 30.0
    """Seconds to wait for each read from a connection."""
    request_deadline: float = 60.0
    """Overall time for one request, body included (a dripping server cannot stall us)."""
    max_body_bytes: int = 4 * MiB
    """Cap for manifest, config, tag-list and catalog bodies."""
    max_index_depth: int = 8
    """How deep indexes may nest before we call it hostile."""
    max_pages: int = 10_000
    """Pages of a catalog or tag list we follow before stopping."""
    max_list_entries: int = 1_000_000
    """Entries of one catalog or tag list kept before stopping (the entries read so far
    are kept, and the listing says it is incomplete). ``regview tags`` peaks at ~150 MB
    for a million tags (``benchmarks/listing_memory.py``)."""
    max_list_bytes: int = 64 * MiB
    """Bytes of pages of one catalog or tag list read before stopping (as
    ``max_list_entries``): a listing whose ``Link`` goes on forever ends here."""
    max_tries: int = 3
    """Tries for an idempotent request on 429, 500, 502, 503, 504 or a connection error."""
    retry_after_cap: float = 60.0
    """Longest ``Retry-After`` honoured; a longer one fails at once with the wait."""
    backoff_base: float = 0.5
    """First retry delay in seconds; doubled on each further try."""
    endpoints: Mapping[str, str] = field(default_factory=EndpointMap)
    """Endpoint overrides: registry (or token realm) host -> the base URL its requests go
    to instead, e.g. ``{"docker.io": "http://127.0.0.1:5000"}``: a mirror, or a local
    stand-in. References still name the original host. ``$REGVIEW_ENDPOINTS`` holds
    ``HOST=URL`` pairs (see :mod:`regview.registry.endpoints`). Not a proxy setting."""
    user_agent: str = f"regview/{__version__}"
    """The ``User-Agent`` header."""
    logger: RequestLogger | None = None
    """Called with a :class:`RequestRecord` for every request and cache hit (``-v``)."""
    proxy: ProxyRules | None = None
    """The proxies and ``NO_PROXY`` (:class:`~regview.registry.proxies.ProxyRules`); None
    goes direct. :meth:`from_environment` reads ``HTTPS_PROXY``, ``HTTP_PROXY``,
    ``ALL_PROXY`` and ``NO_PROXY``; a string (``--proxy URL``) replaces their proxies,
    ``""`` goes direct whatever they say."""

    # --- cache and state ------------------------------------------------------------
    use_cache: bool = True
    """Keep manifests, configs, tag lists and layer tables of contents on disk. False
    (``--no-cache``) writes nothing to disk at all: a cache in memory only."""
    cache_dir: Path | None = None
    """The cache directory; None means ``$REGVIEW_CACHE_DIR`` or the platform's user
    cache directory."""
    state_dir: Path | None = None
    """Where the recent targets are kept; None means ``$REGVIEW_STATE_DIR``, else
    ``CACHE_DIR/state`` when ``cache_dir`` is set, else the platform's user state dir."""
    tag_ttl: float = 30.0
    """Seconds a tag->digest answer or a tag list is trusted before revalidation."""

    # --- credentials and keys -------------------------------------------------------
    auth_files: tuple[Path, ...] | None = None
    """Read credentials only from these docker/containers auth files; None means the
    usual places (``~/.docker/config.json``, the containers auth files)."""
    keymap_path: Path | None = None
    """The TUI's key bindings file; None means ``~/.config/regview/keys.toml``."""

    def __post_init__(self) -> None:
        for name in ("concurrency", "http2_streams", "max_body_bytes", "max_index_depth",
                     "max_pages", "max_list_entries", "max_list_bytes", "max_tries"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{name} must be a positive integer, not {value!r}")
        for name in ("connect_timeout", "read_timeout", "request_deadline"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{name} must be a positive number of seconds, not {value!r}")
        for name in ("cache_dir", "state_dir", "keymap_path"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, Path):
                object.__setattr__(self, name, Path(value).expanduser())
        if isinstance(self.proxy, str):
            object.__setattr__(self, "proxy", ProxyRules.from_environment({}, self.proxy))
        if not isinstance(self.endpoints, EndpointMap):
            object.__setattr__(self, "endpoints", EndpointMap(self.endpoints))
        if self.auth_files is not None and not isinstance(self.auth_files, tuple):
            object.__setattr__(
                self, "auth_files", tuple(Path(p).expanduser() for p in self.auth_files)
            )

    @classmethod
    def from_environment(
        cls, environ: Mapping[str, str] | None = None, **overrides: Any
    ) -> Settings:
        """Settings from ``overrides`` (flags, keyword arguments), then the environment.

        ``$REGVIEW_CACHE_DIR``, ``$REGVIEW_STATE_DIR``, ``$REGVIEW_ENDPOINTS`` and the proxy
        variables are read here, once; an override of None means "not given". Unknown names
        raise :class:`TypeError`; a value that cannot be used (a bad ``proxy`` URL raises
        :class:`~regview.registry.proxies.InvalidProxy`) raises :class:`ValueError`.
        """
        env = os.environ if environ is None else environ
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise TypeError(f"unknown setting{'s' if len(unknown) > 1 else ''}: "
                            + ", ".join(unknown))
        values = {k: v for k, v in overrides.items() if v is not None}
        if "cache_dir" not in values and env.get(CACHE_DIR_ENV):
            values["cache_dir"] = Path(env[CACHE_DIR_ENV]).expanduser()
        if "state_dir" not in values and env.get(STATE_DIR_ENV):
            values["state_dir"] = Path(env[STATE_DIR_ENV]).expanduser()
        if not isinstance(values.get("proxy"), ProxyRules):
            values["proxy"] = ProxyRules.from_environment(env, values.get("proxy"))
        if "endpoints" not in values and env.get(ENDPOINTS_ENV):
            try:
                values["endpoints"] = parse_endpoints(env[ENDPOINTS_ENV])
            except ValueError as exc:
                raise ValueError(f"${ENDPOINTS_ENV}: {exc}") from None
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied."""
        return dataclasses.replace(self, **changes)

    def cache_root(self) -> Path | None:
        """The cache directory, or None when nothing may be written (``--no-cache``).

        The one place in regview that decides where the cache lives.
        """
        if not self.use_cache:
            return None
        if self.cache_dir is not None:
            return self.cache_dir
        override = os.environ.get(CACHE_DIR_ENV)
        if override:
            return Path(override).expanduser()
        from platformdirs import user_cache_dir

        return Path(user_cache_dir("regview", appauthor=False))

    def state_root(self) -> Path | None:
        """Where the recent targets live, or None when nothing may be written."""
        if not self.use_cache:
            return None
        if self.state_dir is not None:
            return self.state_dir
        override = os.environ.get(STATE_DIR_ENV)
        if override:
            return Path(override).expanduser()
        if self.cache_dir is not None:
            return self.cache_dir / "state"
        from platformdirs import user_state_dir

        return Path(user_state_dir("regview", appauthor=False))
