"""Image references, parsed and normalised the way docker/distribution does it.

Grammar (from ``distribution/reference``)::

    reference       := name [ ":" tag ] [ "@" digest ]
    name            := [ domain "/" ] path
    domain          := host [ ":" port ]
    host            := domain-name | IPv4address | "[" IPv6address "]"
    path            := path-component [ "/" path-component ]*
    path-component  := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
    tag             := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}

Normalisation: the first path component is a registry host only when it contains ``.`` or
``:``, is ``localhost`` or is a bracketed IPv6 literal; otherwise the registry is Docker
Hub. ``docker.io``, ``index.docker.io`` and ``registry-1.docker.io`` are one registry,
shown as ``docker.io``; a one-component Docker Hub name gets the ``library/`` namespace.
Hosts are lower-cased (host names are case-insensitive) and ports written as plain numbers.

Every failure raises :class:`InvalidReference` with a one-line message that quotes the
input with ``repr`` (control characters escaped), clipped to 80 characters.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Literal

from regview.registry.digests import parse_digest
from regview.registry.errors import InvalidReference

__all__ = [
    "DEFAULT_TAG",
    "DOCKER_HUB",
    "DOCKER_HUB_API",
    "NAME_TOTAL_LENGTH_MAX",
    "Reference",
    "Target",
    "is_loopback",
    "normalize_registry",
    "parse_reference",
    "parse_repository",
    "parse_target",
    "split_host_port",
    "validate_repository",
    "validate_tag",
]

DOCKER_HUB = "docker.io"
"""Docker Hub as shown to users and used as the key for credentials."""
DOCKER_HUB_API = "registry-1.docker.io"
"""Docker Hub's registry API host."""
DOCKER_HUB_ALIASES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
OFFICIAL_NAMESPACE = "library"
DEFAULT_TAG = "latest"
NAME_TOTAL_LENGTH_MAX = 255
"""Longest ``registry/repository`` (and longest bare repository name) accepted."""
TAG_MAX = 128

# Longest input we look at at all: host (255) + "/" + name (255) + tag + digest, rounded up.
_INPUT_MAX = 1024
_QUOTE_MAX = 80

_COMPONENT_RE = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
_TAG_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
_LABEL_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_PORT_RE = re.compile(r"[0-9]{1,5}")
_HEX64_RE = re.compile(r"[a-f0-9]{64}")
_ASCII_UPPER_RE = re.compile(r"[A-Z]")
_IPV6_CHARS_RE = re.compile(r"[0-9A-Fa-f:.]+")

_COMPONENT_RULE = (
    "path components are lower-case letters and digits, joined by '.', '_', '__' or "
    "dashes, and start and end with a letter or digit"
)
_TAG_RULE = "a tag is 1 to 128 letters, digits, '_', '.' or '-', and does not start with '.' or '-'"


def _quote(text: str) -> str:
    """``repr`` of ``text`` clipped to a readable length: safe in a one-line message."""
    if len(text) > _QUOTE_MAX:
        text = text[:_QUOTE_MAX] + "…"
    return repr(text)


# --------------------------------------------------------------------------- hosts


def _parse_port(text: str, host: str) -> int:
    if not _PORT_RE.fullmatch(text):
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


def _looks_like_host(component: str) -> bool:
    """docker's rule for the first path component: is it a registry host?"""
    return (
        "." in component
        or ":" in component
        or component.startswith("[")
        or component.lower() == "localhost"
    )


# --------------------------------------------------------------------------- names, tags


def _repository_problem(name: str) -> str | None:
    if not name:
        return "the repository name is empty"
    if len(name) > NAME_TOTAL_LENGTH_MAX:
        return (
            f"the repository name is {len(name)} characters long; "
            f"the limit is {NAME_TOTAL_LENGTH_MAX}"
        )
    if _ASCII_UPPER_RE.search(name):
        other = _repository_problem(name.lower())
        return "repository name must be lowercase" + ("" if other is None else f"; also {other}")
    for component in name.split("/"):
        if not component:
            return "the repository name has an empty path component ('//', or '/' at an end)"
        if not _COMPONENT_RE.fullmatch(component):
            return f"invalid path component {_quote(component)}: {_COMPONENT_RULE}"
    return None


