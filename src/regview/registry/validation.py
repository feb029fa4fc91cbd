"""Check documents against the OCI image-spec (and Docker's schema2 rules): a list of problems.

regview shows whatever it can read; this module says what a stricter reader (containerd, a
registry's upload check) would reject, and why. Every check works on the raw JSON, apart
from the parsers, and returns :class:`Problem` values naming the JSON path at fault, e.g.
``manifests[0].mediaType``. Nothing here raises on bad input: a document that is not JSON
at all is one problem.

The rules follow the spec's JSON schemas (``schema/*.json`` in opencontainers/image-spec)
and the extra checks of its validator (``Env`` entries are ``NAME=value``).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any

from regview.registry import media_types as mt
from regview.registry.digests import parse_descriptor_digest
from regview.registry.errors import InvalidReference

__all__ = [
    "Problem",
    "config_problems",
    "descriptor_problems",
    "layout_problems",
    "looks_like_image_config",
    "manifest_problems",
]

_MEDIA_TYPE_RE = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}"
)
_MEDIA_PART_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*")
_URI_RE = re.compile(
    r"[A-Za-z][A-Za-z0-9+.-]*:(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*"
)
_DATE_TIME_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})"
)
_ENV_RE = re.compile(r"[^=]+=.*", re.DOTALL)
_MAX_SIZE = 2**63 - 1
_MAX_PROBLEMS = 200
_NOT_MANIFESTS = mt.IMAGE_CONFIG_TYPES | {mt.OCI_EMPTY, mt.DOCKER_PLUGIN_CONFIG}


@dataclass(frozen=True, slots=True)
class Problem:
    """One violation: where (a JSON path, ``""`` for the whole document), which rule, why."""

    path: str
    rule: str
    message: str

    def to_json(self) -> dict[str, str]:
        """``{"path": ..., "rule": ..., "message": ...}`` as ``inspect --json`` prints it."""
        return {"path": self.path, "rule": self.rule, "message": self.message}


def manifest_problems(raw: bytes, media_type: str | None = None) -> tuple[Problem, ...]:
    """Problems of a manifest or index (``media_type``: the Content-Type, if any)."""
    c = _Checker()
    obj = c.load(raw, "the manifest")
    if isinstance(obj, dict):
        declared = obj.get("mediaType")
        kind = declared if isinstance(declared, str) and declared else media_type
        if obj.get("schemaVersion") == 1 or mt.is_schema1(kind):
            pass  # schema1: a legacy format the image-spec does not describe
        elif mt.is_index(kind) or (not mt.is_image_manifest(kind) and "manifests" in obj):
            _index(c, obj, docker=kind == mt.DOCKER_MANIFEST_LIST)
        else:
            _manifest(c, obj)
    return c.done()


def config_problems(raw: bytes) -> tuple[Problem, ...]:
    """Problems of an image configuration (OCI or Docker)."""
    c = _Checker()
    obj = c.load(raw, "the image config")
    if isinstance(obj, dict):
        _config(c, obj)
    return c.done()


def descriptor_problems(obj: object, path: str = "") -> tuple[Problem, ...]:
    """Problems of one descriptor (a parsed JSON value), its paths under ``path``."""
    c = _Checker()
    _descriptor(c, obj, path)
    return c.done()


def layout_problems(raw: bytes) -> tuple[Problem, ...]:
    """Problems of an image layout's ``oci-layout`` file."""
    c = _Checker()
    obj = c.load(raw, "oci-layout")
    if isinstance(obj, dict):
        version = obj.get("imageLayoutVersion")
        if "imageLayoutVersion" not in obj:
            c.add("imageLayoutVersion", "required", 'imageLayoutVersion is missing; write "1.0.0"')
        elif version != "1.0.0":
            c.add(
                "imageLayoutVersion",
                "layout-version",
                f'imageLayoutVersion is {_show(version)}; the only version is "1.0.0"',
            )
    return c.done()


def looks_like_image_config(data: bytes) -> bool:
    """True when ``data`` is shaped like an OCI or Docker image config: an object with
    ``os``, ``architecture`` and a ``rootfs`` of type ``layers``, whatever its media type."""
    try:
        obj = json.loads(data)
    except (RecursionError, UnicodeDecodeError, ValueError):
        return False
    if not isinstance(obj, dict):
        return False
    rootfs = obj.get("rootfs")
    return (
        isinstance(obj.get("os"), str)
        and isinstance(obj.get("architecture"), str)
        and isinstance(rootfs, dict)
        and rootfs.get("type") == "layers"
    )


