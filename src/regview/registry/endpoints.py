"""Endpoint overrides: send what is meant for one host to another base URL.

A reference keeps naming the registry the user means (``docker.io/library/alpine``,
``ghcr.io/acme/app``), while the requests go where the override says: a pull-through
mirror, a registry behind a different address, or a local stand-in. The same mapping
applies to the token realms a registry names (``auth.docker.io``), so a whole vendor,
auth service included, can be pointed elsewhere.

Written ``HOST=URL`` pairs separated by commas or white space, e.g.
``docker.io=http://127.0.0.1:5000,auth.docker.io=http://127.0.0.1:5001``
(``$REGVIEW_ENDPOINTS``, or :attr:`~regview.registry.settings.Settings.endpoints`).
Hosts are compared in their canonical form (:func:`~regview.registry.hosts.normalize_registry`:
``registry-1.docker.io`` and ``index.docker.io`` are ``docker.io``); a URL is a scheme,
a host and an optional port, nothing more.

An override is separate from HTTP proxies: the request really goes to the URL given,
with that URL's scheme and TLS name. The credentials regview holds for a host go to its
override (that is what a mirror that checks them needs): point a host only at a server
you would trust with them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from urllib.parse import urlsplit

from regview.registry.errors import InvalidReference
from regview.registry.hosts import normalize_registry

__all__ = [
    "ENDPOINTS_ENV",
    "EndpointMap",
    "normalize_endpoints",
    "parse_endpoints",
    "redirect_url",
]

ENDPOINTS_ENV = "REGVIEW_ENDPOINTS"
"""The environment variable read by :meth:`Settings.from_environment`."""

_MAX_TEXT = 16 * 1024


class EndpointMap(Mapping[str, str]):
    """A read-only, hashable host -> base URL mapping (a :class:`Settings` is hashed)."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, str] | None = None) -> None:
        self._items = dict(sorted(normalize_endpoints(items or {}).items()))

    def __getitem__(self, key: str) -> str:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(tuple(self._items.items()))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and dict(self._items) == dict(other.items())

    def __repr__(self) -> str:
        return f"EndpointMap({self._items!r})"


def _base_url(host: str, url: str) -> str:
    """``url`` checked and written as ``scheme://host[:port]``."""
    shown = url if len(url) <= 80 else url[:77] + "..."
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValueError(f"endpoint for {host}: {shown!r} is not a URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"endpoint for {host}: {shown!r} is not an http:// or https:// URL "
            "(write HOST=http://ADDRESS:PORT)"
        )
    if parts.username or parts.password:
        raise ValueError(f"endpoint for {host}: the URL may not hold credentials")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(
            f"endpoint for {host}: {shown!r} has a path; give only scheme://host[:port]"
        )
    netloc = parts.hostname.lower()
    if ":" in netloc:
        netloc = f"[{netloc}]"
    if port is not None:
        netloc = f"{netloc}:{port}"
    return f"{parts.scheme}://{netloc}"


def _canonical_host(host: str) -> str:
    try:
        return normalize_registry(host.strip())
    except InvalidReference as exc:
        raise ValueError(f"endpoint override: {exc}") from None


def normalize_endpoints(endpoints: Mapping[str, str]) -> dict[str, str]:
    """``endpoints`` with canonical hosts and checked base URLs; raises ValueError."""
    out: dict[str, str] = {}
    for host, url in endpoints.items():
        if not isinstance(host, str) or not isinstance(url, str):
            raise ValueError("endpoint overrides map host names to URLs (strings)")
        key = _canonical_host(host)
        out[key] = _base_url(key, url.strip())
    return out


def parse_endpoints(text: str) -> dict[str, str]:
    """``HOST=URL`` pairs (commas or white space between them) as a mapping.

    Raises ValueError with a one-line message that says how to write them.
    """
    if len(text) > _MAX_TEXT:
        raise ValueError(f"${ENDPOINTS_ENV} is longer than {_MAX_TEXT:,} characters")
    pairs: dict[str, str] = {}
    for item in text.replace(",", " ").split():
        host, equals, url = item.partition("=")
        if not equals or not host or not url:
            shown = item if len(item) <= 60 else item[:57] + "..."
            raise ValueError(
                f"endpoint override {shown!r} is not HOST=URL "
                "(e.g. docker.io=http://127.0.0.1:5000)"
            )
        pairs[host] = url
    return normalize_endpoints(pairs)


def redirect_url(endpoints: Mapping[str, str], url: str) -> str:
    """``url`` sent to its host's endpoint, when one is set; else ``url`` unchanged."""
    if not endpoints:
        return url
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return url
    if not host:
        return url
    name = f"[{host}]" if ":" in host else host
    default = {"https": 443, "http": 80}.get(parts.scheme)
    key = name if port is None or port == default else f"{name}:{port}"
    try:
        canonical = normalize_registry(key)
    except InvalidReference:
        return url
    base = endpoints.get(canonical)
    if base is None:
        return url
    start = url.find("://") + 3
    return base + url[start + len(parts.netloc):]
