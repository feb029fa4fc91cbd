"""An OCI layout holding one image the OCI image-spec rejects (for the ⚠ section)."""

from __future__ import annotations

import json
from pathlib import Path

from regview.registry import media_types as mt
from regview.registry.oci_layout import LayoutWriter, descriptor_json

UNVERIFIABLE = "sha256+b64:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564"


def build_spec_problems(root: Path) -> Path:
    """``spec/problems:v1``: an ``Env`` entry without ``=`` in its config, a layer ``urls``
    entry that is not a URL, and a layer whose digest regview cannot verify."""
    writer = LayoutWriter(root / "spec" / "problems")
    config = writer.add_json(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {"Env": ["PATH=/usr/bin:/bin", "BROKEN"], "Cmd": ["/app"]},
            "rootfs": {"type": "layers", "diff_ids": ["sha256:" + "1" * 64]},
        },
        mt.OCI_CONFIG,
    )
    layer = writer.add_blob(b"layer bytes", mt.OCI_LAYER_GZIP)
    manifest = {
        "schemaVersion": 2,
        "mediaType": mt.OCI_MANIFEST,
        "config": descriptor_json(config),
        "layers": [
            {**descriptor_json(layer), "urls": ["value"]},
            {"mediaType": mt.OCI_LAYER_GZIP, "digest": UNVERIFIABLE, "size": 1470},
        ],
    }
    writer.tag(writer.add_blob(json.dumps(manifest).encode(), mt.OCI_MANIFEST), "v1")
    writer.close()
    return root