# --- the checker ---------------------------------------------------------------------------


class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, rule: str, message: str) -> None:
        if len(self.problems) < _MAX_PROBLEMS:
            self.problems.append(Problem(path, rule, message))
        elif len(self.problems) == _MAX_PROBLEMS:
            self.problems.append(Problem("", "too-many", "more problems not listed"))

    def done(self) -> tuple[Problem, ...]:
        return tuple(self.problems)

    def load(self, raw: bytes, what: str) -> object:
        try:
            obj = json.loads(raw)
        except RecursionError:
            self.add("", "json", f"{what} is nested too deeply to be a real document")
            return None
        except (UnicodeDecodeError, ValueError) as exc:
            self.add("", "json", f"{what} is not valid JSON: {_clip(str(exc))}")
            return None
        if not isinstance(obj, dict):
            self.add("", "type", f"{what} must be a JSON object, not {_type_name(obj)}")
            return None
        return obj

    def typed(self, obj: dict[str, Any], key: str, path: str, want: type, name: str) -> bool:
        """True when ``key`` is present with type ``want``; a problem when of another type."""
        if key not in obj:
            return False
        value = obj[key]
        if isinstance(value, want) and not (want is int and isinstance(value, bool)):
            return True
        self.add(
            _join(path, key), "type", f"{_join(path, key)} must be {name}, not {_type_name(value)}"
        )
        return False

    def required(self, obj: dict[str, Any], keys: tuple[str, ...], path: str) -> None:
        for key in keys:
            if key not in obj:
                self.add(_join(path, key), "required", f"{_join(path, key)} is missing")

    def strings(self, obj: dict[str, Any], key: str, path: str, *, nullable: bool = False) -> None:
        if nullable and key in obj and obj[key] is None:
            return
        if self.typed(obj, key, path, list, "an array of strings"):
            for i, item in enumerate(obj[key]):
                if not isinstance(item, str):
                    p = f"{_join(path, key)}[{i}]"
                    self.add(p, "type", f"{p} must be a string, not {_type_name(item)}")

    def text(self, obj: dict[str, Any], key: str, path: str) -> None:
        self.typed(obj, key, path, str, "a string")

    def string_map(
        self, obj: dict[str, Any], key: str, path: str, *, nullable: bool = False
    ) -> None:
        if nullable and key in obj and obj[key] is None:
            return
        if self.typed(obj, key, path, dict, "an object of strings"):
            for k, v in obj[key].items():
                if not isinstance(v, str):
                    p = f"{_join(path, key)}[{_clip(k, 60)!r}]"
                    self.add(p, "type", f"{p} must be a string, not {_type_name(v)}")

    def object_map(
        self, obj: dict[str, Any], key: str, path: str, *, nullable: bool = False
    ) -> None:
        if nullable and key in obj and obj[key] is None:
            return
        if self.typed(obj, key, path, dict, "an object (a set of names)"):
            for k, v in obj[key].items():
                if not isinstance(v, dict):
                    p = f"{_join(path, key)}[{_clip(k, 60)!r}]"
                    self.add(p, "type", f"{p} must be an object ({{}}), not {_type_name(v)}")

    def media_type(self, obj: dict[str, Any], key: str, path: str) -> None:
        if not self.typed(obj, key, path, str, "a media type string"):
            return
        value: str = obj[key]
        if _MEDIA_TYPE_RE.fullmatch(value):
            return
        p = _join(path, key)
        self.add(
            p, "media-type", f"{p} {_show(value)} is not a media type: {_media_type_fault(value)}"
        )


# --- documents -----------------------------------------------------------------------------


def _schema_version(c: _Checker, obj: dict[str, Any]) -> None:
    if "schemaVersion" not in obj:
        c.add("schemaVersion", "required", "schemaVersion is missing; it must be 2")
    elif c.typed(obj, "schemaVersion", "", int, "an integer") and obj["schemaVersion"] != 2:
        c.add("schemaVersion", "schema-version", f"schemaVersion is {obj['schemaVersion']}, not 2")


