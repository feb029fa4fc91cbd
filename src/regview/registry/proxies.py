"""Which proxy a request goes through: ``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``,
``NO_PROXY`` (upper or lower case) and ``--proxy URL``, by the rules Go clients follow
(docker, skopeo, the registry itself), so that one environment means the same to all.

* An ``https://`` request goes through ``HTTPS_PROXY``, an ``http://`` one through
  ``HTTP_PROXY``; ``ALL_PROXY`` (curl's) stands in for either when it is unset; the
  upper-case name wins over the lower-case one, as in Go. ``--proxy URL`` replaces all
  three; ``NO_PROXY`` still applies.
* Loopback (``localhost``, ``127.0.0.0/8``, ``::1``) is never proxied.
* ``NO_PROXY`` is a comma-separated list: ``*`` (nothing is proxied); an IP address or a
  CIDR block (``10.0.0.0/8``); a host name, which matches itself and its subdomains
  (``example.com``); a name with a leading dot (``.example.com``) or ``*.``, which matches
  subdomains only; any of them with ``:PORT``, matching only that port (the request's
  port is its URL's, 443 or 80 when not written).
* A proxy URL without a scheme is ``http://``; its port defaults to 80. ``http://``
  proxies get plain http requests in absolute form and tunnel https with ``CONNECT``;
  ``socks5://`` and ``socks5h://`` ones (port 1080 by default) tunnel both
  (:mod:`regview.registry.socks5`): ``socks5h`` has the proxy resolve the registry's
  name, ``socks5`` resolves it here, as curl and Go do. Other schemes are refused.
  ``SCHEME://USER:PASSWORD@host:port`` gives the proxy's credentials: they are sent to
  the proxy only (``Proxy-Authorization``, or SOCKS5's user/password method) and never
  shown: :attr:`Proxy.shown` and every ``repr`` leave them out.

A proxy variable that does not parse is not an error until a request would go through
it (as in Go): a bad ``HTTPS_PROXY`` does not stop regview from reading a loopback
registry. ``--proxy`` is checked at once (a usage error).
"""

from __future__ import annotations

import base64
import contextlib
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from regview.registry.errors import quote_input
from regview.registry.hosts import is_loopback
from regview.registry.redaction import redactor

__all__ = ["InvalidProxy", "Proxy", "ProxyRules", "hide_userinfo"]

_DEFAULT_PORTS = {"http": 80, "https": 443}
_PROXY_PORTS = {"http": 80, "socks5": 1080, "socks5h": 1080}
"""The proxy schemes regview speaks, and each one's default port."""
_SOCKS_FIELD_MAX = 255  # RFC 1929: a user name or password is 1 to 255 bytes
_USERINFO_RE = re.compile(r"(?<=://)[^/?#@]*@")


class InvalidProxy(ValueError):
    """A proxy URL that cannot be used; the message names it without its password."""


def hide_userinfo(text: str) -> str:
    """``text`` with the ``user:password@`` of any URL in it replaced by ``***@``."""
    return _USERINFO_RE.sub("***@", text)


@dataclass(frozen=True, slots=True)
class Proxy:
    """A proxy: its scheme (``http``, ``socks5``, ``socks5h``), where it is, and the
    credentials it is sent (never shown)."""

    host: str
    port: int
    scheme: str = "http"
    username: str = field(default="", repr=False)
    password: str = field(default="", repr=False)
    source: str = field(default="", compare=False)
    """Where it was given: ``--proxy``, ``HTTPS_PROXY``..."""

    @property
    def shown(self) -> str:
        """``http://host:port``: the proxy as every message names it (no credentials)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def is_socks(self) -> bool:
        """A SOCKS5 proxy: every request (http too) goes through a tunnel."""
        return self.scheme != "http"

    @property
    def resolves_names(self) -> bool:
        """``socks5h``: the proxy is sent the registry's name, and resolves it."""
        return self.scheme == "socks5h"

    @property
    def named(self) -> str:
        """``proxy http://host:port (HTTPS_PROXY)``: how a message names it."""
        return f"proxy {self.shown}" + (f" ({self.source})" if self.source else "")

    @property
    def has_credentials(self) -> bool:
        """Whether the proxy URL carried a user name (and password)."""
        return bool(self.username or self.password)

    def authorization(self) -> str | None:
        """The ``Proxy-Authorization`` value (Basic), or None without credentials."""
        if not self.has_credentials:
            return None
        pair = f"{self.username}:{self.password}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")

    def __repr__(self) -> str:
        return f"Proxy({self.shown!r})"


