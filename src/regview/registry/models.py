"""Frozen models of what a registry serves, and defensive parsers that build them.

Every parser here takes untrusted bytes or JSON and either returns a model or raises
:class:`~regview.registry.errors.MalformedContent` with a message that names the field
at fault. Nothing else escapes: no ``KeyError``, ``TypeError`` or ``RecursionError``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeAlias

from regview.registry import media_types as mt
from regview.registry.digests import parse_digest
from regview.registry.errors import InvalidReference, MalformedContent

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
    "load_json",
    "parse_config",
    "parse_descriptor",
    "parse_manifest",
    "parse_platform",
]

_MAX_SIZE = 2**63 - 1


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


# --- parsing -----------------------------------------------------------------------------


def load_json(data: bytes, what: str) -> Any:
    """Decode JSON or raise :class:`MalformedContent` naming ``what``."""
    try:
        return json.loads(data)
    except RecursionError:
        raise MalformedContent(f"{what} is nested too deeply to be a real document") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedContent(f"{what} is not valid JSON: {_short(str(exc))}") from None


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _type_name(value: object) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number"
    )


class _Fields:
    """Typed access to a JSON object's fields, with errors that name the path."""

    def __init__(self, obj: object, path: str) -> None:
        if not isinstance(obj, dict):
            raise MalformedContent(f"{path} must be a JSON object, not {_type_name(obj)}")
        self.obj: dict[str, Any] = obj
        self.path = path

    def _bad(self, key: str, expected: str, value: object) -> MalformedContent:
        return MalformedContent(f"{self.path}.{key} must be {expected}, not {_type_name(value)}")

    def text(self, key: str, *, required: bool = False) -> str | None:
        value = self.obj.get(key)
        if value is None:
            if required:
                raise MalformedContent(f"{self.path}.{key} is missing")
            return None
        if not isinstance(value, str):
            raise self._bad(key, "a string", value)
        return value

    def req_text(self, key: str) -> str:
        value = self.text(key, required=True)
        assert value is not None
        return value

    def integer(self, key: str, *, required: bool = False) -> int | None:
        value = self.obj.get(key)
        if value is None:
            if required:
                raise MalformedContent(f"{self.path}.{key} is missing")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._bad(key, "an integer", value)
        return value

    def flag(self, key: str) -> bool:
        value = self.obj.get(key)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise self._bad(key, "true or false", value)
        return value

    def texts(self, key: str) -> tuple[str, ...] | None:
        value = self.obj.get(key)
        if value is None:
            return None
        if not isinstance(value, list):
            raise self._bad(key, "an array of strings", value)
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise MalformedContent(
                    f"{self.path}.{key}[{i}] must be a string, not {_type_name(item)}"
                )
        return tuple(value)

    def text_map(self, key: str) -> dict[str, str]:
        value = self.obj.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self._bad(key, "an object of strings", value)
        for k, v in value.items():
            if not isinstance(v, str):
                raise MalformedContent(
                    f"{self.path}.{key}[{k[:60]!r}] must be a string, not {_type_name(v)}"
                )
        return dict(value)

    def keys(self, key: str) -> tuple[str, ...]:
        """An object used as a set (``ExposedPorts``, ``Volumes``): its keys."""
        value = self.obj.get(key)
        if value is None:
            return ()
        if not isinstance(value, dict):
            raise self._bad(key, "an object", value)
        return tuple(value)

    def array(self, key: str, *, required: bool = False) -> list[Any]:
        value = self.obj.get(key)
        if value is None:
            if required:
                raise MalformedContent(f"{self.path}.{key} is missing")
            return []
        if not isinstance(value, list):
            raise self._bad(key, "an array", value)
        return value

    def child(self, key: str) -> _Fields | None:
        value = self.obj.get(key)
        if value is None:
            return None
        return _Fields(value, f"{self.path}.{key}")


def parse_platform(obj: object, path: str = "platform") -> Platform:
    f = _Fields(obj, path)
    return Platform(
        os=f.req_text("os"),
        architecture=f.req_text("architecture"),
        variant=f.text("variant") or None,
        os_version=f.text("os.version") or None,
        os_features=f.texts("os.features") or (),
        features=f.texts("features") or (),
    )


def parse_descriptor(obj: object, path: str = "descriptor") -> Descriptor:
    f = _Fields(obj, path)
    media_type = f.req_text("mediaType")
    digest_value = f.obj.get("digest")
    if digest_value is None:
        raise MalformedContent(f"{path}.digest is missing")
    try:
        digest = parse_digest(digest_value)
    except InvalidReference as exc:
        raise MalformedContent(f"{path}.digest: {exc}") from None
    size = f.integer("size", required=True)
    assert size is not None
    if size < 0 or size > _MAX_SIZE:
        raise MalformedContent(f"{path}.size must be a non-negative integer, not {size}")
    platform_obj = f.obj.get("platform")
    platform = parse_platform(platform_obj, f"{path}.platform") if platform_obj else None
    return Descriptor(
        media_type=media_type,
        digest=digest,
        size=size,
        platform=platform,
        annotations=f.text_map("annotations"),
        artifact_type=f.text("artifactType") or None,
        urls=f.texts("urls") or (),
    )


