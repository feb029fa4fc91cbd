"""OCI image layouts on disk: a read-only :class:`Source`, and a small writer.

``oci:PATH`` names either one layout (a directory holding ``oci-layout``), which is shown
as one repository named after the directory, or a directory of layouts, each one a
repository named by its path relative to PATH. Tags come from the
``org.opencontainers.image.ref.name`` annotations of ``index.json``.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

from regview.registry import media_types as mt
from regview.registry.blobs import BlobStream, FileBlobStream
from regview.registry.digests import (
    compute_digest,
    parse_descriptor_digest,
    parse_digest,
    verify_digest,
)
from regview.registry.errors import (
    InvalidReference,
    MalformedContent,
    NotFound,
    RegistryError,
    TooLarge,
)
from regview.registry.models import Descriptor, ImageIndex
from regview.registry.parsers import parse_config, parse_descriptor, parse_manifest
from regview.registry.settings import MiB
from regview.registry.source import FetchedConfig, FetchedManifest, Stats

__all__ = ["LayoutWriter", "OciLayoutSource"]

_MAX_WALK_DEPTH = 6


def _tag_of(ref_name: str) -> str:
    """A ref.name may be a bare tag or a whole reference; keep the tag part."""
    slash = ref_name.rfind("/")
    colon = ref_name.rfind(":")
    if colon > slash and "/" in ref_name:
        return ref_name[colon + 1 :]
    return ref_name


class _Layout:
    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self._index: list[Descriptor] | None = None

    def index(self) -> list[Descriptor]:
        if self._index is None:
            raw = self.read_file(self.root / "index.json", "index.json")
            manifest = parse_manifest(raw, mt.OCI_INDEX)
            if not isinstance(manifest, ImageIndex):
                raise MalformedContent(f"{self.root}/index.json is not an image index")
            self._index = list(manifest.manifests)
        return self._index

    def tags(self) -> list[str]:
        seen: dict[str, None] = {}
        for d in self.index():
            name = d.annotations.get(mt.ANNOTATION_REF_NAME)
            if name:
                seen[_tag_of(name)] = None
        return list(seen)

    def find_tag(self, tag: str) -> Descriptor:
        for d in self.index():
            name = d.annotations.get(mt.ANNOTATION_REF_NAME)
            if name is not None and _tag_of(name) == tag:
                return d
        raise NotFound(f"tag {tag!r} not found in {self.root}")

    def blob_path(self, digest: str) -> Path:
        algorithm, _, encoded = parse_digest(digest).partition(":")
        return self.root / "blobs" / algorithm / encoded

    def read_file(self, path: Path, what: str) -> bytes:
        try:
            size = path.stat().st_size
            if size > self.max_bytes:
                raise TooLarge(
                    f"{what} is {size} bytes, over the {self.max_bytes} byte limit",
                    limit=self.max_bytes,
                )
            return path.read_bytes()
        except FileNotFoundError:
            raise NotFound(f"{what} not found in {self.root}") from None
        except OSError as exc:
            raise RegistryError(f"cannot read {what} in {self.root}: {exc.strerror}") from None

    def read_blob(self, digest: str, what: str) -> bytes:
        data = self.read_file(self.blob_path(digest), f"{what} {digest}")
        verify_digest(data, digest, what=what)
        return data


class OciLayoutSource:
    """Read repositories from one OCI layout or a directory of them."""

    def __init__(self, path: str | os.PathLike[str], *, max_body_bytes: int = 4 * MiB) -> None:
        self.path = Path(path).expanduser()
        self.max_body_bytes = max_body_bytes
        self._stats = Stats(local=True)
        self._layouts: dict[str, _Layout] | None = None

    @property
    def name(self) -> str:
        """``oci:PATH``."""
        return f"oci:{self.path}"

    @property
    def identity(self) -> str:
        """``local``."""
        return "local"

    @property
    def stats(self) -> Stats:
        """File reads counted as requests; ``local`` is set."""
        return self._stats

    def _discover(self) -> dict[str, _Layout]:
        if self._layouts is not None:
            return self._layouts
        if not self.path.is_dir():
            raise NotFound(f"{self.path} is not a directory")
        layouts: dict[str, _Layout] = {}
        if (self.path / "oci-layout").is_file():
            layouts[self.path.resolve().name or "image"] = _Layout(self.path, self.max_body_bytes)
        else:
            base_depth = len(self.path.parts)
            for dirpath, dirnames, filenames in os.walk(self.path):
                here = Path(dirpath)
                if "oci-layout" in filenames:
                    name = here.relative_to(self.path).as_posix()
                    layouts[name] = _Layout(here, self.max_body_bytes)
                    dirnames[:] = []
                elif len(here.parts) - base_depth >= _MAX_WALK_DEPTH:
                    dirnames[:] = []
                dirnames.sort()
        if not layouts:
            raise NotFound(f"no OCI image layout found under {self.path}")
        self._layouts = dict(sorted(layouts.items()))
        return self._layouts

    def _layout(self, repository: str) -> _Layout:
        layout = self._discover().get(repository)
        if layout is None:
            raise NotFound(f"repository {repository!r} not found in {self.name}")
        return layout

    async def repositories(self, *, page_size: int | None = None) -> AsyncIterator[list[str]]:
        """The layouts under the path, named by their directory, as one page."""
        names = list(self._discover())
        step = page_size or 1000
        for i in range(0, len(names), step):
            yield names[i : i + step]

    async def tags(self, repository: str) -> AsyncIterator[list[str]]:
        """The ``org.opencontainers.image.ref.name`` values of a layout's index."""
        yield self._layout(repository).tags()

    async def resolve(self, repository: str, reference: str) -> Descriptor:
        """The descriptor of a tag or digest in the layout."""
        layout = self._layout(repository)
        if ":" in reference:
            return (await self.manifest(repository, reference)).descriptor()
        found = layout.find_tag(reference)
        return Descriptor(media_type=found.media_type, digest=found.digest, size=found.size)

    async def manifest(self, repository: str, reference: str) -> FetchedManifest:
        """The manifest a tag or digest names, verified against its digest."""
        layout = self._layout(repository)
        hint: str | None = None
        if ":" in reference:
            try:
                parse_descriptor_digest(reference)
            except InvalidReference:
                raise NotFound(f"tag {reference!r} not found") from None
            digest = parse_digest(reference)  # says why an unverifiable one is not read
        else:
            found = layout.find_tag(reference)
            digest, hint = found.digest, found.media_type
        raw = layout.read_blob(digest, "manifest")
        self._stats.requests += 1
        manifest = parse_manifest(raw, hint)
        media_type = getattr(manifest, "media_type", hint) or mt.OCI_MANIFEST
        return FetchedManifest(repository, digest, media_type, raw, manifest)

    def peek_manifest(self, repository: str, digest: str) -> FetchedManifest | None:
        """The manifest for ``digest``: reading a local file costs no request."""
        try:
            raw = self._layout(repository).read_blob(parse_digest(digest), "manifest")
            manifest = parse_manifest(raw)
        except RegistryError:
            return None
        return FetchedManifest(repository, digest, manifest.media_type, raw, manifest)

    @property
    def meters_pulls(self) -> bool:
        """Always False: local files have no pull budget."""
        return False

    async def config(self, repository: str, descriptor: Descriptor) -> FetchedConfig:
        """The verified, parsed image config a manifest's ``config`` descriptor names."""
        raw = self._layout(repository).read_blob(descriptor.digest, "config")
        self._stats.requests += 1
        return FetchedConfig(descriptor.digest, raw, parse_config(raw))

    async def blob_size(self, repository: str, digest: str) -> int:
        """Size of a blob file."""
        path = self._layout(repository).blob_path(digest)
        try:
            return path.stat().st_size
        except FileNotFoundError:
            raise NotFound(f"blob {digest} not found in {self.name}/{repository}") from None

    @contextlib.asynccontextmanager
    async def open_blob(
        self, repository: str, digest: str, *, offset: int = 0, length: int | None = None
    ) -> AsyncIterator[BlobStream]:
        """Stream a blob file (verified at the end), or a byte range of it."""
        path = self._layout(repository).blob_path(digest)
        try:
            stream = FileBlobStream(path, digest, offset=offset, length=length)
        except FileNotFoundError:
            raise NotFound(f"blob {digest} not found in {self.name}/{repository}") from None
        self._stats.requests += 1
        yield stream

    def layout_header(self, repository: str) -> tuple[str, bytes]:
        """The path and raw bytes of a layout's ``oci-layout`` file (checked by ``lint``)."""
        layout = self._layout(repository)
        path = layout.root / "oci-layout"
        return str(path), layout.read_file(path, "oci-layout")

    def invalidate(self, repository: str | None = None) -> None:
        """Forget what was read of the layouts, so the next listing reads them again."""
        self._layouts = None

    async def referrers(self, repository: str, digest: str) -> list[Descriptor]:
        """Manifests in the layout whose ``subject`` is ``digest``."""
        layout = self._layout(repository)
        parse_digest(digest)
        found: dict[str, Descriptor] = {}
        for d in layout.index():
            if not mt.is_manifest(d.media_type) or d.digest == digest:
                continue
            try:
                fetched = await self.manifest(repository, d.digest)
            except RegistryError:
                continue
            subject = fetched.manifest.subject
            if subject is not None and subject.digest == digest:
                found[d.digest] = _referrer_descriptor(d, fetched)
        fallback_tag = digest.replace(":", "-")
        try:
            tagged = await self.manifest(repository, fallback_tag)
        except NotFound:
            tagged = None
        if tagged is not None and isinstance(tagged.manifest, ImageIndex):
            for d in tagged.manifest.manifests:
                found.setdefault(d.digest, d)
        return list(found.values())

    async def aclose(self) -> None:
        """Nothing to close: present for the Source interface."""
        return None


