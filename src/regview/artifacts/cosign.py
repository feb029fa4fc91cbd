"""cosign signatures: the "simple signing" payload and its descriptor's annotations.

The payload (``application/vnd.dev.cosign.simplesigning.v1+json``) is
``{"critical": {"identity": {"docker-reference"}, "image": {"docker-manifest-digest"},
"type"}, "optional": {...} | null}``. The signature itself, and the signer's
certificate, chain and Rekor bundle, are annotations of the layer descriptor
(``dev.cosignproject.cosign/signature``, ``dev.sigstore.cosign/certificate``,
``dev.sigstore.cosign/chain``, ``dev.sigstore.cosign/bundle``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from regview.artifacts.fields import Problems, mapping
from regview.artifacts.model import Signature

__all__ = [
    "BUNDLE_ANNOTATION",
    "CERTIFICATE_ANNOTATION",
    "CHAIN_ANNOTATION",
    "SIGNATURE_ANNOTATION",
    "decode_simple_signing",
    "is_simple_signing",
]

SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature"
CERTIFICATE_ANNOTATION = "dev.sigstore.cosign/certificate"
CHAIN_ANNOTATION = "dev.sigstore.cosign/chain"
BUNDLE_ANNOTATION = "dev.sigstore.cosign/bundle"
MAX_BUNDLE = 1024 * 1024


def is_simple_signing(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("critical"), dict)


def _get(obj: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def decode_simple_signing(doc: Any, annotations: Mapping[str, str]) -> Signature:
    payload = mapping(doc, "the signature payload")
    problems = Problems()
    critical = mapping(payload.get("critical"), "critical")
    bundle: Any = annotations.get(BUNDLE_ANNOTATION, None)
    if isinstance(bundle, str):
        if len(bundle) > MAX_BUNDLE:
            problems.add(f"the bundle annotation is over {MAX_BUNDLE:,} characters: not decoded")
        else:
            try:
                bundle = json.loads(bundle)
            except (ValueError, RecursionError):
                problems.add("the bundle annotation is not JSON")
    return Signature(
        docker_reference=problems.text(
            "critical.identity", "docker-reference", _get(critical, "identity", "docker-reference")
        ),
        manifest_digest=problems.text(
            "critical.image",
            "docker-manifest-digest",
            _get(critical, "image", "docker-manifest-digest"),
        ),
        type=problems.text("critical", "type", critical.get("type")),
        optional=payload.get("optional"),
        signature=annotations.get(SIGNATURE_ANNOTATION, ""),
        certificate=annotations.get(CERTIFICATE_ANNOTATION, ""),
        chain=annotations.get(CHAIN_ANNOTATION, ""),
        bundle=bundle,
        problems=problems.result(),
    )
