"""Read any blob: SBOMs, attestations, signatures, or text and hex.

No UI here (no Textual, no Jupyter): :func:`decode_blob` takes a blob's bytes, its
descriptor's media type and annotations and its manifest's ``artifactType``, and
returns one of

* :class:`Sbom`: an SPDX JSON (2.2/2.3) or CycloneDX JSON (1.4-1.6) document as a
  package table (:class:`Package`) and its header (:mod:`.sbom`);
* :class:`Attestation`: an in-toto Statement, bare or in a DSSE envelope (:mod:`.intoto`);
* :class:`Signature`: a cosign "simple signing" payload with its descriptor's
  signature, certificate and bundle (:mod:`.cosign`);
* :class:`Raw`: anything else, or what failed to decode, as a bounded preview (pretty
  JSON, text or a hex dump) with the problem in one line (:mod:`.raw`).

JSON is decoded up to :data:`MAX_JSON_BYTES`. Strings stay as the blob wrote them:
display code makes them safe. :func:`decoded_lines` gives the lines ``regview blob
--decode`` prints; :func:`read_for_decoding` reads a blob from a source for it.
"""

from __future__ import annotations

from regview.artifacts.decode import LAYER_NOTE, decode_blob, expected_kind, is_layer_type
from regview.artifacts.fetch import BlobBytes, read_for_decoding
from regview.artifacts.fields import MAX_JSON_BYTES, DecodeError
from regview.artifacts.model import (
    Attestation,
    Decoded,
    Package,
    Raw,
    Sbom,
    Signature,
    SignatureEntry,
    Subject,
)
from regview.artifacts.raw import MAX_PREVIEW_BYTES, hex_dump, is_text
from regview.artifacts.raw import preview as raw_preview
from regview.artifacts.text import decoded_lines, package_lines, pretty

__all__ = [
    "LAYER_NOTE",
    "MAX_JSON_BYTES",
    "MAX_PREVIEW_BYTES",
    "Attestation",
    "BlobBytes",
    "DecodeError",
    "Decoded",
    "Package",
    "Raw",
    "Sbom",
    "Signature",
    "SignatureEntry",
    "Subject",
    "decode_blob",
    "decoded_lines",
    "expected_kind",
    "hex_dump",
    "is_layer_type",
    "is_text",
    "package_lines",
    "pretty",
    "raw_preview",
    "read_for_decoding",
]
