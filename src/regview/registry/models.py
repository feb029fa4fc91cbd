"""Frozen models of what a registry serves: descriptors, manifests, indexes, configs.

The defensive parsers that build them from untrusted bytes are in
:mod:`regview.registry.parsers`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeAlias

from regview.registry import media_types as mt
from regview.registry.digests import is_verifiable
from regview.registry.errors import InvalidReference

__all__ = [
    "Artifact",
    "Descriptor",
    "HistoryEntry",
    "ImageConfig",
    "ImageIndex",
    "ImageManifest",
    "Manifest",
    "Platform",
    "Schema1Manifest",
    "parse_timestamp",
]


@dataclass(frozen=True, slots=True)
class Platform:
    """The platform an image runs on, as in an index entry or an image config."""

    os: str
    architecture: str
    variant: str | None = None
    os_version: str | None = None
    os_features: tuple[str, ...] = ()
    features: tuple[str, ...] = ()

    def __str__(self) -> str:
        parts = [self.os, self.architecture]
        if self.variant:
            parts.append(self.variant)
        return "/".join(parts)

    @classmethod
    def parse(cls, text: str) -> Platform:
        """Parse ``os/arch[/variant]`` as given on the command line."""
        parts = text.strip().split("/")
        if len(parts) not in (2, 3) or not all(parts):
            raise InvalidReference(f"invalid platform {text!r}: expected os/arch[/variant]")
        return cls(parts[0], parts[1], parts[2] if len(parts) == 3 else None)

    def matches(self, wanted: Platform) -> bool:
        """True if this platform satisfies ``wanted`` (whose variant may be omitted)."""
        if (self.os, self.architecture) != (wanted.os, wanted.architecture):
            return False
        return wanted.variant is None or _norm_variant(self) == _norm_variant(wanted)

    @property
    def is_unknown(self) -> bool:
        """True for ``unknown/unknown`` (attestation entries of an index)."""
        return self.os == "unknown" and self.architecture == "unknown"


def _norm_variant(p: Platform) -> str | None:
    if p.architecture == "arm64" and p.variant in (None, "v8"):
        return "v8"
    return p.variant


@dataclass(frozen=True, slots=True)
class Descriptor:
    """A typed pointer to content: media type, digest and size (plus optional extras)."""

    media_type: str
    digest: str
    size: int
    platform: Platform | None = None
    annotations: Mapping[str, str] = field(default_factory=dict)
    artifact_type: str | None = None
    urls: tuple[str, ...] = ()

    @property
    def is_attestation(self) -> bool:
        """A buildx attestation manifest listed in an index next to the image it attests."""
        return self.annotations.get(mt.DOCKER_REFERENCE_TYPE) == mt.ATTESTATION_MANIFEST

    @property
    def attests(self) -> str | None:
        """For an attestation manifest, the digest of the image it describes."""
        return self.annotations.get(mt.DOCKER_REFERENCE_DIGEST) if self.is_attestation else None


@dataclass(frozen=True, slots=True)
class ImageIndex:
    """An OCI image index or a Docker manifest list."""

    media_type: str
    manifests: tuple[Descriptor, ...]
    schema_version: int = 2
    annotations: Mapping[str, str] = field(default_factory=dict)
    subject: Descriptor | None = None
    artifact_type: str | None = None

    @property
    def images(self) -> tuple[Descriptor, ...]:
        """The entries that are not attestation manifests."""
        return tuple(d for d in self.manifests if not d.is_attestation)

    @property
    def attestations(self) -> tuple[Descriptor, ...]:
        """Entries that are attestation manifests (buildx's ``unknown/unknown``)."""
        return tuple(d for d in self.manifests if d.is_attestation)

    def children(self) -> tuple[Descriptor, ...]:
        """Every descriptor this index lists."""
        return self.manifests


@dataclass(frozen=True, slots=True)
class ImageManifest:
    """An OCI image manifest or a Docker schema2 manifest."""

    media_type: str
    config: Descriptor
    layers: tuple[Descriptor, ...]
    schema_version: int = 2
    annotations: Mapping[str, str] = field(default_factory=dict)
    subject: Descriptor | None = None
    artifact_type: str | None = None
    config_type_generic: bool = False
    """The config's media type is generic (``application/octet-stream``), but the manifest
    is an image's (image layers, no ``artifactType``): the config is read as an image
    config, and its content says whether it is one."""

    @property
    def config_readable(self) -> bool:
        """True when the config is an image config regview reads: an image's (not an
        artifact's), with a digest it can verify (sha256 or sha512)."""
        return not self.is_artifact and is_verifiable(self.config.digest)

    @property
    def layers_size(self) -> int:
        """Sum of the (compressed) layer sizes as declared by the manifest."""
        return sum(layer.size for layer in self.layers)

    @property
    def is_artifact(self) -> bool:
        """False: an image (see :class:`Artifact`)."""
        return False

    def children(self) -> tuple[Descriptor, ...]:
        """The config and the layers, in order."""
        return (self.config, *self.layers)


@dataclass(frozen=True, slots=True)
class Artifact(ImageManifest):
    """An OCI artifact: a manifest with an ``artifactType`` or a non-image config.

    ``artifact_type`` is the effective type (the field, else the config media type).
    ``layers`` are the artifact's blobs.
    """

    @property
    def is_artifact(self) -> bool:
        """Always True: an artifact manifest."""
        return True

    @property
    def kind(self) -> str:
        """What the artifact is: ``signature``, ``sbom``, ``attestation`` or ``artifact``."""
        return mt.referrer_kind(self.artifact_type)


@dataclass(frozen=True, slots=True)
class Schema1Manifest:
    """A legacy Docker schema1 manifest (read only; layers listed newest first)."""

    media_type: str
    name: str
    tag: str
    architecture: str
    fs_layers: tuple[str, ...]
    v1_compatibility: tuple[str, ...]
    signed: bool
    schema_version: int = 1

    @property
    def annotations(self) -> Mapping[str, str]:
        """Always empty: schema1 has no annotations."""
        return {}

    @property
    def subject(self) -> Descriptor | None:
        """Always None: schema1 has no subject."""
        return None

    def children(self) -> tuple[Descriptor, ...]:
        """Nothing: schema1 layers are not content-addressed descriptors here."""
        return ()


Manifest: TypeAlias = ImageIndex | ImageManifest | Schema1Manifest


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One step of the image history; ``layer_index`` points into the manifest's layers."""

    created: str | None = None
    created_by: str | None = None
    author: str | None = None
    comment: str | None = None
    empty_layer: bool = False
    layer_index: int | None = None


@dataclass(frozen=True, slots=True)
class ImageConfig:
    """The parts of an image configuration a person wants to see."""

    architecture: str | None = None
    os: str | None = None
    variant: str | None = None
    os_version: str | None = None
    created: str | None = None
    author: str | None = None
    user: str | None = None
    working_dir: str | None = None
    entrypoint: tuple[str, ...] | None = None
    cmd: tuple[str, ...] | None = None
    env: tuple[str, ...] = ()
    exposed_ports: tuple[str, ...] = ()
    volumes: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    stop_signal: str | None = None
    history: tuple[HistoryEntry, ...] = ()
    diff_ids: tuple[str, ...] = ()

    @property
    def platform(self) -> Platform | None:
        """The platform the config says the image is for (os/architecture/variant)."""
        if not self.os or not self.architecture:
            return None
        return Platform(self.os, self.architecture, self.variant, self.os_version)

    @property
    def created_at(self) -> datetime | None:
        """``created`` as a datetime, or None when absent or unreadable."""
        return parse_timestamp(self.created)


def parse_timestamp(value: str | None) -> datetime | None:
    """Parse an RFC 3339 timestamp (with nanoseconds, as Go writes them); None if invalid."""
    if not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    date, sep, rest = text.partition(".")
    if sep:  # trim fractional seconds to microseconds
        frac = ""
        tail = ""
        for i, ch in enumerate(rest):
            if not ch.isdigit():
                tail = rest[i:]
                break
            frac += ch
        text = f"{date}.{frac[:6].ljust(6, '0')}{tail}" if frac else date + tail
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None