def _common(c: _Checker, obj: dict[str, Any]) -> None:
    _schema_version(c, obj)
    c.media_type(obj, "mediaType", "")
    c.media_type(obj, "artifactType", "")
    if "subject" in obj:
        _descriptor(c, obj["subject"], "subject")
    c.string_map(obj, "annotations", "")


def _index(c: _Checker, obj: dict[str, Any], *, docker: bool) -> None:
    _common(c, obj)
    if "manifests" not in obj:
        c.add("manifests", "required", "manifests is missing (an index lists its manifests)")
    elif c.typed(obj, "manifests", "", list, "an array"):
        for i, entry in enumerate(obj["manifests"]):
            path = f"manifests[{i}]"
            _descriptor(c, entry, path, platform=True)
            if not isinstance(entry, dict):
                continue
            kind = entry.get("mediaType")
            if isinstance(kind, str) and (kind in _NOT_MANIFESTS or mt.is_layer(kind)):
                c.add(
                    f"{path}.mediaType",
                    "index-entry",
                    f"{path} has media type {_show(kind)}: an index lists manifests "
                    "and indexes, not configs or layers",
                )
            if docker and "platform" not in entry:
                c.add(
                    f"{path}.platform",
                    "docker-platform",
                    f"{path}.platform is missing: a Docker manifest list gives every "
                    "entry's platform",
                )


def _manifest(c: _Checker, obj: dict[str, Any]) -> None:
    _common(c, obj)
    if "config" not in obj:
        c.add("config", "required", "config is missing (a manifest names its config)")
    else:
        _descriptor(c, obj["config"], "config")
    if "layers" not in obj:
        c.add("layers", "required", "layers is missing")
    elif c.typed(obj, "layers", "", list, "an array"):
        if not obj["layers"]:
            c.add(
                "layers",
                "layers",
                "layers is empty: the image-spec asks for at least one (an artifact "
                "with no content lists the empty descriptor)",
            )
        for i, layer in enumerate(obj["layers"]):
            _descriptor(c, layer, f"layers[{i}]")
    config = obj.get("config")
    if (
        isinstance(config, dict)
        and config.get("mediaType") == mt.OCI_EMPTY
        and "artifactType" not in obj
    ):
        c.add(
            "artifactType",
            "artifact-type",
            "artifactType is missing: it must be set when the config is the empty descriptor",
        )


def _descriptor(c: _Checker, obj: object, path: str, *, platform: bool = False) -> None:
    if not isinstance(obj, dict):
        c.add(
            path,
            "type",
            f"{path or 'the descriptor'} must be a descriptor object, not {_type_name(obj)}",
        )
        return
    c.required(obj, ("mediaType", "digest", "size"), path)
    c.media_type(obj, "mediaType", path)
    c.media_type(obj, "artifactType", path)
    if "digest" in obj:
        try:
            parse_descriptor_digest(obj["digest"])
        except InvalidReference as exc:
            c.add(_join(path, "digest"), "digest", f"{_join(path, 'digest')}: {exc}")
    size_ok = c.typed(obj, "size", path, int, "an integer")
    if size_ok and not 0 <= obj["size"] <= _MAX_SIZE:
        c.add(
            _join(path, "size"),
            "size",
            f"{_join(path, 'size')} is {obj['size']}: it must be 0 or more",
        )
    if c.typed(obj, "urls", path, list, "an array of URLs"):
        for i, url in enumerate(obj["urls"]):
            p = f"{_join(path, 'urls')}[{i}]"
            if not isinstance(url, str):
                c.add(p, "type", f"{p} must be a string, not {_type_name(url)}")
            elif not _URI_RE.fullmatch(url):
                c.add(p, "url", f"{p} {_show(url)} is not an absolute URL (scheme:...)")
    if c.typed(obj, "data", path, str, "a base64 string"):
        _data(c, obj, path, obj["size"] if size_ok else None)
    c.string_map(obj, "annotations", path)
    if platform and "platform" in obj:
        _platform(c, obj["platform"], _join(path, "platform"))


def _data(c: _Checker, obj: dict[str, Any], path: str, size: int | None) -> None:
    p = _join(path, "data")
    try:
        decoded = base64.b64decode(obj["data"], validate=True)
    except (binascii.Error, ValueError):
        c.add(p, "base64", f"{p} is not valid base64 (standard alphabet, with = padding)")
        return
    if size is not None and len(decoded) != size:
        c.add(p, "data-size", f"{p} holds {len(decoded)} bytes but size says {size}")