def parse_proxy(text: str, source: str) -> Proxy:
    """Parse a proxy URL given in ``source`` (``--proxy``, ``HTTPS_PROXY``...).

    Raises :class:`InvalidProxy` with a one-line message that names ``source`` and the
    URL without its credentials.
    """
    raw = text.strip()
    shown = quote_input(hide_userinfo(raw if "://" in raw else "http://" + raw))
    if "://" not in raw:
        raw = "http://" + raw  # Go: a proxy without a scheme is http
    scheme = raw.partition("://")[0].lower()
    form = f"{scheme if scheme in _PROXY_PORTS else 'http'}://HOST:PORT"
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        raise InvalidProxy(f"{source} is not a usable proxy URL ({shown}): write {form}") from None
    if scheme not in _PROXY_PORTS:
        raise InvalidProxy(
            f"{source} names a {scheme or 'scheme-less'} proxy ({shown}): regview speaks to "
            "http://, socks5:// and socks5h:// proxies only"
        )
    host = (parts.hostname or "").lower()
    if not host:
        raise InvalidProxy(f"{source} has no proxy host ({shown}): write {form}")
    if any(ch.isspace() or ch in "/\\" for ch in host):
        raise InvalidProxy(f"{source} is not a usable proxy URL ({shown}): write {form}")
    if port == 0:
        raise InvalidProxy(f"{source} has port 0 ({shown}): write {form}")
    username = unquote(parts.username or "")
    password = unquote(parts.password or "")
    if scheme != "http" and (
        len(username.encode()) > _SOCKS_FIELD_MAX or len(password.encode()) > _SOCKS_FIELD_MAX
    ):
        raise InvalidProxy(
            f"{source} has a user name or password longer than a SOCKS5 proxy takes "
            f"({shown}): 255 bytes at most"
        )
    # The proxy's password, and user:password as Proxy-Authorization sends it, are secrets
    # from now on: hidden from every message and log, whatever a server echoes.
    redactor.register_url(raw)
    return Proxy(
        host=host,
        port=port or _PROXY_PORTS[scheme],
        scheme=scheme,
        username=username,
        password=password,
        source=source,
    )


# --- NO_PROXY --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Domain:
    suffix: str  # ".example.com"
    port: str
    itself: bool  # "example.com" matches example.com too, ".example.com" only below it

    def match(self, host: str, port: str) -> bool:
        if host.endswith(self.suffix) or (self.itself and host == self.suffix[1:]):
            return self.port in ("", port)
        return False


@dataclass(frozen=True, slots=True)
class _Address:
    address: ipaddress.IPv4Address | ipaddress.IPv6Address
    port: str

    def match(self, ip: ipaddress.IPv4Address | ipaddress.IPv6Address, port: str) -> bool:
        return ip == self.address and self.port in ("", port)


@dataclass(frozen=True, slots=True)
class _NoProxy:
    everything: bool = False
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    addresses: tuple[_Address, ...] = ()
    domains: tuple[_Domain, ...] = ()


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # Go compares IPv4-mapped addresses as IPv4
    return address


def _split_entry(entry: str) -> tuple[str, str] | None:
    """Go's ``net.SplitHostPort`` for a NO_PROXY entry, or None when it has no port."""
    if entry.startswith("["):
        end = entry.find("]")
        if end == -1 or entry[end + 1 : end + 2] != ":":
            return None
        return entry[1:end], entry[end + 2 :]
    if entry.count(":") != 1:
        return None  # no port, or a bare IPv6 address
    host, _, port = entry.partition(":")
    return host, port


def _parse_no_proxy(text: str) -> _NoProxy:
    networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
    addresses: list[_Address] = []
    domains: list[_Domain] = []
    for item in text.split(","):
        entry = item.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return _NoProxy(everything=True)
        if "/" in entry:
            with contextlib.suppress(ValueError):  # Go ignores what it cannot parse
                networks.append(ipaddress.ip_network(entry, strict=False))
            continue
        split = _split_entry(entry)
        host, port = split if split is not None else (entry, "")
        if not host:
            continue
        ip = _ip(host)
        if ip is not None:
            addresses.append(_Address(ip, port))
            continue
        if host.startswith("*."):
            host = host[1:]
        itself = not host.startswith(".")
        suffix = host if not itself else "." + host
        with contextlib.suppress(UnicodeError):
            suffix = suffix.encode("idna").decode("ascii")
        domains.append(_Domain(suffix, port, itself))
    return _NoProxy(False, tuple(networks), tuple(addresses), tuple(domains))


