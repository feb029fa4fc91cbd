"""Two images to compare, built here with Python's tarfile, whose differences are known
by construction (the tests write them down by hand, from these layer contents).

A = [BASE, A_TOP]; B = [BASE, B_FIX, B_READD]. BASE is shared. From A to B:

* etc/conf: same size (11 bytes), other content; etc/mode: mode 0644 -> 0755 only;
* etc/gone: deleted by a whiteout; etc/back: deleted, then re-added with the same
  content (no difference); etc/readd: deleted, then re-added with new content;
* bin/tool: a file becomes a symlink to busybox; opt/thing: a file becomes a
  directory holding opt/thing/inner;
* var/cache made opaque: a and b go, c comes;
* data/link: a new hardlink to data/orig (a file of the lower layer); data/copy: a
  regular file in A, a hardlink to data/orig (same content) in B;
* app and app/a-only are only in A.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.layer_builders import Layer, TarBuilder, gz, write_image

PAYLOAD = b"payload\n"


def base_layer() -> bytes:
    return (
        TarBuilder()
        .dir("etc")
        .file("etc/keep", b"keep\n")
        .file("etc/conf", b"colour=red\n")
        .file("etc/mode", b"#!/bin/sh\n")
        .file("etc/gone", b"bye\n")
        .file("etc/back", b"back\n")
        .file("etc/readd", b"old\n")
        .dir("bin")
        .file("bin/tool", b"tool v1\n")
        .dir("var")
        .dir("var/cache")
        .file("var/cache/a", b"A")
        .file("var/cache/b", b"B")
        .dir("opt")
        .file("opt/thing", b"x")
        .dir("data")
        .file("data/orig", PAYLOAD)
        .bytes()
    )


def a_top_layer() -> bytes:
    return (
        TarBuilder()
        .dir("app")
        .file("app/a-only", b"only in a\n")
        .file("data/copy", PAYLOAD)
        .bytes()
    )


def b_fix_layer() -> bytes:
    return (
        TarBuilder()
        .file("etc/conf", b"colour=tan\n")
        .file("etc/mode", b"#!/bin/sh\n", mode=0o755)
        .whiteout("etc/gone")
        .whiteout("etc/back")
        .whiteout("etc/readd")
        .symlink("bin/tool", "busybox")
        .dir("var/cache")
        .opaque("var/cache")
        .file("var/cache/c", b"C")
        .dir("opt/thing")
        .file("opt/thing/inner", b"in\n")
        .hardlink("data/link", "data/orig")
        .hardlink("data/copy", "data/orig")
        .bytes()
    )


def b_readd_layer() -> bytes:
    return TarBuilder().file("etc/back", b"back\n").file("etc/readd", b"new!\n").bytes()


CONFIG_A: dict[str, Any] = {
    "created": "2024-01-01T00:00:00Z",
    "config": {
        "Env": ["PATH=/usr/bin", "MODE=a"],
        "Cmd": ["sh"],
        "WorkingDir": "/",
        "ExposedPorts": {"80/tcp": {}},
        "Labels": {"version": "1", "team": "x"},
    },
    "history": [
        {"created_by": "ADD base /"},
        {"created_by": "COPY app /app"},
    ],
}

CONFIG_B: dict[str, Any] = {
    "created": "2024-01-02T00:00:00Z",
    "config": {
        "Env": ["PATH=/usr/bin", "EXTRA=1"],
        "Entrypoint": ["/init"],
        "Cmd": ["sh", "-c", "run"],
        "User": "app",
        "WorkingDir": "/srv",
        "ExposedPorts": {"80/tcp": {}, "443/tcp": {}},
        "Volumes": {"/data": {}},
        "Labels": {"version": "2", "team": "x", "new": "y"},
    },
    "history": [
        {"created_by": "ADD base /"},
        {"created_by": "RUN patch"},
        {"created_by": "RUN fix"},
    ],
}


def layers_a() -> list[Layer]:
    return [Layer(gz(base_layer())), Layer(gz(a_top_layer()))]


def layers_b() -> list[Layer]:
    return [Layer(gz(base_layer())), Layer(gz(b_fix_layer())), Layer(gz(b_readd_layer()))]


def write_a(root: Path) -> Path:
    return write_image(root, layers_a(), config_fields=CONFIG_A)


def write_b(root: Path) -> Path:
    return write_image(root, layers_b(), config_fields=CONFIG_B)


def write_pair(root: Path, repository: str = "diff/app") -> Path:
    """A directory of layouts holding ``repository`` with A tagged ``1`` and B ``2``."""
    from regview.registry import media_types as mt
    from regview.registry.oci_layout import LayoutWriter, descriptor_json
    from tests.support.layer_builders import diff_id_of

    w = LayoutWriter(root / repository)
    for tag, layers, fields in (("1", layers_a(), CONFIG_A), ("2", layers_b(), CONFIG_B)):
        descriptors = [w.add_blob(layer.blob, layer.media_type) for layer in layers]
        config = {
            "architecture": "amd64",
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": [diff_id_of(x.blob) for x in layers]},
            **fields,
        }
        cfg = w.add_json(config, mt.OCI_CONFIG)
        manifest = {
            "schemaVersion": 2,
            "mediaType": mt.OCI_MANIFEST,
            "config": descriptor_json(cfg),
            "layers": [descriptor_json(d) for d in descriptors],
        }
        w.tag(w.add_json(manifest, mt.OCI_MANIFEST), tag)
    w.close()
    return root
