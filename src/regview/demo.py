"""The embedded demo: a directory of OCI image layouts, built on first use.

Deterministic (fixed timestamps, gzip without names or times), so every machine builds
the same bytes and the same digests. Contents:

* ``acme/web``: a multi-arch OCI index (amd64, arm64/v8, arm/v7) with buildx-style
  attestation manifests, several versions, a signature and an SBOM artifact whose
  ``subject`` is the index, and the ``sha256-<hex>`` referrers tag that lists them;
* ``acme/api``: Docker schema2 images (Docker media types throughout);
* ``acme/worker``: a Docker manifest list;
* ``tools/debug``: a single-platform OCI image with labels, env, ports and volumes;
* ``charts/web``: a Helm-chart-like OCI artifact;
* ``stress/many-tags``: one image under 500 tags.
"""

from __future__ import annotations

import atexit
import gzip
import io
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from regview.registry import media_types as mt
from regview.registry.models import Descriptor
from regview.registry.oci_layout import LayoutWriter, descriptor_json

__all__ = ["DEMO_VERSION", "build_demo", "demo_path"]

DEMO_VERSION = "2"
_EPOCH = 1700000000  # 2023-11-14T22:13:20Z
_CREATED = "2024-05-01T12:00:00Z"


_scratch: list[Path] = []


def demo_path(cache_root: Path | None) -> Path:
    """The demo's directory under ``cache_root``, built first if it is missing.

    With no cache root (``--no-cache``) it is built in a temporary directory, removed
    when the process exits: nothing is left on disk.
    """
    if cache_root is None:
        if not _scratch:
            scratch = Path(tempfile.mkdtemp(prefix="regview-demo-"))
            atexit.register(shutil.rmtree, scratch, ignore_errors=True)
            build_demo(scratch / "demo")
            _scratch.append(scratch / "demo")
        return _scratch[0]
    root = cache_root / f"demo-v{DEMO_VERSION}"
    if (root / ".complete").is_file():
        return root
    root.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=root.parent, prefix=".demo-"))
    try:
        build_demo(tmp)
        (tmp / ".complete").write_text("ok\n")
        try:
            os.replace(tmp, root)
        except OSError:
            # Another process built it first, or an old incomplete one is in the way.
            if not (root / ".complete").is_file():
                shutil.rmtree(root, ignore_errors=True)
                os.replace(tmp, root)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return root