# --- the rules -------------------------------------------------------------------------


def _first(env: Mapping[str, str], *names: str) -> tuple[str, str] | None:
    for name in names:
        value = env.get(name)
        if value:
            return name, value
    return None


@dataclass(frozen=True, slots=True)
class ProxyRules:
    """The proxies of one run and ``NO_PROXY``: :meth:`for_url` says where a request goes.

    ``http``/``https`` hold the proxy URL for each scheme as given (with where it came
    from); they are parsed once, and a bad one is reported when first needed.
    ``repr`` never shows credentials.
    """

    http: tuple[str, str] | None = field(default=None, repr=False)
    """``(source, URL)`` of the proxy for ``http://`` requests, or None."""
    https: tuple[str, str] | None = field(default=None, repr=False)
    """``(source, URL)`` of the proxy for ``https://`` requests, or None."""
    no_proxy: str = ""
    """The ``NO_PROXY`` list as given."""
    _parsed: dict[str, Proxy | InvalidProxy] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _skip: _NoProxy = field(default_factory=_NoProxy, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for scheme in ("http", "https"):
            given = getattr(self, scheme)
            if given is not None:
                try:
                    self._parsed[scheme] = parse_proxy(given[1], given[0])
                except InvalidProxy as exc:
                    self._parsed[scheme] = exc
        object.__setattr__(self, "_skip", _parse_no_proxy(self.no_proxy))

    @classmethod
    def from_environment(
        cls, environ: Mapping[str, str], proxy: str | None = None
    ) -> ProxyRules | None:
        """The rules of ``environ`` (``proxy``, from ``--proxy``, replaces its proxies).

        None when no proxy is set at all, or ``proxy`` is ``""`` (go direct, whatever the
        environment says). Raises :class:`InvalidProxy` for a bad ``proxy`` (a flag is
        checked at once; a variable only when it is needed).
        """
        no_proxy = _first(environ, "NO_PROXY", "no_proxy")
        skip = no_proxy[1] if no_proxy else ""
        if proxy is not None:
            if not proxy.strip():
                return None
            parse_proxy(proxy, "--proxy")
            return cls(http=("--proxy", proxy), https=("--proxy", proxy), no_proxy=skip)
        every = _first(environ, "ALL_PROXY", "all_proxy")
        http = _first(environ, "HTTP_PROXY", "http_proxy") or every
        https = _first(environ, "HTTPS_PROXY", "https_proxy") or every
        if http is None and https is None:
            return None
        return cls(http=http, https=https, no_proxy=skip)

    def for_url(self, scheme: str, host: str, port: int | None) -> Proxy | None:
        """The proxy for a request to ``scheme://host:port``, or None to go direct.

        ``host`` is as httpx gives it (lower case, IPv6 without brackets). Raises
        :class:`InvalidProxy` when the proxy it should go through is not a usable URL.
        """
        proxy = self._parsed.get(scheme)
        if proxy is None or not self.uses_proxy(host, port or _DEFAULT_PORTS.get(scheme, 0)):
            return None
        if isinstance(proxy, InvalidProxy):
            raise proxy
        return proxy

    def uses_proxy(self, host: str, port: int) -> bool:
        """Go's ``useProxy``: False for loopback and for what ``NO_PROXY`` lists."""
        host = host.strip().lower()
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
        if is_loopback(host):
            return False
        skip = self._skip
        if skip.everything:
            return False
        port_text = str(port)
        ip = _ip(host)
        if ip is not None:
            if any(ip in network for network in skip.networks):
                return False
            if any(a.match(ip, port_text) for a in skip.addresses):
                return False
        return not any(d.match(host, port_text) for d in skip.domains)

    def shown(self, scheme: str) -> str:
        """The proxy for ``scheme`` as messages name it (no credentials), or ``""``."""
        proxy = self._parsed.get(scheme)
        return proxy.shown if isinstance(proxy, Proxy) else ""