def _tag_problem(tag: str) -> str | None:
    if not tag:
        return "the tag is empty"
    if len(tag) > TAG_MAX:
        return f"the tag is {len(tag)} characters long; the limit is {TAG_MAX}"
    if not _TAG_RE.fullmatch(tag):
        return f"invalid tag {_quote(tag)}: {_TAG_RULE}"
    return None


def validate_repository(name: str) -> str:
    """Return ``name`` if it is a valid repository path (no host, no tag), else raise."""
    if not isinstance(name, str):
        raise InvalidReference(f"repository name must be a string, got {type(name).__name__}")
    problem = _repository_problem(name)
    if problem is not None:
        raise InvalidReference(f"invalid repository name {_quote(name)}: {problem}")
    return name


def validate_tag(tag: str) -> str:
    """Return ``tag`` if it is a valid tag, else raise."""
    if not isinstance(tag, str):
        raise InvalidReference(f"tag must be a string, got {type(tag).__name__}")
    problem = _tag_problem(tag)
    if problem is not None:
        raise InvalidReference(f"invalid tag {_quote(tag)}: {problem}")
    return tag


# --------------------------------------------------------------------------- Reference


@dataclass(frozen=True, slots=True)
class Reference:
    """A normalised image reference. Construction validates every field.

    ``registry`` is canonical (see :func:`normalize_registry`); Docker Hub repositories
    always have a namespace (``library/alpine``). ``tag`` and ``digest`` may both be set
    (``repo:tag@digest``): the digest is then what is fetched.
    """

    registry: str
    repository: str
    tag: str | None = None
    digest: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.registry, str) or normalize_registry(self.registry) != (
            self.registry
        ):
            raise InvalidReference(
                f"registry {_quote(str(self.registry))} is not in canonical form "
                f"(use {_quote(normalize_registry(str(self.registry)))})"
            )
        validate_repository(self.repository)
        if self.registry == DOCKER_HUB and "/" not in self.repository:
            raise InvalidReference(
                f"Docker Hub repository {_quote(self.repository)} needs a namespace: "
                f"use {OFFICIAL_NAMESPACE}/{self.repository}"
            )
        full = len(self.registry) + 1 + len(self.repository)
        if full > NAME_TOTAL_LENGTH_MAX:
            raise InvalidReference(
                f"image name {_quote(self.repository_ref)} is {full} characters long; "
                f"the limit is {NAME_TOTAL_LENGTH_MAX}"
            )
        if self.tag is not None:
            validate_tag(self.tag)
        if self.digest is not None:
            parse_digest(self.digest)

    @property
    def api_host(self) -> str:
        """The host to talk to: ``registry-1.docker.io`` for Docker Hub, else the registry."""
        return DOCKER_HUB_API if self.registry == DOCKER_HUB else self.registry

    @property
    def reference(self) -> str:
        """What goes in ``/v2/<name>/manifests/<reference>``: digest, else tag, else latest."""
        return self.digest or self.tag or DEFAULT_TAG

    @property
    def repository_ref(self) -> str:
        """``registry/repository``."""
        return f"{self.registry}/{self.repository}"

    def __str__(self) -> str:
        text = self.repository_ref
        if self.tag is not None:
            text += f":{self.tag}"
        if self.digest is not None:
            text += f"@{self.digest}"
        return text

    def pinned(self, digest: str | None = None) -> str:
        """``registry/repository@digest`` (``digest`` defaults to this reference's own)."""
        chosen = digest if digest is not None else self.digest
        if chosen is None:
            raise InvalidReference(f"{self.repository_ref} has no digest to pin to")
        return f"{self.repository_ref}@{parse_digest(chosen)}"

    def tagged(self) -> str:
        """``registry/repository:tag``; ``latest`` when neither tag nor digest is set.

        Raises :class:`InvalidReference` for a digest-only reference (it has no tag).
        """
        if self.tag is None and self.digest is not None:
            raise InvalidReference(f"{self} is pinned by digest and has no tag")
        return f"{self.repository_ref}:{self.tag or DEFAULT_TAG}"

    def with_tag(self, tag: str) -> Reference:
        """The same repository at ``tag``; any digest is dropped (it named other content)."""
        return Reference(self.registry, self.repository, validate_tag(tag), None)

    def with_digest(self, digest: str) -> Reference:
        """The same reference pinned to ``digest``; the tag is kept (``repo:tag@digest``)."""
        return Reference(self.registry, self.repository, self.tag, parse_digest(digest))

    def familiar(self) -> str:
        """The short form docker prints: ``alpine:latest``, ``user/app:1``, ``ghcr.io/x/y``.

        Unlike docker, a Docker Hub name whose namespace looks like a host
        (``docker.io/my.org/app``) keeps its ``docker.io/``, so that it parses back the same.
        """
        name = self.repository_ref
        if self.registry == DOCKER_HUB:
            namespace, _, rest = self.repository.partition("/")
            official = namespace == OFFICIAL_NAMESPACE and "/" not in rest
            short = rest if official else self.repository
            if official or not _looks_like_host(namespace):
                name = short
        if self.tag is not None:
            name += f":{self.tag}"
        if self.digest is not None:
            name += f"@{self.digest}"
        return name