def _tar_gz(files: Sequence[tuple[str, bytes]]) -> tuple[bytes, str]:
    """A gzip'd tar of ``files``; returns (compressed bytes, diff_id of the tar)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        dirs: set[str] = set()
        for name, data in files:
            parts = name.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                d = "/".join(parts[:i])
                if d not in dirs:
                    dirs.add(d)
                    info = tarfile.TarInfo(d)
                    info.type = tarfile.DIRTYPE
                    info.mode = 0o755
                    info.mtime = _EPOCH
                    tar.addfile(info)
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o755 if name.startswith(("bin/", "usr/bin/")) else 0o644
            info.mtime = _EPOCH
            tar.addfile(info, io.BytesIO(data))
    tar_bytes = raw.getvalue()
    from regview.registry.digests import compute_digest

    return gzip.compress(tar_bytes, compresslevel=6, mtime=0), compute_digest(tar_bytes)


def _filler(name: str, size: int) -> bytes:
    seed = name.encode()
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += f"{seed.decode()}:{counter:08d}\n".encode()
        counter += 1
    return bytes(out[:size])


class _Builder:
    def __init__(self, writer: LayoutWriter, docker: bool = False) -> None:
        self.w = writer
        self.docker = docker

    def layer(self, files: Sequence[tuple[str, bytes]]) -> tuple[Descriptor, str]:
        data, diff_id = _tar_gz(files)
        media_type = mt.DOCKER_LAYER if self.docker else mt.OCI_LAYER_GZIP
        return self.w.add_blob(data, media_type), diff_id

    def image(
        self,
        *,
        arch: str,
        variant: str | None = None,
        layers: Sequence[Sequence[tuple[str, bytes]]],
        history: Sequence[tuple[str, bool]],
        config: dict[str, Any],
        annotations: dict[str, str] | None = None,
    ) -> Descriptor:
        descs: list[Descriptor] = []
        diff_ids: list[str] = []
        for files in layers:
            d, diff_id = self.layer(files)
            descs.append(d)
            diff_ids.append(diff_id)
        cfg: dict[str, Any] = {
            "created": _CREATED,
            "architecture": arch,
            "os": "linux",
            "config": config,
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": [
                {"created": _CREATED, "created_by": by, **({"empty_layer": True} if empty else {})}
                for by, empty in history
            ],
        }
        if variant:
            cfg["variant"] = variant
        config_type = mt.DOCKER_CONFIG if self.docker else mt.OCI_CONFIG
        config_desc = self.w.add_json(cfg, config_type)
        manifest: dict[str, Any] = {
            "schemaVersion": 2,
            "mediaType": mt.DOCKER_MANIFEST if self.docker else mt.OCI_MANIFEST,
            "config": descriptor_json(config_desc),
            "layers": [descriptor_json(d) for d in descs],
        }
        if annotations:
            manifest["annotations"] = annotations
        platform = {
            "architecture": arch,
            "os": "linux",
            **({"variant": variant} if variant else {}),
        }
        return self.w.add_json(manifest, manifest["mediaType"], platform=platform)

    def attestation(self, subject: Descriptor) -> Descriptor:
        statement = {
            "_type": "https://in-toto.io/Statement/v0.1",
            "predicateType": "https://slsa.dev/provenance/v0.2",
            "subject": [{"name": "demo", "digest": {"sha256": subject.digest.split(":")[1]}}],
            "predicate": {"builder": {"id": "regview-demo"}},
        }
        layer = self.w.add_json(
            statement,
            mt.IN_TOTO,
            annotations={"in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2"},
        )
        cfg = self.w.add_json(
            {
                "architecture": "unknown",
                "os": "unknown",
                "config": {},
                "rootfs": {"type": "layers", "diff_ids": [layer.digest]},
            },
            mt.OCI_CONFIG,
        )
        manifest = {
            "schemaVersion": 2,
            "mediaType": mt.OCI_MANIFEST,
            "config": descriptor_json(cfg),
            "layers": [descriptor_json(layer)],
        }
        return self.w.add_json(
            manifest,
            mt.OCI_MANIFEST,
            platform={"architecture": "unknown", "os": "unknown"},
            annotations={
                mt.DOCKER_REFERENCE_TYPE: mt.ATTESTATION_MANIFEST,
                mt.DOCKER_REFERENCE_DIGEST: subject.digest,
            },
        )

    def index(self, manifests: Sequence[Descriptor], media_type: str = mt.OCI_INDEX) -> Descriptor:
        body = {
            "schemaVersion": 2,
            "mediaType": media_type,
            "manifests": [descriptor_json(d) for d in manifests],
        }
        return self.w.add_json(body, media_type)

    def artifact(
        self,
        artifact_type: str,
        blobs: Sequence[tuple[bytes, str, dict[str, str]]],
        *,
        subject: Descriptor | None = None,
        annotations: dict[str, str] | None = None,
    ) -> Descriptor:
        empty = self.w.add_blob(b"{}", mt.OCI_EMPTY)
        layers = [self.w.add_blob(data, media, annotations=ann) for data, media, ann in blobs]
        body: dict[str, Any] = {
            "schemaVersion": 2,
            "mediaType": mt.OCI_MANIFEST,
            "artifactType": artifact_type,
            "config": descriptor_json(empty),
            "layers": [descriptor_json(d) for d in layers],
        }
        if subject is not None:
            body["subject"] = {
                "mediaType": subject.media_type,
                "digest": subject.digest,
                "size": subject.size,
            }
        if annotations:
            body["annotations"] = annotations
        return self.w.add_json(
            body, mt.OCI_MANIFEST, artifactType=artifact_type, annotations=annotations
        )


_BASE_FILES = [
    ("etc/os-release", b'NAME="Demo Linux"\nID=demo\nVERSION_ID=3.19\n'),
    ("bin/sh", _filler("sh", 4096)),
    ("lib/libc.so", _filler("libc", 60_000)),
]


def _web(root: Path) -> None:
    w = LayoutWriter(root / "acme" / "web")
    b = _Builder(w)
    versions = ["1.8.0", "1.9.0", "1.9.3", "1.10.0", "2.0.0-rc.1"]
    last_index: Descriptor | None = None
    for n, version in enumerate(versions):
        images: list[Descriptor] = []
        for arch, variant in (("amd64", None), ("arm64", "v8"), ("arm", "v7")):
            app = _filler(f"web-{version}-{arch}", 20_000 + 5_000 * n)
            image = b.image(
                arch=arch,
                variant=variant,
                layers=[
                    _BASE_FILES,
                    [("usr/bin/web", app), ("srv/www/index.html", b"<h1>hi</h1>")],
                ],
                history=[
                    ("ADD rootfs.tar.gz / # buildkit", False),
                    ('CMD ["/bin/sh"]', True),
                    ("COPY web /usr/bin/web # buildkit", False),
                    ("EXPOSE map[8080/tcp:{}]", True),
                    ('ENTRYPOINT ["/usr/bin/web"]', True),
                ],
                config={
                    "User": "65532:65532",
                    "WorkingDir": "/srv/www",
                    "Entrypoint": ["/usr/bin/web"],
                    "Cmd": ["--listen", ":8080"],
                    "Env": [
                        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                        f"WEB_VERSION={version}",
                    ],
                    "ExposedPorts": {"8080/tcp": {}},
                    "Labels": {
                        "org.opencontainers.image.source": "https://example.com/acme/web",
                        "org.opencontainers.image.version": version,
                        "org.opencontainers.image.licenses": "MIT",
                    },
                    "StopSignal": "SIGTERM",
                },
            )
            images.append(image)
        attestations = [b.attestation(img) for img in images[:2]]
        index = b.index([*images, *attestations])
        w.tag(index, version)
        last_index = index
    assert last_index is not None
    w.tag(last_index, "latest")
    sig = b.artifact(
        mt.COSIGN_ARTIFACT_SIG,
        [
            (
                b'{"critical":{"image":{}}}',
                mt.COSIGN_SIGNATURE,
                {"dev.cosignproject.cosign/signature": "MEUCIQDdemo"},
            )
        ],
        subject=last_index,
        annotations={"org.opencontainers.image.created": _CREATED},
    )
    sbom = b.artifact(
        mt.SPDX_JSON,
        [(json.dumps(_DEMO_SBOM, indent=2).encode(), mt.SPDX_JSON, {})],
        subject=last_index,
        annotations={"org.opencontainers.image.created": _CREATED},
    )
    w.tag(sig, None)
    w.tag(sbom, None)
    referrers = b.index([sig, sbom])
    w.tag(referrers, last_index.digest.replace(":", "-"))
    w.close()


_DEMO_SBOM = {
    "spdxVersion": "SPDX-2.3",
    "dataLicense": "CC0-1.0",
    "SPDXID": "SPDXRef-DOCUMENT",
    "name": "acme/web",
    "documentNamespace": "https://example.com/spdx/acme-web",
    "creationInfo": {"created": _CREATED, "creators": ["Tool: regview-demo"]},
    "packages": [
        {
            "name": name,
            "SPDXID": f"SPDXRef-Package-{i}",
            "versionInfo": version,
            "downloadLocation": "NOASSERTION",
            "licenseDeclared": licence,
            "externalRefs": [
                {
                    "referenceCategory": "PACKAGE-MANAGER",
                    "referenceType": "purl",
                    "referenceLocator": purl,
                }
            ],
        }
        for i, (name, version, licence, purl) in enumerate(
            [
                ("musl", "1.2.5-r0", "MIT", "pkg:apk/alpine/musl@1.2.5-r0"),
                ("busybox", "1.36.1-r29", "GPL-2.0-only", "pkg:apk/alpine/busybox@1.36.1-r29"),
                ("nginx", "1.26.2-r0", "BSD-2-Clause", "pkg:apk/alpine/nginx@1.26.2-r0"),
                ("openssl", "3.3.2-r0", "Apache-2.0", "pkg:apk/alpine/openssl@3.3.2-r0"),
            ]
        )
    ],
}
"""The demo's SBOM: a small SPDX document, so the blob screen has packages to show."""