def _platform(c: _Checker, obj: object, path: str) -> None:
    if not isinstance(obj, dict):
        c.add(path, "type", f"{path} must be an object, not {_type_name(obj)}")
        return
    c.required(obj, ("architecture", "os"), path)
    for key in ("architecture", "os", "os.version", "variant"):
        c.text(obj, key, path)
    c.strings(obj, "os.features", path)
    c.strings(obj, "features", path)


def _config(c: _Checker, obj: dict[str, Any]) -> None:
    c.required(obj, ("architecture", "os", "rootfs"), "")
    for key in ("author", "architecture", "variant", "os", "os.version"):
        c.text(obj, key, "")
    c.strings(obj, "os.features", "")
    _date_time(c, obj, "created", "")
    if c.typed(obj, "config", "", dict, "an object"):
        inner: dict[str, Any] = obj["config"]
        for key in ("User", "WorkingDir", "StopSignal"):
            c.text(inner, key, "config")
        c.object_map(inner, "ExposedPorts", "config")
        c.object_map(inner, "Volumes", "config", nullable=True)
        c.string_map(inner, "Labels", "config", nullable=True)
        c.strings(inner, "Entrypoint", "config", nullable=True)
        c.strings(inner, "Cmd", "config", nullable=True)
        c.typed(inner, "ArgsEscaped", "config", bool, "true or false")
        c.strings(inner, "Env", "config")
        env = inner.get("Env")
        for i, entry in enumerate(env if isinstance(env, list) else ()):
            if isinstance(entry, str) and not _ENV_RE.fullmatch(entry):
                c.add(
                    f"config.Env[{i}]",
                    "env",
                    f"config.Env[{i}] {_show(entry)} is not NAME=value",
                )
    if c.typed(obj, "rootfs", "", dict, "an object"):
        rootfs: dict[str, Any] = obj["rootfs"]
        c.required(rootfs, ("diff_ids", "type"), "rootfs")
        c.strings(rootfs, "diff_ids", "rootfs")
        if c.typed(rootfs, "type", "rootfs", str, "a string") and rootfs["type"] != "layers":
            c.add(
                "rootfs.type",
                "rootfs-type",
                f'rootfs.type is {_show(rootfs["type"])}, not "layers"',
            )
    if c.typed(obj, "history", "", list, "an array"):
        for i, step in enumerate(obj["history"]):
            path = f"history[{i}]"
            if not isinstance(step, dict):
                c.add(path, "type", f"{path} must be an object, not {_type_name(step)}")
                continue
            for key in ("author", "created_by", "comment"):
                c.text(step, key, path)
            _date_time(c, step, "created", path)
            c.typed(step, "empty_layer", path, bool, "true or false")


def _date_time(c: _Checker, obj: dict[str, Any], key: str, path: str) -> None:
    if c.typed(obj, key, path, str, "an RFC 3339 date-time string") and not _DATE_TIME_RE.fullmatch(
        obj[key]
    ):
        p = _join(path, key)
        c.add(p, "date-time", f"{p} {_show(obj[key])} is not an RFC 3339 date-time")


# --- helpers -------------------------------------------------------------------------------


def _media_type_fault(value: str) -> str:
    type_, slash, subtype = value.partition("/")
    if not slash:
        return "expected type/subtype (RFC 6838)"
    for name, part in (("type", type_), ("subtype", subtype)):
        if len(part) > 127:
            return f"its {name} is {len(part)} characters long, over RFC 6838's 127"
        if not _MEDIA_PART_RE.fullmatch(part):
            return f"its {name} {_show(part)} has characters RFC 6838 does not allow"
    return "expected type/subtype (RFC 6838)"


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _type_name(value: object) -> str:
    names: dict[type, str] = {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        type(None): "null",
    }
    return names.get(type(value), "a number")


def _show(value: object) -> str:
    if isinstance(value, str):
        return repr(_clip(value, 60))
    return _clip(json.dumps(value), 60) if _is_json_scalar(value) else _type_name(value)


def _is_json_scalar(value: object) -> bool:
    return value is None or isinstance(value, bool | int | float)


def _clip(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
