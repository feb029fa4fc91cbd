"""Defensive parsers: untrusted bytes or JSON in, a frozen model out.

Every parser here takes untrusted bytes or JSON and either returns a model (see
:mod:`regview.registry.models`) or raises
:class:`~regview.registry.errors.MalformedContent` with a message that names the field
at fault. Nothing else escapes: no ``KeyError``, ``TypeError`` or ``RecursionError``.
"""

from __future__ import annotations

import json
from typing import Any

from regview.registry import media_types as mt
from regview.registry.digests import parse_descriptor_digest, parse_digest
from regview.registry.errors import InvalidReference, MalformedContent
from regview.registry.models import (
    Artifact,
    Descriptor,
    HistoryEntry,
    ImageConfig,
    ImageIndex,
    ImageManifest,
    Manifest,
    Platform,
    Schema1Manifest,
)

__all__ = [
    "load_json",
    "parse_config",
    "parse_descriptor",
    "parse_manifest",
    "parse_platform",
]

_MAX_SIZE = 2**63 - 1


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
        digest = parse_descriptor_digest(digest_value)
    except InvalidReference as exc:
        raise MalformedContent(f"{path}.digest: {exc}") from None
    size = f.integer("size", required=True)
    assert size is not None
    if size < 0 or size > _MAX_SIZE:
        raise MalformedContent(f"{path}.size must be a non-negative integer, not {size}")
    # A wrong type ({}, [], "", 0, false) is refused like any other, whatever its truthiness.
    platform_obj = f.obj.get("platform")
    platform = None if platform_obj is None else parse_platform(platform_obj, f"{path}.platform")
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
    subject = None if subject_obj is None else parse_descriptor(subject_obj, "manifest.subject")
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
        generic = (
            artifact_type is None
            and config.media_type in mt.GENERIC_TYPES
            and bool(layers)
            and all(mt.is_layer(layer.media_type) for layer in layers)
        )
        effective_type = artifact_type
        if effective_type is None and not generic and not mt.is_image_config(config.media_type):
            effective_type = config.media_type
        if effective_type is not None:
            return Artifact(
                media_type=media_type,
                config=config,
                layers=layers,
                annotations=annotations,
                subject=subject,
                artifact_type=effective_type,
            )
        return ImageManifest(
            media_type=media_type,
            config=config,
            layers=layers,
            annotations=annotations,
            subject=subject,
            config_type_generic=generic,
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
