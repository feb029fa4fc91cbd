"""Registry hosts: ``host[:port]`` parsed, validated and written one canonical way.

Host names are case-insensitive and lower-cased; ports are written as plain numbers;
IPv6 literals stay in brackets (``[::1]:5000``). ``docker.io``, ``index.docker.io`` and
``registry-1.docker.io`` are one registry, shown as ``docker.io``. Whether the first
component of an image name is a host at all follows docker's rule
(:func:`looks_like_host`).

Every failure raises :class:`InvalidReference` with a one-line message that quotes the
input with ``repr``, clipped (see :func:`~regview.registry.errors.quote_input`).
"""

from __future__ import annotations

import ipaddress
import re

from regview.registry.errors import InvalidReference
from regview.registry.errors import quote_input as _quote

__all__ = [
    "DOCKER_HUB",
    "DOCKER_HUB_ALIASES",
    "DOCKER_HUB_API",
    "NAME_TOTAL_LENGTH_MAX",
    "PORT_RE",
    "is_loopback",
    "looks_like_host",
    "normalize_registry",
    "split_host_port",
]

DOCKER_HUB = "docker.io"
"""Docker Hub as shown to users and used as the key for credentials."""
DOCKER_HUB_API = "registry-1.docker.io"
"""Docker Hub's registry API host."""
DOCKER_HUB_ALIASES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
NAME_TOTAL_LENGTH_MAX = 255
"""Longest ``registry/repository`` (and longest bare repository name or host) accepted."""
PORT_RE = re.compile(r"[0-9]{1,5}")
"""What a port looks like (its range is checked apart)."""

_LABEL_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_IPV6_CHARS_RE = re.compile(r"[0-9A-Fa-f:.]+")


def _parse_port(text: str, host: str) -> int:
    if not PORT_RE.fullmatch(text):
        raise InvalidReference(
            f"invalid registry host {_quote(host)}: the port must be a number from 1 to 65535"
        )
    port = int(text)
    if not 1 <= port <= 65535:
        raise InvalidReference(
            f"invalid registry host {_quote(host)}: port {port} is not in 1..65535"
        )
    return port


def split_host_port(host: str) -> tuple[str, int | None]:
    """Split ``host[:port]`` into the host name (IPv6 without brackets) and the port.

    ``"[::1]:5000"`` -> ``("::1", 5000)``, ``"ghcr.io"`` -> ``("ghcr.io", None)``.
    Only the structure is checked here (brackets, port range), not the host name itself.
    """
    if not isinstance(host, str):
        raise InvalidReference(f"registry host must be a string, got {type(host).__name__}")
    if not host:
        raise InvalidReference("empty registry host")
    if host.startswith("["):
        end = host.find("]")
        if end == -1:
            raise InvalidReference(f"invalid registry host {_quote(host)}: unclosed '['")
        name, rest = host[1:end], host[end + 1 :]
        if not name:
            raise InvalidReference(f"invalid registry host {_quote(host)}: empty '[]'")
        if not rest:
            return name, None
        if not rest.startswith(":"):
            raise InvalidReference(
                f"invalid registry host {_quote(host)}: expected ':PORT' after ']'"
            )
        return name, _parse_port(rest[1:], host)
    if host.count(":") > 1:
        raise InvalidReference(
            f"invalid registry host {_quote(host)}: an IPv6 address must be in brackets, "
            "e.g. [::1]:5000"
        )
    name, colon, port_text = host.partition(":")
    if not name:
        raise InvalidReference(f"invalid registry host {_quote(host)}: the host name is empty")
    return name, (_parse_port(port_text, host) if colon else None)


def normalize_registry(host: str) -> str:
    """Validate a registry ``host[:port]`` and return its canonical form.

    Lower-cases the host, writes the port as a plain number, keeps IPv6 literals in
    brackets, and maps every Docker Hub alias to ``docker.io``. Raises
    :class:`InvalidReference` for anything that is not a host.
    """
    name, port = split_host_port(host)
    if len(host) > NAME_TOTAL_LENGTH_MAX:
        raise InvalidReference(
            f"invalid registry host {_quote(host)}: longer than {NAME_TOTAL_LENGTH_MAX} characters"
        )
    if host.startswith("["):
        if not _IPV6_CHARS_RE.fullmatch(name):
            raise InvalidReference(
                f"invalid registry host {_quote(host)}: not an IPv6 address "
                "(zone identifiers such as %eth0 are not allowed)"
            )
        try:
            ipaddress.IPv6Address(name)
        except ValueError:
            raise InvalidReference(
                f"invalid registry host {_quote(host)}: not an IPv6 address"
            ) from None
        canonical = f"[{name.lower()}]"
    else:
        for label in name.split("."):
            if not _LABEL_RE.fullmatch(label):
                raise InvalidReference(
                    f"invalid registry host {_quote(host)}: host names are dot-separated "
                    "labels of letters, digits and '-' that start and end with a letter "
                    "or digit"
                )
        canonical = name.lower()
        if port is None and canonical in DOCKER_HUB_ALIASES:
            return DOCKER_HUB
    return canonical if port is None else f"{canonical}:{port}"


def is_loopback(host: str) -> bool:
    """Whether ``host`` (with or without port or brackets) names this machine.

    ``localhost``, ``127.0.0.0/8`` and ``::1`` (also IPv4-mapped). Never raises.
    """
    if not isinstance(host, str):
        return False
    text = host.strip()
    try:
        if not text.startswith("[") and text.count(":") > 1:
            name = text  # a bare IPv6 address
        else:
            name, _ = split_host_port(text)
    except InvalidReference:
        return False
    name = name.lower()
    if name.endswith(".") and name != ".":
        name = name[:-1]
    if name == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def looks_like_host(component: str) -> bool:
    """docker's rule for the first path component: is it a registry host?"""
    return (
        "." in component
        or ":" in component
        or component.startswith("[")
        or component.lower() == "localhost"
    )