def _split_tag_digest(text: str) -> tuple[str, str | None, str | None]:
    name, at, digest = text.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    tag: str | None = None
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
    return name, tag, (digest if at else None)


def _check_input(text: object, what: str) -> str:
    if not isinstance(text, str):
        raise InvalidReference(f"{what} must be a string, got {type(text).__name__}")
    if not text:
        raise InvalidReference(f"empty {what}")
    if len(text) > _INPUT_MAX:
        raise InvalidReference(f"invalid {what} {_quote(text)}: {len(text)} characters is too long")
    if "://" in text:
        raise InvalidReference(
            f"invalid {what} {_quote(text)}: write REGISTRY/REPOSITORY[:TAG], without a URL scheme"
        )
    return text


class _Fail:
    """Builds the exceptions of one parse, all quoting the same input."""

    def __init__(self, what: str, text: str) -> None:
        self.prefix = f"invalid {what} {_quote(text)}: "

    def __call__(self, reason: str) -> InvalidReference:
        return InvalidReference(self.prefix + reason)


def _split_name(name: str, fail: _Fail) -> tuple[str, str]:
    """``name`` (no tag/digest) -> canonical registry and repository path."""
    slash = name.find("/")
    if slash != -1 and _looks_like_host(name[:slash]):
        try:
            registry = normalize_registry(name[:slash])
        except InvalidReference as exc:
            raise fail(exc.message) from None
        remainder = name[slash + 1 :]
    else:
        registry, remainder = DOCKER_HUB, name
    if registry == DOCKER_HUB and remainder and "/" not in remainder:
        remainder = f"{OFFICIAL_NAMESPACE}/{remainder}"
    return registry, remainder


def _parse(text: str, what: str, *, default_tag: str | None, allow_tag: bool) -> Reference:
    _check_input(text, what)
    fail = _Fail(what, text)
    if _HEX64_RE.fullmatch(text):
        raise fail(
            "a 64-character hex string is an image ID, not a name; "
            "to pin a digest write NAME@sha256:…"
        )
    name, tag, digest = _split_tag_digest(text)
    if "/" not in name and name.startswith("["):
        host = text.partition("@")[0]
        raise fail(
            f"that is a registry, not an image: add a repository, e.g. {_quote(host + '/NAME')}"
        )
    registry, repository = _split_name(name, fail)
    problem = _repository_problem(repository)
    if problem is not None:
        raise fail(problem)
    full = len(registry) + 1 + len(repository)
    if full > NAME_TOTAL_LENGTH_MAX:
        raise fail(
            f"the name {registry}/… is {full} characters long; the limit is {NAME_TOTAL_LENGTH_MAX}"
        )
    if not allow_tag and (tag is not None or digest is not None):
        raise fail("expected a repository, without a tag or digest")
    if tag is not None:
        problem = _tag_problem(tag)
        if problem is not None:
            raise fail(problem)
    if digest is not None:
        if not digest:
            raise fail("the digest after '@' is empty")
        try:
            parse_digest(digest)
        except InvalidReference as exc:
            raise fail(exc.message) from None
    if tag is None and digest is None and default_tag is not None:
        tag = validate_tag(default_tag)
    return Reference(registry, repository, tag, digest)


