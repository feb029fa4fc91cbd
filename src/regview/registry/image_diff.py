"""Compare two images, section by section: manifests, config, history, sizes, files.

Pure: :func:`diff_images` takes two :class:`ImageSnapshot` (what
:func:`regview.registry.image_snapshot.read_image_snapshot` reads) and returns an
:class:`ImageDiff`; nothing here does I/O, so the CLI, the TUI and the notebook show
the same result. Files are compared in the merged filesystems (whiteouts and opaque
directories applied), by type, size, mode, owner, link target and content (the sha256
indexing records), each side with the 0-based layer that last wrote the path. mtimes
are not compared: a rebuild changes every one of them.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from regview.registry.layers.entry import Entry, EntryType, display_path
from regview.registry.layers.merge import MergedEntry, MergedFilesystem
from regview.registry.models import Descriptor, HistoryEntry, ImageConfig

__all__ = [
    "Change",
    "ConfigChange",
    "FileChange",
    "HistoryChange",
    "ImageDiff",
    "ImageSnapshot",
    "LayerChange",
    "SizeChange",
    "diff_images",
]

Change = Literal["added", "removed", "changed"]
"""How a key, layer, history step or path differs from side A to side B."""

#: File attributes compared, in the order they are reported.
FILE_ATTRIBUTES = ("type", "size", "mode", "owner", "link", "content")


@dataclass(frozen=True, slots=True)
class ImageSnapshot:
    """One side of a diff: an image manifest, its config, and its merged filesystem."""

    #: What to show for it (the reference as typed, normalised).
    display: str
    digest: str
    media_type: str
    manifest_size: int
    config_descriptor: Descriptor
    config: ImageConfig
    layers: tuple[Descriptor, ...]
    filesystem: MergedFilesystem


@dataclass(frozen=True, slots=True)
class LayerChange:
    """A layer digest in one image, the other, or both (0-based positions)."""

    digest: str
    change: Literal["added", "removed", "shared"]
    size: int
    position_a: int | None
    position_b: int | None


@dataclass(frozen=True, slots=True)
class ConfigChange:
    """One config field (``key`` names the variable, label, port or volume) that differs."""

    field: str
    key: str | None
    change: Change
    before: str | None
    after: str | None


@dataclass(frozen=True, slots=True)
class HistoryChange:
    """A history step only in A (``removed``) or only in B (``added``)."""

    change: Literal["added", "removed"]
    index: int
    created_by: str
    empty_layer: bool


@dataclass(frozen=True, slots=True)
class SizeChange:
    """A size on each side, in bytes (None when it is not known)."""

    name: str
    a: int | None
    b: int | None

    @property
    def delta(self) -> int | None:
        """B minus A, or None when either is unknown."""
        return None if self.a is None or self.b is None else self.b - self.a


@dataclass(frozen=True, slots=True)
class FileChange:
    """A path of the merged filesystems that differs, with its entry on each side."""

    path: str
    change: Change
    #: The attributes that differ (from :data:`FILE_ATTRIBUTES`), for ``changed``.
    attributes: tuple[str, ...]
    a: Entry | None
    b: Entry | None
    #: The 0-based layer that last wrote the path on each side.
    layer_a: int | None
    layer_b: int | None
    #: Content sha256 on each side (a hardlink's is its target's), when recorded.
    sha256_a: str | None = None
    sha256_b: str | None = None


@dataclass(frozen=True, slots=True)
class ImageDiff:
    """Everything that differs between two images; :attr:`equal` when nothing does."""

    a: ImageSnapshot
    b: ImageSnapshot
    media_types: tuple[ConfigChange, ...]
    layers: tuple[LayerChange, ...]
    config: tuple[ConfigChange, ...]
    history: tuple[HistoryChange, ...]
    sizes: tuple[SizeChange, ...]
    files: tuple[FileChange, ...]
    #: Paths compared whose content could not be (no hash recorded on one side).
    unhashed: tuple[str, ...] = field(default=())

    @property
    def layers_changed(self) -> bool:
        """True when some layer is in only one of the images, or they are in another order."""
        return any(c.change != "shared" for c in self.layers) or any(
            c.position_a != c.position_b for c in self.layers
        )

    @property
    def equal(self) -> bool:
        """True when no section shows a difference (the images may still differ in
        digest: in annotations, in compression, in mtimes)."""
        return not (
            self.media_types
            or self.layers_changed
            or self.config
            or self.history
            or self.files
            or any(s.delta for s in self.sizes if s.name != "manifest")
        )

    def to_json(self) -> dict[str, Any]:
        """The ``regview diff --json`` document."""
        return diff_json(self)


# --- comparing ---------------------------------------------------------------------------


def diff_images(a: ImageSnapshot, b: ImageSnapshot) -> ImageDiff:
    """Compare image ``a`` with image ``b`` (changes read from A to B)."""
    media = []
    if a.media_type != b.media_type:
        media.append(ConfigChange("manifest", None, "changed", a.media_type, b.media_type))
    if a.config_descriptor.media_type != b.config_descriptor.media_type:
        media.append(
            ConfigChange(
                "config",
                None,
                "changed",
                a.config_descriptor.media_type,
                b.config_descriptor.media_type,
            )
        )
    files, unhashed = diff_filesystems(a.filesystem, b.filesystem)
    return ImageDiff(
        a=a,
        b=b,
        media_types=tuple(media),
        layers=diff_layers(a.layers, b.layers),
        config=diff_configs(a.config, b.config),
        history=diff_history(a.config.history, b.config.history),
        sizes=diff_sizes(a, b),
        files=files,
        unhashed=unhashed,
    )


def diff_layers(a: Sequence[Descriptor], b: Sequence[Descriptor]) -> tuple[LayerChange, ...]:
    """Each layer digest: shared (with its position in both), removed (A only), added."""
    where_b: dict[str, int] = {}
    for i, d in enumerate(b):
        where_b.setdefault(d.digest, i)
    where_a: dict[str, int] = {}
    for i, d in enumerate(a):
        where_a.setdefault(d.digest, i)
    out: list[LayerChange] = []
    for i, d in enumerate(a):
        if where_a[d.digest] != i:
            continue
        j = where_b.get(d.digest)
        out.append(LayerChange(d.digest, "removed" if j is None else "shared", d.size, i, j))
    for j, d in enumerate(b):
        if where_b[d.digest] == j and d.digest not in where_a:
            out.append(LayerChange(d.digest, "added", d.size, None, j))
    return tuple(out)


def _scalar(value: str | tuple[str, ...] | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, tuple):
        return json.dumps(list(value))
    return value


def _env_map(env: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in env:
        key, _, value = item.partition("=")
        out[key] = value
    return out


def _map_changes(name: str, a: Mapping[str, str], b: Mapping[str, str]) -> list[ConfigChange]:
    out = []
    for key in sorted(a.keys() | b.keys()):
        if key not in b:
            out.append(ConfigChange(name, key, "removed", a[key], None))
        elif key not in a:
            out.append(ConfigChange(name, key, "added", None, b[key]))
        elif a[key] != b[key]:
            out.append(ConfigChange(name, key, "changed", a[key], b[key]))
    return out


def _set_changes(name: str, a: Sequence[str], b: Sequence[str]) -> list[ConfigChange]:
    sa, sb = set(a), set(b)
    return [ConfigChange(name, k, "removed", k, None) for k in sorted(sa - sb)] + [
        ConfigChange(name, k, "added", None, k) for k in sorted(sb - sa)
    ]


def _platform(c: ImageConfig) -> str | None:
    if c.os is None and c.architecture is None:
        return None
    text = f"{c.os or '?'}/{c.architecture or '?'}"
    return f"{text}/{c.variant}" if c.variant else text


def diff_configs(a: ImageConfig, b: ImageConfig) -> tuple[ConfigChange, ...]:
    """Config fields that differ; env, labels, ports and volumes key by key."""
    out: list[ConfigChange] = []
    scalars: list[tuple[str, str | tuple[str, ...] | None, str | tuple[str, ...] | None]] = [
        ("platform", _platform(a), _platform(b)),
        ("created", a.created, b.created),
        ("author", a.author, b.author),
        ("user", a.user, b.user),
        ("workdir", a.working_dir, b.working_dir),
        ("entrypoint", a.entrypoint, b.entrypoint),
        ("cmd", a.cmd, b.cmd),
        ("stopSignal", a.stop_signal, b.stop_signal),
    ]
    for name, va, vb in scalars:
        sa, sb = _scalar(va), _scalar(vb)
        if sa == sb:
            continue
        change: Change = "added" if sa is None else "removed" if sb is None else "changed"
        out.append(ConfigChange(name, None, change, sa, sb))
    out += _map_changes("env", _env_map(a.env), _env_map(b.env))
    out += _set_changes("ports", a.exposed_ports, b.exposed_ports)
    out += _set_changes("volumes", a.volumes, b.volumes)
    out += _map_changes("labels", a.labels, b.labels)
    return tuple(out)


def diff_history(a: Sequence[HistoryEntry], b: Sequence[HistoryEntry]) -> tuple[HistoryChange, ...]:
    """History steps only in A or only in B, aligned by command (as ``diff`` aligns lines)."""

    def key(h: HistoryEntry) -> tuple[str, bool]:
        return (h.created_by or "", h.empty_layer)

    ka, kb = [key(h) for h in a], [key(h) for h in b]
    out: list[HistoryChange] = []
    matcher = difflib.SequenceMatcher(a=ka, b=kb, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        out += [HistoryChange("removed", i, ka[i][0], ka[i][1]) for i in range(i1, i2)]
        out += [HistoryChange("added", j, kb[j][0], kb[j][1]) for j in range(j1, j2)]
    return tuple(out)


def diff_sizes(a: ImageSnapshot, b: ImageSnapshot) -> tuple[SizeChange, ...]:
    """Manifest, config, compressed and uncompressed layers, file content, file count."""

    def uncompressed(s: ImageSnapshot) -> int | None:
        sizes = [t.uncompressed_size for t in s.filesystem.layer_tocs]
        return None if any(x is None for x in sizes) else sum(x or 0 for x in sizes)

    def files(s: ImageSnapshot) -> int:
        return sum(1 for m in s.filesystem.entries.values() if m.entry.is_file)

    return (
        SizeChange("manifest", a.manifest_size, b.manifest_size),
        SizeChange("config", a.config_descriptor.size, b.config_descriptor.size),
        SizeChange("layers", sum(d.size for d in a.layers), sum(d.size for d in b.layers)),
        SizeChange("uncompressed", uncompressed(a), uncompressed(b)),
        SizeChange("files", a.filesystem.total_size, b.filesystem.total_size),
        SizeChange("fileCount", files(a), files(b)),
    )


def content_sha256(m: MergedEntry) -> str | None:
    """The content hash of a regular file, or of a hard link: what its target held when
    the link was made (:attr:`~regview.registry.layers.merge.MergedEntry.content`)."""
    return m.content.sha256 if m.content is not None else None


def _has_content(e: Entry) -> bool:
    return e.type in (EntryType.FILE, EntryType.HARDLINK)


def diff_filesystems(
    a: MergedFilesystem, b: MergedFilesystem
) -> tuple[tuple[FileChange, ...], tuple[str, ...]]:
    """Every path added, removed or changed from ``a`` to ``b``, in path order; and the
    paths whose content could not be compared (no hash on a side)."""
    out: list[FileChange] = []
    unhashed: list[str] = []
    for path in sorted(a.entries.keys() | b.entries.keys()):
        ma, mb = a.entries.get(path), b.entries.get(path)
        if mb is None:
            assert ma is not None
            out.append(
                FileChange(path, "removed", (), ma.entry, None, ma.layer, None, content_sha256(ma))
            )
            continue
        if ma is None:
            out.append(
                FileChange(
                    path,
                    "added",
                    (),
                    None,
                    mb.entry,
                    None,
                    mb.layer,
                    None,
                    content_sha256(mb),
                )
            )
            continue
        ea, eb = ma.entry, mb.entry
        ha, hb = content_sha256(ma), content_sha256(mb)
        changed: list[str] = []
        if ea.type is not eb.type:
            changed.append("type")
        if ea.type is EntryType.FILE and eb.type is EntryType.FILE and ea.size != eb.size:
            changed.append("size")
        if ea.mode != eb.mode:
            changed.append("mode")
        if (ea.uid, ea.gid) != (eb.uid, eb.gid):
            changed.append("owner")
        if ea.link != eb.link and (ea.link is not None or eb.link is not None):
            changed.append("link")
        if _has_content(ea) and _has_content(eb):
            if ha is None or hb is None:
                unhashed.append(path)
            elif ha != hb:
                changed.append("content")
        elif (ea.devmajor, ea.devminor) != (eb.devmajor, eb.devminor):
            changed.append("type")
        if changed:
            out.append(
                FileChange(
                    path,
                    "changed",
                    tuple(dict.fromkeys(changed)),
                    ea,
                    eb,
                    ma.layer,
                    mb.layer,
                    ha,
                    hb,
                )
            )
    return tuple(out), tuple(unhashed)


# --- JSON ------------------------------------------------------------------------------


def _entry_side(e: Entry | None, layer: int | None, sha: str | None) -> dict[str, Any] | None:
    if e is None:
        return None
    obj: dict[str, Any] = {
        "type": e.type.value,
        "size": e.size,
        "mode": e.mode,
        "modeString": e.mode_string,
        "uid": e.uid,
        "gid": e.gid,
        "layer": layer,
    }
    if e.link is not None:
        obj["linkTarget"] = display_path(e.link)
    if sha is not None:
        obj["sha256"] = sha
    return obj


def _side_json(s: ImageSnapshot) -> dict[str, Any]:
    return {
        "reference": s.display,
        "digest": s.digest,
        "mediaType": s.media_type,
        "config": s.config_descriptor.digest,
        "layers": len(s.layers),
    }


def _config_json(c: ConfigChange) -> dict[str, Any]:
    obj: dict[str, Any] = {"field": c.field, "change": c.change}
    if c.key is not None:
        obj["key"] = c.key
    obj["before"] = c.before
    obj["after"] = c.after
    return obj


def diff_json(d: ImageDiff) -> dict[str, Any]:
    """The whole diff as one JSON-ready object (positions and layers 0-based)."""
    return {
        "a": _side_json(d.a),
        "b": _side_json(d.b),
        "equal": d.equal,
        "manifest": {
            "mediaTypes": [_config_json(c) for c in d.media_types],
            "layers": [
                {
                    "digest": c.digest,
                    "change": c.change,
                    "size": c.size,
                    "positionA": c.position_a,
                    "positionB": c.position_b,
                }
                for c in d.layers
            ],
        },
        "config": [_config_json(c) for c in d.config],
        "history": [
            {
                "change": h.change,
                "index": h.index,
                "createdBy": h.created_by,
                "emptyLayer": h.empty_layer,
            }
            for h in d.history
        ],
        "sizes": [{"name": s.name, "a": s.a, "b": s.b, "delta": s.delta} for s in d.sizes],
        "files": [
            {
                "path": display_path(f.path),
                "change": f.change,
                "attributes": list(f.attributes),
                "a": _entry_side(f.a, f.layer_a, f.sha256_a),
                "b": _entry_side(f.b, f.layer_b, f.sha256_b),
            }
            for f in d.files
        ],
        "uncomparedContent": [display_path(p) for p in d.unhashed],
    }
