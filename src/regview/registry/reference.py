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
Hub. A one-component Docker Hub name gets the ``library/`` namespace. Hosts themselves
(case, ports, Docker Hub's aliases) are written one way by :mod:`regview.registry.hosts`.

Every failure raises :class:`InvalidReference` with a one-line message that quotes the
input with ``repr`` (control characters escaped), clipped to 80 characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from regview.registry.digests import parse_digest
from regview.registry.errors import InvalidReference
from regview.registry.errors import quote_input as _quote
from regview.registry.hosts import (
    DOCKER_HUB,
    DOCKER_HUB_API,
    NAME_TOTAL_LENGTH_MAX,
    PORT_RE,
    is_loopback,
    looks_like_host,
    normalize_registry,
    split_host_port,
)

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
    "repository_name",
    "split_host_port",
    "validate_repository",
    "validate_tag",
]

OFFICIAL_NAMESPACE = "library"
DEFAULT_TAG = "latest"
TAG_MAX = 128

# Longest input we look at at all: host (255) + "/" + name (255) + tag + digest, rounded up.
_INPUT_MAX = 1024

_COMPONENT_RE = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
_TAG_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
_HEX64_RE = re.compile(r"[a-f0-9]{64}")
_ASCII_UPPER_RE = re.compile(r"[A-Z]")

_COMPONENT_RULE = (
    "path components are lower-case letters and digits, joined by '.', '_', '__' or "
    "dashes, and start and end with a letter or digit"
)
_TAG_RULE = "a tag is 1 to 128 letters, digits, '_', '.' or '-', and does not start with '.' or '-'"


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
            if official or not looks_like_host(namespace):
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
    if slash != -1 and looks_like_host(name[:slash]):
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


def repository_name(registry: str, name: str) -> str:
    """``name`` as ``registry`` knows it: on Docker Hub one word is ``library/WORD``
    (``docker pull alpine``); elsewhere, and for any name with a slash, unchanged."""
    if registry != DOCKER_HUB or "/" in name or not name:
        return name
    return f"{OFFICIAL_NAMESPACE}/{name}"


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
        return bool(PORT_RE.fullmatch(after))  # host:port; name:tag otherwise
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