def _api(root: Path) -> None:
    w = LayoutWriter(root / "acme" / "api")
    b = _Builder(w, docker=True)
    for n, tag in enumerate(["v1", "v2", "v3"]):
        image = b.image(
            arch="amd64",
            layers=[
                _BASE_FILES,
                [("app/api.py", _filler(f"api-{tag}", 8_000 + n * 1000))],
                [("app/requirements.txt", b"httpx\n")],
            ],
            history=[
                ("/bin/sh -c #(nop) ADD file:demo in / ", False),
                ('/bin/sh -c #(nop)  CMD ["sh"]', True),
                ("/bin/sh -c #(nop) COPY file:api.py in /app ", False),
                ("/bin/sh -c pip install -r /app/requirements.txt", False),
                ("/bin/sh -c #(nop)  USER api", True),
            ],
            config={
                "User": "api",
                "WorkingDir": "/app",
                "Cmd": ["python", "/app/api.py"],
                "Env": ["PYTHONUNBUFFERED=1", f"API_VERSION={tag}"],
                "ExposedPorts": {"8000/tcp": {}, "9090/tcp": {}},
                "Volumes": {"/data": {}},
                "Labels": {"maintainer": "api-team@example.com"},
            },
        )
        w.tag(image, tag)
        if tag == "v3":
            w.tag(image, "latest")
    w.close()