def _referrer_descriptor(d: Descriptor, fetched: FetchedManifest) -> Descriptor:
    m = fetched.manifest
    return Descriptor(
        media_type=fetched.media_type,
        digest=d.digest,
        size=d.size,
        annotations=dict(m.annotations),
        artifact_type=getattr(m, "artifact_type", None),
    )


class LayoutWriter:
    """Write an OCI image layout: blobs by digest, and an ``index.json`` of tagged roots."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        (self.path / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
        (self.path / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
        self._index: list[dict[str, Any]] = []

    def add_blob(self, data: bytes, media_type: str, **extra: Any) -> Descriptor:
        """Store ``data``; return its descriptor (``extra`` may hold platform/annotations)."""
        digest = compute_digest(data)
        (self.path / "blobs" / "sha256" / digest.split(":", 1)[1]).write_bytes(data)
        obj: dict[str, Any] = {"mediaType": media_type, "digest": digest, "size": len(data)}
        obj.update({k: v for k, v in extra.items() if v is not None})
        return parse_descriptor(obj)

    def add_json(self, obj: Mapping[str, Any], media_type: str, **extra: Any) -> Descriptor:
        data = json.dumps(obj, separators=(",", ":"), sort_keys=False).encode()
        return self.add_blob(data, media_type, **extra)

    def tag(self, descriptor: Descriptor, name: str | None) -> None:
        """List ``descriptor`` in index.json, tagged ``name`` (or untagged when None)."""
        entry = descriptor_json(descriptor)
        if name is not None:
            entry["annotations"] = {**entry.get("annotations", {}), mt.ANNOTATION_REF_NAME: name}
        self._index.append(entry)

    def close(self) -> None:
        index = {"schemaVersion": 2, "mediaType": mt.OCI_INDEX, "manifests": self._index}
        tmp = self.path / "index.json.tmp"
        tmp.write_text(json.dumps(index, indent=2))
        tmp.replace(self.path / "index.json")


def descriptor_json(d: Descriptor) -> dict[str, Any]:
    """A descriptor as the JSON object the specs define."""
    obj: dict[str, Any] = {"mediaType": d.media_type, "digest": d.digest, "size": d.size}
    if d.platform is not None:
        p: dict[str, Any] = {"architecture": d.platform.architecture, "os": d.platform.os}
        if d.platform.variant:
            p["variant"] = d.platform.variant
        if d.platform.os_version:
            p["os.version"] = d.platform.os_version
        obj["platform"] = p
    if d.annotations:
        obj["annotations"] = dict(d.annotations)
    if d.artifact_type:
        obj["artifactType"] = d.artifact_type
    if d.urls:
        obj["urls"] = list(d.urls)
    return obj
