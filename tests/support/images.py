"""Deterministic test images of every kind regview must read, and OCI layouts holding them.

Everything here is built from fixed inputs (fixed timestamps, gzip ``mtime=0``, sorted
JSON where it matters), so the same call always gives the same bytes and digests. A
:class:`Manifest` keeps the exact bytes of a manifest and of every blob it points at, so
tests can compare what regview prints with what was generated, byte for byte.

Kinds (see :func:`build_all`):

* ``oci-image``: an OCI image manifest with an OCI config and two gzip layers;
* ``docker-image``: a Docker schema2 manifest (Docker media types throughout);
* ``oci-index``: an OCI index of linux/amd64 and linux/arm64/v8 images, each followed by a
  buildx-style attestation manifest (platform unknown/unknown, in-toto layers);
* ``docker-list``: a Docker manifest list of two schema2 images;
* ``sbom`` / ``signature``: OCI artifacts (empty config) whose ``subject`` is ``oci-image``;
* ``referrers``: the OCI 1.1 referrers tag schema index (tag ``sha256-<hex>``) listing them.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from regview.registry import media_types as mt
from regview.registry.oci_layout import LayoutWriter

FIXED_MTIME = 1_700_000_000  # 2023-11-14T22:13:20Z
CREATED = "2024-03-01T12:00:00Z"
BASE_CREATED = "2024-02-01T08:30:00Z"

IN_TOTO_LAYER = "application/vnd.in-toto+json"
IN_TOTO_PREDICATE = "in-toto.io/predicate-type"
COSIGN_SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature"


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def canonical_json(obj: Any) -> bytes:
    """Compact JSON with the keys in the order given (as most pushers write it)."""
    return json.dumps(obj, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Blob:
    media_type: str
    data: bytes
    annotations: Mapping[str, str] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        return sha256_digest(self.data)

    @property
    def size(self) -> int:
        return len(self.data)

    def descriptor(self) -> dict[str, Any]:
        d: dict[str, Any] = {"mediaType": self.media_type, "digest": self.digest, "size": self.size}
        if self.annotations:
            d["annotations"] = dict(self.annotations)
        return d


@dataclass(frozen=True)
class Manifest:
    """A generated manifest (image, artifact or index) and the content it references."""

    kind: str
    media_type: str
    raw: bytes
    config: Blob | None = None
    layers: tuple[Blob, ...] = ()
    children: tuple[Manifest, ...] = ()
    # How a parent index lists this manifest (platform "os/arch[/variant]", annotations).
    platform: str | None = None
    annotations: Mapping[str, str] = field(default_factory=dict)
    artifact_type: str | None = None
    subject: str | None = None

    @property
    def digest(self) -> str:
        return sha256_digest(self.raw)

    @property
    def size(self) -> int:
        return len(self.raw)

    @property
    def json(self) -> dict[str, Any]:
        obj: dict[str, Any] = json.loads(self.raw)
        return obj

    @property
    def config_json(self) -> dict[str, Any]:
        assert self.config is not None
        obj: dict[str, Any] = json.loads(self.config.data)
        return obj

    @property
    def is_index(self) -> bool:
        return self.media_type in mt.INDEX_TYPES

    @property
    def layers_size(self) -> int:
        return sum(b.size for b in self.layers)

    def blobs(self) -> list[Blob]:
        """Every blob of this manifest and its children (config first, then layers)."""
        out: list[Blob] = []
        for child in self.children:
            out.extend(child.blobs())
        if self.config is not None:
            out.append(self.config)
        out.extend(self.layers)
        return out

    def child(self, platform: str) -> Manifest:
        for c in self.children:
            if c.platform == platform:
                return c
        raise KeyError(platform)

    def images(self) -> list[Manifest]:
        """The children that are platform images (not attestation manifests)."""
        return [c for c in self.children if c.platform not in (None, "unknown/unknown")]

    def descriptor(self) -> dict[str, Any]:
        """This manifest as an index entry (or a referrers entry) describes it."""
        d: dict[str, Any] = {"mediaType": self.media_type, "digest": self.digest, "size": self.size}
        if self.platform is not None:
            parts = self.platform.split("/")
            p: dict[str, Any] = {"architecture": parts[1], "os": parts[0]}
            if len(parts) == 3:
                p["variant"] = parts[2]
            d["platform"] = p
        if self.annotations:
            d["annotations"] = dict(self.annotations)
        if self.artifact_type is not None:
            d["artifactType"] = self.artifact_type
        return d


# --------------------------------------------------------------------------- layers


def make_tar(files: Mapping[str, bytes], *, dirs: Sequence[str] = ()) -> bytes:
    """An uncompressed tar of ``files`` with fixed owners and mtimes."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in dirs:
            info = tarfile.TarInfo(name)
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            info.mtime = FIXED_MTIME
            tar.addfile(info)
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o755 if name.startswith(("bin/", "usr/local/bin/")) else 0o644
            info.mtime = FIXED_MTIME
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def gzip_bytes(data: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", fileobj=buf, mode="wb", mtime=0, compresslevel=6) as gz:
        gz.write(data)
    return buf.getvalue()


@dataclass(frozen=True)
class Layer:
    tar: bytes
    blob: Blob

    @property
    def diff_id(self) -> str:
        return sha256_digest(self.tar)


def make_layers(name: str, arch: str, media_type: str) -> list[Layer]:
    """Two small gzip layers whose content depends on ``name`` and ``arch``."""
    base = make_tar(
        {
            "etc/os-release": f'NAME="regview-test"\nID=regview\nARCH={arch}\n'.encode(),
            "bin/app": f"#!/bin/sh\necho {name} on {arch}\n".encode(),
        },
        dirs=["etc", "bin"],
    )
    app = make_tar(
        {
            "srv/app/config.json": canonical_json({"image": name, "arch": arch}),
            "srv/app/README": b"regview integration test image\n" * 8,
        },
        dirs=["srv", "srv/app", "data"],
    )
    return [Layer(t, Blob(media_type, gzip_bytes(t))) for t in (base, app)]


# --------------------------------------------------------------------------- configs


def image_config(
    name: str, os_: str, arch: str, variant: str | None, layers: Sequence[Layer]
) -> dict[str, Any]:
    """A realistic image config: every field regview shows, history with empty layers."""
    cfg: dict[str, Any] = {
        "created": CREATED,
        "author": "regview integration tests",
        "architecture": arch,
        "os": os_,
    }
    if variant:
        cfg["variant"] = variant
    cfg["config"] = {
        "User": "1000:1000",
        "ExposedPorts": {"8080/tcp": {}, "8443/tcp": {}, "5353/udp": {}},
        "Env": [
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            f"APP_NAME={name}",
            "APP_MODE=production",
        ],
        "Entrypoint": ["/bin/app", "--config", "/srv/app/config.json"],
        "Cmd": ["serve", "--port=8080"],
        "Volumes": {"/data": {}, "/var/log/app": {}},
        "WorkingDir": "/srv/app",
        "Labels": {
            "org.opencontainers.image.title": name,
            "org.opencontainers.image.version": "1.2.3",
            "org.opencontainers.image.source": "https://example.invalid/regview-tests",
            "com.example.arch": arch,
        },
        "StopSignal": "SIGTERM",
    }
    cfg["rootfs"] = {"type": "layers", "diff_ids": [layer.diff_id for layer in layers]}
    cfg["history"] = [
        {
            "created": BASE_CREATED,
            "created_by": "/bin/sh -c #(nop) ADD file:0123456789abcdef in / ",
        },
        {
            "created": BASE_CREATED,
            "created_by": '/bin/sh -c #(nop)  CMD ["/bin/sh"]',
            "empty_layer": True,
        },
        {
            "created": CREATED,
            "created_by": f"ENV APP_NAME={name} APP_MODE=production",
            "comment": "buildkit.dockerfile.v0",
            "empty_layer": True,
        },
        {
            "created": CREATED,
            "created_by": "COPY srv/ /srv/ # buildkit",
            "comment": "buildkit.dockerfile.v0",
        },
        {
            "created": CREATED,
            "created_by": 'ENTRYPOINT ["/bin/app" "--config" "/srv/app/config.json"]',
            "comment": "buildkit.dockerfile.v0",
            "empty_layer": True,
        },
    ]
    return cfg


# --------------------------------------------------------------------------- images


def split_platform(platform: str) -> tuple[str, str, str | None]:
    parts = platform.split("/")
    return parts[0], parts[1], parts[2] if len(parts) == 3 else None


def oci_image(name: str, platform: str = "linux/amd64", *, in_index: bool = False) -> Manifest:
    os_, arch, variant = split_platform(platform)
    layers = make_layers(name, platform, mt.OCI_LAYER_GZIP)
    config = Blob(mt.OCI_CONFIG, canonical_json(image_config(name, os_, arch, variant, layers)))
    manifest = {
        "schemaVersion": 2,
        "mediaType": mt.OCI_MANIFEST,
        "config": config.descriptor(),
        "layers": [layer.blob.descriptor() for layer in layers],
        "annotations": {
            "org.opencontainers.image.created": CREATED,
            "org.opencontainers.image.title": name,
        },
    }
    return Manifest(
        kind="oci-image",
        media_type=mt.OCI_MANIFEST,
        raw=canonical_json(manifest),
        config=config,
        layers=tuple(layer.blob for layer in layers),
        platform=platform if in_index else None,
    )


def docker_image(name: str, platform: str = "linux/amd64", *, in_index: bool = False) -> Manifest:
    """A Docker schema2 image. Docker writes its JSON indented by 3 spaces: so do we."""
    os_, arch, variant = split_platform(platform)
    layers = make_layers(name, platform, mt.DOCKER_LAYER)
    config = Blob(mt.DOCKER_CONFIG, canonical_json(image_config(name, os_, arch, variant, layers)))
    manifest = {
        "schemaVersion": 2,
        "mediaType": mt.DOCKER_MANIFEST,
        "config": config.descriptor(),
        "layers": [layer.blob.descriptor() for layer in layers],
    }
    return Manifest(
        kind="docker-image",
        media_type=mt.DOCKER_MANIFEST,
        raw=json.dumps(manifest, indent=3).encode(),
        config=config,
        layers=tuple(layer.blob for layer in layers),
        platform=platform if in_index else None,
    )


def small_image(name: str) -> Manifest:
    """A one-layer OCI image, cheap to copy thousands of times (bulk tags and repositories)."""
    tar = make_tar({"etc/bulk": f"{name}\n".encode()}, dirs=["etc"])
    layer = Blob(mt.OCI_LAYER_GZIP, gzip_bytes(tar))
    config_obj = {
        "created": CREATED,
        "architecture": "amd64",
        "os": "linux",
        "config": {"Cmd": ["/bin/true"]},
        "rootfs": {"type": "layers", "diff_ids": [sha256_digest(tar)]},
        "history": [{"created": CREATED, "created_by": "COPY bulk /etc/bulk"}],
    }
    config = Blob(mt.OCI_CONFIG, canonical_json(config_obj))
    manifest = {
        "schemaVersion": 2,
        "mediaType": mt.OCI_MANIFEST,
        "config": config.descriptor(),
        "layers": [layer.descriptor()],
    }
    return Manifest(
        kind="small-image",
        media_type=mt.OCI_MANIFEST,
        raw=canonical_json(manifest),
        config=config,
        layers=(layer,),
    )


def attestation_manifest(subject: Manifest, name: str) -> Manifest:
    """A buildx attestation manifest: OCI manifest with in-toto layers, unknown/unknown."""
    arch = subject.platform or "unknown"
    statement = {
        "_type": "https://in-toto.io/Statement/v0.1",
        "predicateType": "https://slsa.dev/provenance/v0.2",
        "subject": [{"name": name, "digest": {"sha256": subject.digest.split(":", 1)[1]}}],
        "predicate": {"builder": {"id": "regview-tests"}, "buildType": arch},
    }
    sbom = {
        "_type": "https://in-toto.io/Statement/v0.1",
        "predicateType": "https://spdx.dev/Document",
        "subject": [{"name": name, "digest": {"sha256": subject.digest.split(":", 1)[1]}}],
        "predicate": {"spdxVersion": "SPDX-2.3", "name": f"{name} {arch}"},
    }
    layers = (
        Blob(
            IN_TOTO_LAYER,
            canonical_json(statement),
            {IN_TOTO_PREDICATE: "https://slsa.dev/provenance/v0.2"},
        ),
        Blob(IN_TOTO_LAYER, canonical_json(sbom), {IN_TOTO_PREDICATE: "https://spdx.dev/Document"}),
    )
    config_obj = {
        "architecture": "unknown",
        "os": "unknown",
        "config": {},
        "rootfs": {"type": "layers", "diff_ids": [b.digest for b in layers]},
    }
    config = Blob(mt.OCI_CONFIG, canonical_json(config_obj))
    manifest = {
        "schemaVersion": 2,
        "mediaType": mt.OCI_MANIFEST,
        "config": config.descriptor(),
        "layers": [b.descriptor() for b in layers],
    }
    return Manifest(
        kind="attestation",
        media_type=mt.OCI_MANIFEST,
        raw=canonical_json(manifest),
        config=config,
        layers=layers,
        platform="unknown/unknown",
        annotations={
            mt.DOCKER_REFERENCE_DIGEST: subject.digest,
            mt.DOCKER_REFERENCE_TYPE: mt.ATTESTATION_MANIFEST,
        },
    )


PLATFORMS = ("linux/amd64", "linux/arm64/v8")


def oci_index(name: str) -> Manifest:
    children: list[Manifest] = []
    images = [oci_image(f"{name}-{p}", p, in_index=True) for p in PLATFORMS]
    children.extend(images)
    children.extend(attestation_manifest(img, name) for img in images)
    index = {
        "schemaVersion": 2,
        "mediaType": mt.OCI_INDEX,
        "manifests": [c.descriptor() for c in children],
        "annotations": {"org.opencontainers.image.created": CREATED},
    }
    return Manifest(
        kind="oci-index",
        media_type=mt.OCI_INDEX,
        raw=canonical_json(index),
        children=tuple(children),
    )


def docker_list(name: str) -> Manifest:
    children = [docker_image(f"{name}-{p}", p, in_index=True) for p in PLATFORMS]
    index = {
        "schemaVersion": 2,
        "mediaType": mt.DOCKER_MANIFEST_LIST,
        "manifests": [c.descriptor() for c in children],
    }
    return Manifest(
        kind="docker-list",
        media_type=mt.DOCKER_MANIFEST_LIST,
        raw=json.dumps(index, indent=3).encode(),
        children=tuple(children),
    )


EMPTY_CONFIG = Blob(mt.OCI_EMPTY, b"{}")


def artifact(
    kind: str,
    subject: Manifest,
    artifact_type: str,
    layer: Blob,
    annotations: Mapping[str, str],
) -> Manifest:
    """An OCI 1.1 artifact: empty config, ``artifactType``, ``subject`` = ``subject``."""
    manifest = {
        "schemaVersion": 2,
        "mediaType": mt.OCI_MANIFEST,
        "artifactType": artifact_type,
        "config": EMPTY_CONFIG.descriptor(),
        "layers": [layer.descriptor()],
        "subject": {
            "mediaType": subject.media_type,
            "digest": subject.digest,
            "size": subject.size,
        },
        "annotations": dict(annotations),
    }
    return Manifest(
        kind=kind,
        media_type=mt.OCI_MANIFEST,
        raw=canonical_json(manifest),
        config=EMPTY_CONFIG,
        layers=(layer,),
        annotations=dict(annotations),
        artifact_type=artifact_type,
        subject=subject.digest,
    )


def sbom_artifact(subject: Manifest) -> Manifest:
    doc = {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": "regview-test-sbom",
        "creationInfo": {"created": CREATED, "creators": ["Tool: regview-tests"]},
        "packages": [{"name": "app", "SPDXID": "SPDXRef-app", "versionInfo": "1.2.3"}],
    }
    layer = Blob(
        mt.SPDX_JSON, canonical_json(doc), {"org.opencontainers.image.title": "sbom.spdx.json"}
    )
    return artifact(
        "sbom",
        subject,
        mt.SPDX_JSON,
        layer,
        {"org.opencontainers.image.created": CREATED, "org.example.sbom.format": "spdx"},
    )


def signature_artifact(subject: Manifest) -> Manifest:
    payload = {
        "critical": {
            "identity": {"docker-reference": "127.0.0.1/kinds/oci-image"},
            "image": {"docker-manifest-digest": subject.digest},
            "type": "cosign container image signature",
        },
        "optional": None,
    }
    layer = Blob(
        mt.COSIGN_SIGNATURE,
        canonical_json(payload),
        {COSIGN_SIGNATURE_ANNOTATION: "MEUCIQDtestsignaturebytesAAAAAAAAAAAAAAAAAAAAAA=="},
    )
    return artifact(
        "signature",
        subject,
        mt.COSIGN_ARTIFACT_SIG,
        layer,
        {"org.opencontainers.image.created": CREATED, "dev.sigstore.cosign/bundle": "{}"},
    )


def referrers_index(subject: Manifest, referrers: Sequence[Manifest]) -> Manifest:
    """The OCI 1.1 referrers tag schema: an index tagged ``sha256-<hex of subject>``."""
    index = {
        "schemaVersion": 2,
        "mediaType": mt.OCI_INDEX,
        "manifests": [r.descriptor() for r in referrers],
    }
    return Manifest(
        kind="referrers",
        media_type=mt.OCI_INDEX,
        raw=canonical_json(index),
        children=tuple(referrers),
        subject=subject.digest,
    )


def referrers_tag(digest: str) -> str:
    return digest.replace(":", "-")


@dataclass(frozen=True)
class Kinds:
    oci_image: Manifest
    docker_image: Manifest
    oci_index: Manifest
    docker_list: Manifest
    sbom: Manifest
    signature: Manifest
    referrers: Manifest

    def all(self) -> dict[str, Manifest]:
        return {
            "oci-image": self.oci_image,
            "docker-image": self.docker_image,
            "oci-index": self.oci_index,
            "docker-list": self.docker_list,
            "sbom": self.sbom,
            "signature": self.signature,
            "referrers": self.referrers,
        }


def build_all() -> Kinds:
    image = oci_image("regview-oci-image")
    sbom = sbom_artifact(image)
    signature = signature_artifact(image)
    return Kinds(
        oci_image=image,
        docker_image=docker_image("regview-docker-image"),
        oci_index=oci_index("regview-oci-index"),
        docker_list=docker_list("regview-docker-list"),
        sbom=sbom,
        signature=signature,
        referrers=referrers_index(image, [sbom, signature]),
    )


# --------------------------------------------------------------------------- layouts


def write_layout(path: Path, tagged: Mapping[str, Manifest]) -> Path:
    """Write an OCI layout at ``path`` holding each manifest under its tag."""
    writer = LayoutWriter(path)
    written: set[str] = set()

    def store(m: Manifest) -> None:
        for child in m.children:
            store(child)
        for blob in ([m.config] if m.config else []) + list(m.layers):
            if blob.digest not in written:
                writer.add_blob(blob.data, blob.media_type)
                written.add(blob.digest)
        if m.digest not in written:
            writer.add_blob(m.raw, m.media_type)
            written.add(m.digest)

    for tag, manifest in tagged.items():
        store(manifest)
        desc = writer.add_blob(manifest.raw, manifest.media_type)
        writer.tag(desc, tag)
    writer.close()
    return path
