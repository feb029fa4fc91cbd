"""An OCI layout for the blob screen: ``acme/api:1.4.0``, a small image, with the
hand-written SBOMs, attestation and signature (tests.support.artifacts) as untagged
referrers, and a hostile SBOM whose package names hold markup and escapes."""

from __future__ import annotations

import json
from pathlib import Path

from regview.registry.oci_layout import LayoutWriter
from tests.support import artifacts, images
from tests.support.images import Blob, Manifest

REPO = "acme/api"
TAG = "1.4.0"

HOSTILE_NAMES = (
    "[bold red]not markup[/]",
    "\x1b]0;pwned\x07title",
    "<script>alert(1)</script>",
    "bidi\u202eflipped",
)


def hostile_sbom() -> bytes:
    return json.dumps(
        {
            "spdxVersion": "SPDX-2.3",
            "name": "[link=https://evil.example]click[/link]",
            "creationInfo": {"created": "2024-05-06T07:08:09Z", "creators": ["Tool: \x1b[2J"]},
            "packages": [
                {"name": name, "versionInfo": "1.0\x1b[31m", "SPDXID": f"SPDXRef-{i}"}
                for i, name in enumerate(HOSTILE_NAMES)
            ],
        }
    ).encode()


def big_sbom(count: int) -> bytes:
    return json.dumps(
        {
            "spdxVersion": "SPDX-2.3",
            "name": "big",
            "packages": [
                {"name": f"pkg-{i:06d}", "versionInfo": f"1.{i}", "SPDXID": f"SPDXRef-{i}"}
                for i in range(count)
            ],
        }
    ).encode()


def build(root: Path, *, big: int = 0) -> tuple[Path, Manifest, dict[str, Manifest]]:
    """The layout; the subject image; the artifacts by name (``spdx``, ``cyclonedx``,
    ``attestation``, ``signature``, ``hostile``, and ``big`` when asked)."""
    subject = images.small_image("acme-api")
    found = artifacts.build(subject)
    from regview.registry import media_types as mt

    found["hostile"] = images.artifact(
        "sbom", subject, mt.SPDX_JSON, Blob(mt.SPDX_JSON, hostile_sbom()), {}
    )
    if big:
        found["big"] = images.artifact(
            "sbom", subject, mt.SPDX_JSON, Blob(mt.SPDX_JSON, big_sbom(big)), {}
        )
    writer = LayoutWriter(root / REPO)
    for m in (subject, *found.values()):
        for blob in ([m.config] if m.config else []) + list(m.layers):
            writer.add_blob(blob.data, blob.media_type)
    writer.tag(writer.add_blob(subject.raw, subject.media_type), TAG)
    for m in found.values():
        writer.tag(writer.add_blob(m.raw, m.media_type, artifactType=m.artifact_type), None)
    writer.close()
    return root, subject, found