def _worker(root: Path) -> None:
    w = LayoutWriter(root / "acme" / "worker")
    b = _Builder(w, docker=True)
    images = [
        b.image(
            arch=arch,
            variant=variant,
            layers=[_BASE_FILES, [("usr/bin/worker", _filler(f"worker-{arch}", 30_000))]],
            history=[("ADD rootfs", False), ("COPY worker", False)],
            config={"Entrypoint": ["/usr/bin/worker"], "Env": ["QUEUE=jobs"]},
        )
        for arch, variant in (("amd64", None), ("arm64", "v8"))
    ]
    w.tag(b.index(images, mt.DOCKER_MANIFEST_LIST), "stable")
    w.close()


def _debug(root: Path) -> None:
    w = LayoutWriter(root / "tools" / "debug")
    b = _Builder(w)
    image = b.image(
        arch="amd64",
        layers=[
            _BASE_FILES,
            [("usr/bin/curl", _filler("curl", 150_000))],
            [("usr/bin/strace", _filler("strace", 90_000))],
        ],
        history=[
            ("ADD rootfs", False),
            ("RUN apk add curl", False),
            ("RUN apk add strace", False),
            ("LABEL purpose=debugging", True),
        ],
        config={
            "Entrypoint": ["/bin/sh", "-c"],
            "Cmd": ["sleep infinity"],
            "Env": ["PATH=/usr/bin:/bin", "TERM=xterm-256color"],
            "Labels": {"purpose": "debugging", "org.opencontainers.image.title": "debug tools"},
        },
        annotations={"org.opencontainers.image.description": "A toolbox image"},
    )
    w.tag(image, "latest")
    w.tag(image, "2024.05")
    w.close()


def _chart(root: Path) -> None:
    w = LayoutWriter(root / "charts" / "web")
    b = _Builder(w)
    chart = b.artifact(
        "application/vnd.cncf.helm.config.v1+json",
        [(_filler("chart", 3_000), "application/vnd.cncf.helm.chart.content.v1.tar+gzip", {})],
        annotations={
            "org.opencontainers.image.title": "web",
            "org.opencontainers.image.version": "0.3.1",
        },
    )
    w.tag(chart, "0.3.1")
    w.close()


def _many_tags(root: Path) -> None:
    w = LayoutWriter(root / "stress" / "many-tags")
    b = _Builder(w)
    image = b.image(
        arch="amd64",
        layers=[[("hello.txt", b"hello\n")]],
        history=[("COPY hello.txt /", False)],
        config={"Cmd": ["cat", "/hello.txt"]},
    )
    for major in range(5):
        for minor in range(100):
            w.tag(image, f"{major}.{minor}")
    w.close()


def build_demo(root: Path) -> None:
    """Write every demo repository under ``root``."""
    for build in (_web, _api, _worker, _debug, _chart, _many_tags):
        build(root)
