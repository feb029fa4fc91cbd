"""Deterministic OCI layouts for the TUI tests (a stand-in for ``regview.demo``)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from regview.registry import media_types as mt
from regview.registry.models import Descriptor
from regview.registry.oci_layout import LayoutWriter, descriptor_json

CREATED = "2024-03-05T10:20:30.123456789Z"


def _layer(
    writer: LayoutWriter, seed: str, size: int, media_type: str = mt.OCI_LAYER_GZIP
) -> Descriptor:
    block = hashlib.sha256(seed.encode()).digest()
    data = (block * (size // len(block) + 1))[:size]
    return writer.add_blob(data, media_type)


def _config(arch: str, *, variant: str | None = None, docker: bool = False,
            layers: int = 2, created: str = CREATED) -> dict[str, Any]:
    history: list[dict[str, Any]] = []
    for i in range(layers):
        history.append({"created": created, "created_by": f"/bin/sh -c #(nop) ADD file:{i} in / "})
        if i == 0:
            history.append({"created": created, "created_by": '/bin/sh -c #(nop)  CMD ["/bin/sh"]',
                            "empty_layer": True})
    cfg: dict[str, Any] = {
        "architecture": arch,
        "os": "linux",
        "created": created,
        "config": {
            "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "LANG=C.UTF-8"],
            "Entrypoint": ["/docker-entrypoint.sh"],
            "Cmd": ["nginx", "-g", "daemon off;"],
            "User": "app",
            "WorkingDir": "/srv",
            "ExposedPorts": {"80/tcp": {}, "443/tcp": {}},
            "Volumes": {"/data": {}},
            "Labels": {"org.opencontainers.image.source": "https://example.test/app",
                       "maintainer": "team@example.test"},
        },
        "rootfs": {"type": "layers",
                   "diff_ids": [f"sha256:{hashlib.sha256(f'{arch}{i}'.encode()).hexdigest()}"
                                for i in range(layers)]},
        "history": history,
    }
    if variant:
        cfg["variant"] = variant
    if docker:
        cfg["docker_version"] = "24.0.7"
    return cfg


def _image(writer: LayoutWriter, arch: str, *, variant: str | None = None, docker: bool = False,
           layers: int = 2, seed: str = "", created: str = CREATED) -> Descriptor:
    config_type = mt.DOCKER_CONFIG if docker else mt.OCI_CONFIG
    layer_type = mt.DOCKER_LAYER if docker else mt.OCI_LAYER_GZIP
    config = writer.add_json(_config(arch, variant=variant, docker=docker, layers=layers,
                                     created=created), config_type)
    blobs = [_layer(writer, f"{seed}{arch}{variant}{i}", 2048 * (i + 1) + 100 * len(arch),
                    layer_type) for i in range(layers)]
    manifest_type = mt.DOCKER_MANIFEST if docker else mt.OCI_MANIFEST
    manifest = {
        "schemaVersion": 2,
        "mediaType": manifest_type,
        "config": descriptor_json(config),
        "layers": [descriptor_json(b) for b in blobs],
    }
    platform: dict[str, str] = {"os": "linux", "architecture": arch}
    if variant:
        platform["variant"] = variant
    return writer.add_json(manifest, manifest_type, platform=platform)


def _attestation(writer: LayoutWriter, subject: Descriptor) -> Descriptor:
    config = writer.add_json({"architecture": "unknown", "os": "unknown"}, mt.OCI_CONFIG)
    statement = writer.add_json({"_type": "https://in-toto.io/Statement/v0.1",
                                 "predicateType": "https://slsa.dev/provenance/v0.2"},
                                mt.IN_TOTO,
                                annotations={"in-toto.io/predicate-type":
                                             "https://slsa.dev/provenance/v0.2"})
    manifest = {"schemaVersion": 2, "mediaType": mt.OCI_MANIFEST,
                "config": descriptor_json(config), "layers": [descriptor_json(statement)]}
    return writer.add_json(
        manifest, mt.OCI_MANIFEST,
        platform={"os": "unknown", "architecture": "unknown"},
        annotations={mt.DOCKER_REFERENCE_TYPE: mt.ATTESTATION_MANIFEST,
                     mt.DOCKER_REFERENCE_DIGEST: subject.digest},
    )


def _sbom(writer: LayoutWriter, subject: Descriptor) -> Descriptor:
    empty = writer.add_blob(b"{}", mt.OCI_EMPTY)
    doc = writer.add_json({"spdxVersion": "SPDX-2.3", "name": "app"}, mt.SPDX_JSON)
    manifest = {"schemaVersion": 2, "mediaType": mt.OCI_MANIFEST,
                "artifactType": mt.SPDX_JSON,
                "config": descriptor_json(empty), "layers": [descriptor_json(doc)],
                "subject": {"mediaType": subject.media_type, "digest": subject.digest,
                            "size": subject.size},
                "annotations": {mt.ANNOTATION_CREATED: "2024-03-06T00:00:00Z"}}
    return writer.add_json(manifest, mt.OCI_MANIFEST, artifactType=mt.SPDX_JSON)


DSSE = "application/vnd.dsse.envelope.v1+json"


def cosign(writer: LayoutWriter, subject: Descriptor, layer_type: str,
           annotations: dict[str, str]) -> Descriptor:
    """A manifest as ``cosign sign``/``attest`` pushes it (tagged ``sha256-<hex>.sig``/``.att``
    next to the image; no ``subject``)."""
    payload = writer.add_json(
        {"critical": {"image": {"docker-manifest-digest": subject.digest},
                      "type": "cosign container image signature"}, "optional": None},
        layer_type, annotations=annotations)
    config = writer.add_json(
        {"architecture": "", "created": "0001-01-01T00:00:00Z", "os": "", "config": {},
         "history": [{"created": "0001-01-01T00:00:00Z"}],
         "rootfs": {"type": "layers", "diff_ids": [payload.digest]}}, mt.OCI_CONFIG)
    manifest = {"schemaVersion": 2, "mediaType": mt.OCI_MANIFEST,
                "config": descriptor_json(config), "layers": [descriptor_json(payload)]}
    return writer.add_json(manifest, mt.OCI_MANIFEST)


def cosign_tag(subject: Descriptor, suffix: str) -> str:
    return subject.digest.replace(":", "-") + suffix


def build_layouts(root: Path) -> Path:
    """Three repositories: a multi-arch index, a Docker image with an SBOM, many tags."""
    # library/alpine: multi-arch index with attestation manifests
    w = LayoutWriter(root / "library" / "alpine")
    amd64 = _image(w, "amd64", seed="alpine")
    arm64 = _image(w, "arm64", variant="v8", seed="alpine")
    index = {"schemaVersion": 2, "mediaType": mt.OCI_INDEX,
             "manifests": [descriptor_json(amd64), descriptor_json(arm64),
                           descriptor_json(_attestation(w, amd64)),
                           descriptor_json(_attestation(w, arm64))]}
    index_d = w.add_json(index, mt.OCI_INDEX)
    for tag in ("3.9", "3.10", "3.19", "latest", "3.2"):
        w.tag(index_d, tag)
    # signed and attested with cosign: two tags named after the index's digest
    w.tag(cosign(w, index_d, DSSE,
                 {"predicateType": "https://slsa.dev/provenance/v0.2"}),
          cosign_tag(index_d, ".att"))
    w.tag(cosign(w, index_d, mt.COSIGN_SIGNATURE,
                 {"dev.cosignproject.cosign/signature": "MEUCIQDtest"}),
          cosign_tag(index_d, ".sig"))
    w.close()

    # team/app: Docker schema2 image, with an SBOM whose subject is v1.10
    w = LayoutWriter(root / "team" / "app")
    old = _image(w, "amd64", docker=True, layers=2, seed="old", created="2023-01-02T03:04:05Z")
    new = _image(w, "amd64", docker=True, layers=3, seed="new")
    for tag, d in (("v1.9", old), ("v1.10", new), ("v1.2", old)):
        w.tag(d, tag)
    w.tag(_sbom(w, new), None)
    w.close()

    # tools/many: many tags on one small image
    w = LayoutWriter(root / "tools" / "many")
    small = _image(w, "amd64", layers=1, seed="many")
    for i in range(60):
        w.tag(small, f"build-{i}")
    w.close()
    return root


def write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj))


# --- layouts whose layers are real tars (the files views) ------------------------------

FILE_EPOCH = 1700000000  # 2023-11-14 22:13:20 UTC

#: (path, content) for a file, (path, None) for a directory, (path, "->target") a symlink.
TarEntry = tuple[str, bytes | str | None]

#: Names a hostile layer may hold: markup, escapes, bidi overrides, bytes not UTF-8.
HOSTILE_NAMES = [
    "weird/[bold]x",
    "weird/[@click=app.quit]y",
    "weird/esc\x1b[2Jname",
    "weird/rtl\u202eevil.txt",
    "weird/\udcff\udcfebytes.bin",
]


def _fill(name: str, size: int) -> bytes:
    block = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest().encode()
    return (block * (size // len(block) + 1))[:size]


def tar_gz(entries: list[TarEntry]) -> tuple[bytes, str]:
    """A gzip'd GNU tar of ``entries`` (parents listed first, as image builders do);
    returns (blob, diff_id)."""
    import gzip
    import io
    import tarfile

    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT,
                      encoding="utf-8", errors="surrogateescape") as tar:
        seen: set[str] = set()
        for name, content in entries:
            parts = name.split("/")
            for i in range(1, len(parts)):
                d = "/".join(parts[:i])
                if d not in seen:
                    seen.add(d)
                    info = tarfile.TarInfo(d)
                    info.type = tarfile.DIRTYPE
                    info.mode = 0o755
                    info.mtime = FILE_EPOCH
                    tar.addfile(info)
            info = tarfile.TarInfo(name)
            info.mtime = FILE_EPOCH
            info.uid = info.gid = 0
            if content is None:
                seen.add(name)
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                tar.addfile(info)
            elif isinstance(content, str):
                info.type = tarfile.SYMTYPE
                info.linkname = content.removeprefix("->")
                info.mode = 0o777
                tar.addfile(info)
            else:
                info.size = len(content)
                info.mode = 0o755 if "/bin/" in f"/{name}" else 0o644
                tar.addfile(info, io.BytesIO(content))
    data = raw.getvalue()
    diff_id = f"sha256:{hashlib.sha256(data).hexdigest()}"
    return gzip.compress(data, compresslevel=6, mtime=0), diff_id


#: The amd64 image of files/app:v1, bottom layer first.
AMD64_LAYERS: list[list[TarEntry]] = [
    [
        ("etc/os-release", b"ID=test\n"),
        ("bin/sh", _fill("sh", 4096)),
        ("bin/link", "->sh"),
        ("lib/libc.so", _fill("libc", 30_000)),
        ("usr/share/doc/readme.txt", _fill("readme", 100)),
        ("var/cache/big.bin", _fill("big", 50_000)),
        ("opt/old/a.txt", b"a" * 10),
        ("opt/old/b.txt", b"b" * 20),
    ],
    [
        ("etc/os-release", b"ID=test\nVERSION=2\n"),
        ("usr/bin/app", _fill("app-1", 20_000)),
        ("var/cache/.wh.big.bin", b""),
        ("opt/old/.wh..wh..opq", b""),
        ("opt/old/c.txt", b"c" * 30),
        *[(name, _fill(name, 7)) for name in HOSTILE_NAMES],
    ],
    [
        ("usr/bin/app", _fill("app-2", 25_000)),
        ("usr/share/.wh.doc", b""),
    ],
]

ARM64_LAYERS: list[list[TarEntry]] = [
    [("etc/os-release", b"ID=test\nARCH=arm64\n"), ("bin/arm-only", _fill("arm", 1234))],
]


def _tar_image(writer: LayoutWriter, arch: str, layers: list[list[TarEntry]],
               variant: str | None = None) -> Descriptor:
    blobs: list[Descriptor] = []
    diff_ids: list[str] = []
    for entries in layers:
        data, diff_id = tar_gz(entries)
        blobs.append(writer.add_blob(data, mt.OCI_LAYER_GZIP))
        diff_ids.append(diff_id)
    cfg = _config(arch, variant=variant, layers=len(layers))
    cfg["rootfs"]["diff_ids"] = diff_ids
    config = writer.add_json(cfg, mt.OCI_CONFIG)
    manifest = {"schemaVersion": 2, "mediaType": mt.OCI_MANIFEST,
                "config": descriptor_json(config), "layers": [descriptor_json(b) for b in blobs]}
    platform: dict[str, str] = {"os": "linux", "architecture": arch}
    if variant:
        platform["variant"] = variant
    return writer.add_json(manifest, mt.OCI_MANIFEST, platform=platform)


def build_file_layouts(root: Path) -> Path:
    """``files/app``: ``v1`` a multi-arch index of real tar layers (whiteouts, an opaque
    directory, hostile names); ``broken`` an image whose second layer is not a tar."""
    w = LayoutWriter(root / "files" / "app")
    amd64 = _tar_image(w, "amd64", AMD64_LAYERS)
    arm64 = _tar_image(w, "arm64", ARM64_LAYERS, variant="v8")
    index = {"schemaVersion": 2, "mediaType": mt.OCI_INDEX,
             "manifests": [descriptor_json(amd64), descriptor_json(arm64)]}
    w.tag(w.add_json(index, mt.OCI_INDEX), "v1")
    good, _ = tar_gz(AMD64_LAYERS[0])
    bad = _layer(w, "not a tar", 3000)
    cfg = _config("amd64", layers=2)
    config = w.add_json(cfg, mt.OCI_CONFIG)
    manifest = {"schemaVersion": 2, "mediaType": mt.OCI_MANIFEST,
                "config": descriptor_json(config),
                "layers": [descriptor_json(w.add_blob(good, mt.OCI_LAYER_GZIP)),
                           descriptor_json(bad)]}
    w.tag(w.add_json(manifest, mt.OCI_MANIFEST, platform={"os": "linux", "architecture":
                                                          "amd64"}), "broken")
    w.close()
    return root