def _sniff_media_type(f: _Fields, hint: str | None) -> str:
    # The body's own mediaType wins over the Content-Type header (``hint``): the digest
    # covers the body, not the header, and servers and proxies get the header wrong.
    declared = f.text("mediaType")
    if declared:
        return declared
    schema_version = f.obj.get("schemaVersion")
    if schema_version == 1:
        return mt.DOCKER_SCHEMA1_SIGNED if "signatures" in f.obj else mt.DOCKER_SCHEMA1
    # Without a mediaType the header decides between look-alikes (OCI or Docker), but
    # only when it agrees with the body's shape: an index has "manifests", an image
    # manifest has "config"; a header that says otherwise is ignored.
    if hint and mt.is_manifest(hint) and _shape_agrees(f, hint):
        return hint
    if "manifests" in f.obj:
        return mt.OCI_INDEX
    if "config" in f.obj or "layers" in f.obj:
        return mt.OCI_MANIFEST
    raise MalformedContent("manifest has no mediaType and does not look like any known format")


def _shape_agrees(f: _Fields, media_type: str) -> bool:
    if mt.is_index(media_type):
        return "manifests" in f.obj or "config" not in f.obj
    if mt.is_image_manifest(media_type):
        return "config" in f.obj or "manifests" not in f.obj
    if mt.is_schema1(media_type):
        return "fsLayers" in f.obj
    return True


def parse_manifest(data: bytes, media_type_hint: str | None = None) -> Manifest:
    """Parse manifest bytes. ``media_type_hint`` is the response's Content-Type, if any."""
    f = _Fields(load_json(data, "manifest"), "manifest")
    media_type = _sniff_media_type(f, media_type_hint)
    if mt.is_schema1(media_type):
        return _parse_schema1(f, media_type)
    schema_version = f.integer("schemaVersion")
    if schema_version is not None and schema_version != 2:
        raise MalformedContent(f"manifest.schemaVersion {schema_version} is not supported")
    subject_obj = f.obj.get("subject")
    subject = parse_descriptor(subject_obj, "manifest.subject") if subject_obj else None
    annotations = f.text_map("annotations")
    artifact_type = f.text("artifactType") or None
    if mt.is_index(media_type):
        entries = f.array("manifests", required=True)
        return ImageIndex(
            media_type=media_type,
            manifests=tuple(
                parse_descriptor(e, f"manifest.manifests[{i}]") for i, e in enumerate(entries)
            ),
            annotations=annotations,
            subject=subject,
            artifact_type=artifact_type,
        )
    if mt.is_image_manifest(media_type):
        config_obj = f.obj.get("config")
        if config_obj is None:
            raise MalformedContent("manifest.config is missing")
        config = parse_descriptor(config_obj, "manifest.config")
        layers = tuple(
            parse_descriptor(e, f"manifest.layers[{i}]") for i, e in enumerate(f.array("layers"))
        )
        effective_type = artifact_type
        if effective_type is None and not mt.is_image_config(config.media_type):
            effective_type = config.media_type
        cls = Artifact if effective_type is not None else ImageManifest
        return cls(
            media_type=media_type,
            config=config,
            layers=layers,
            annotations=annotations,
            subject=subject,
            artifact_type=effective_type,
        )
    raise MalformedContent(f"unsupported manifest media type {_short(media_type)!r}")


def _parse_schema1(f: _Fields, media_type: str) -> Schema1Manifest:
    fs_layers: list[str] = []
    for i, entry in enumerate(f.array("fsLayers", required=True)):
        blob = _Fields(entry, f"manifest.fsLayers[{i}]").obj.get("blobSum")
        try:
            fs_layers.append(parse_digest(blob))
        except InvalidReference as exc:
            raise MalformedContent(f"manifest.fsLayers[{i}].blobSum: {exc}") from None
    history: list[str] = []
    for i, entry in enumerate(f.array("history")):
        compat = _Fields(entry, f"manifest.history[{i}]").text("v1Compatibility")
        history.append(compat or "")
    signed = bool(f.array("signatures")) or media_type == mt.DOCKER_SCHEMA1_SIGNED
    return Schema1Manifest(
        media_type=mt.DOCKER_SCHEMA1_SIGNED if signed else mt.DOCKER_SCHEMA1,
        name=f.text("name") or "",
        tag=f.text("tag") or "",
        architecture=f.text("architecture") or "",
        fs_layers=tuple(fs_layers),
        v1_compatibility=tuple(history),
        signed=signed,
    )


def parse_config(data: bytes) -> ImageConfig:
    """Parse an image configuration (OCI or Docker), mapping history onto layers."""
    top = _Fields(load_json(data, "image config"), "config")
    inner = top.child("config") or _Fields({}, "config.config")
    rootfs = top.child("rootfs")
    diff_ids = (rootfs.texts("diff_ids") if rootfs else None) or ()
    history: list[HistoryEntry] = []
    layer_index = 0
    for i, raw in enumerate(top.array("history")):
        h = _Fields(raw, f"config.history[{i}]")
        empty = h.flag("empty_layer")
        history.append(
            HistoryEntry(
                created=h.text("created"),
                created_by=h.text("created_by"),
                author=h.text("author"),
                comment=h.text("comment"),
                empty_layer=empty,
                layer_index=None if empty else layer_index,
            )
        )
        if not empty:
            layer_index += 1
    return ImageConfig(
        architecture=top.text("architecture"),
        os=top.text("os"),
        variant=top.text("variant") or None,
        os_version=top.text("os.version") or None,
        created=top.text("created"),
        author=top.text("author"),
        user=inner.text("User") or None,
        working_dir=inner.text("WorkingDir") or None,
        entrypoint=inner.texts("Entrypoint"),
        cmd=inner.texts("Cmd"),
        env=inner.texts("Env") or (),
        exposed_ports=inner.keys("ExposedPorts"),
        volumes=inner.keys("Volumes"),
        labels=inner.text_map("Labels"),
        stop_signal=inner.text("StopSignal") or None,
        history=tuple(history),
        diff_ids=diff_ids,
    )