def parse_reference(text: str, *, default_tag: str | None = DEFAULT_TAG) -> Reference:
    """Parse an image reference as docker does.

    ``alpine`` -> ``docker.io/library/alpine:latest``; ``localhost:5000/foo/bar:tag``;
    ``[::1]:5000/repo@sha256:…``. ``default_tag`` is used only when neither a tag nor a
    digest is given (``None`` leaves both unset).
    """
    return _parse(text, "reference", default_tag=default_tag, allow_tag=True)


def parse_repository(text: str) -> tuple[str, str]:
    """Parse ``[REGISTRY/]REPOSITORY`` (no tag, no digest) -> ``(registry, repository)``."""
    ref = _parse(text, "repository", default_tag=None, allow_tag=False)
    return ref.registry, ref.repository


# --------------------------------------------------------------------------- Target


TargetKind = Literal["registry", "repository", "reference"]


@dataclass(frozen=True, slots=True)
class Target:
    """Where the explorer starts: a registry, a repository in it, or one reference."""

    registry: str
    repository: str | None = None
    tag: str | None = None
    digest: str | None = None

    @property
    def kind(self) -> TargetKind:
        """``registry``, ``repository`` or ``reference``: what the text named."""
        if self.repository is None:
            return "registry"
        if self.tag is None and self.digest is None:
            return "repository"
        return "reference"

    def to_reference(self) -> Reference:
        """This target as a :class:`Reference` (tag and digest as given, maybe both None)."""
        if self.repository is None:
            raise InvalidReference(f"{self.registry} is a registry, not an image reference")
        return Reference(self.registry, self.repository, self.tag, self.digest)

    def __str__(self) -> str:
        if self.repository is None:
            return self.registry
        return str(self.to_reference())


def _bare_word_is_registry(text: str) -> bool:
    """For input without '/' or '@': a registry host, or a Docker Hub name[:tag]?"""
    if text.startswith("[") or text.count(":") > 1:
        return True
    _, colon, after = text.partition(":")
    if colon:
        return bool(_PORT_RE.fullmatch(after))  # host:port; name:tag otherwise
    return "." in text or text.lower() == "localhost"


def parse_target(text: str) -> Target:
    """Parse what a user names as a starting point.

    ``ghcr.io``, ``localhost:5000``, ``[::1]:5000``, ``docker.io`` -> a registry;
    ``alpine`` or ``ghcr.io/org/app`` -> a repository (no default tag);
    ``alpine:3.19``, ``HOST/REPO:TAG``, ``HOST/REPO@DIGEST`` -> a reference.
    Surrounding whitespace and trailing slashes are ignored. A bare ``NAME:DIGITS`` is
    read as ``host:port``.
    """
    if not isinstance(text, str):
        raise InvalidReference(f"target must be a string, got {type(text).__name__}")
    stripped = text.strip().rstrip("/")
    if not stripped:
        raise InvalidReference("empty target: name a registry, a repository or an image reference")
    if "/" not in stripped and "@" not in stripped and _bare_word_is_registry(stripped):
        _check_input(stripped, "registry")
        return Target(normalize_registry(stripped))
    ref = parse_reference(stripped, default_tag=None)
    return Target(ref.registry, ref.repository, ref.tag, ref.digest)
