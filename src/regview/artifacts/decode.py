"""Which kind a blob is, from its bytes, its media type and its manifest's artifactType.

The content decides (an SPDX document says ``spdxVersion``, a CycloneDX one
``bomFormat``, a DSSE envelope ``payloadType``...): media types only say what to
expect, and a blob that claims a kind it does not hold is shown raw with the problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from regview.artifacts.cosign import decode_simple_signing, is_simple_signing
from regview.artifacts.fields import MAX_JSON_BYTES, DecodeError, load_json
from regview.artifacts.intoto import decode_envelope, decode_statement, is_envelope, is_statement
from regview.artifacts.model import Decoded
from regview.artifacts.raw import MAX_PREVIEW_BYTES, preview
from regview.artifacts.sbom import decode_cyclonedx, decode_spdx, is_cyclonedx, is_spdx

__all__ = ["LAYER_NOTE", "decode_blob", "expected_kind", "is_layer_type"]

LAYER_NOTE = "a layer of a container image (a tar archive): the files view (f) lists its files"

_LAYER_MARKS = (".tar", "rootfs.diff", "tar+gzip", "tar+zstd")


def is_layer_type(media_type: str) -> bool:
    return any(mark in media_type for mark in _LAYER_MARKS)


def expected_kind(media_type: str, artifact_type: str | None = None) -> str | None:
    """What the media types promise: ``sbom``, ``attestation``, ``signature`` or None."""
    for t in (media_type.lower(), (artifact_type or "").lower()):
        if "spdx" in t or "cyclonedx" in t:
            return "sbom"
        if "in-toto" in t or "dsse" in t or "intoto" in t:
            return "attestation"
        if "cosign.simplesigning" in t:
            return "signature"
    return None


def _looks_json(media_type: str, head: bytes) -> bool:
    t = media_type.lower()
    if t.endswith("+json") or t.endswith("/json"):
        return True
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return stripped in (b"{", b"[")


def decode_blob(
    data: bytes,
    *,
    media_type: str = "",
    artifact_type: str | None = None,
    annotations: Mapping[str, str] | None = None,
    size: int | None = None,
) -> Decoded:
    """Decode ``data``, a blob (or its first bytes when ``size`` says it is bigger).

    Never raises for what the blob holds: whatever cannot be decoded comes back as a
    :class:`~regview.artifacts.model.Raw` preview whose ``problem`` says why.
    """
    total = len(data) if size is None else size
    expected = expected_kind(media_type, artifact_type)
    note = LAYER_NOTE if is_layer_type(media_type) else None
    if note is not None or not _looks_json(media_type, data[:64]):
        problem = None
        if expected is not None:
            problem = f"{media_type or 'the blob'} should be JSON ({expected}), but it is not"
        return preview(data, total, problem=problem, note=note)
    if total > MAX_JSON_BYTES or len(data) < total:
        return preview(
            data,
            total,
            problem=f"the blob is {total:,} bytes, more than the {MAX_JSON_BYTES // 2**20} MiB "
            "regview decodes; save it with -o FILE to read all of it",
        )
    try:
        doc = load_json(data, "the blob")
    except DecodeError as exc:
        return preview(data, total, problem=str(exc))
    try:
        decoded = _classify(doc, annotations or {})
        if decoded is not None:
            return decoded
        problem = None
        if expected is not None:
            problem = f"the JSON is not the {expected} its media type says"
        return preview(data, total, parsed=doc, is_json=True, problem=problem)
    except DecodeError as exc:
        return _json_preview(data, total, doc, str(exc))
    except RecursionError:  # nested too deep to pretty-print
        return preview(data[:MAX_PREVIEW_BYTES], total, problem="the JSON is nested too deep")


def _json_preview(data: bytes, total: int, doc: Any, problem: str) -> Decoded:
    try:
        return preview(data, total, parsed=doc, is_json=True, problem=problem)
    except RecursionError:
        return preview(data, total, problem=problem)


def _classify(doc: Any, annotations: Mapping[str, str]) -> Decoded | None:
    """The decoded blob, or None for JSON of no kind regview knows."""
    if is_spdx(doc):
        return decode_spdx(doc)
    if is_cyclonedx(doc):
        return decode_cyclonedx(doc)
    if is_envelope(doc):
        return decode_envelope(doc)
    if isinstance(doc, dict) and is_envelope(doc.get("dsseEnvelope")):  # a sigstore bundle
        return decode_envelope(doc["dsseEnvelope"])
    if is_statement(doc):
        return decode_statement(doc)
    if is_simple_signing(doc):
        return decode_simple_signing(doc, annotations)
    return None
