"""What a decoded blob is: an SBOM, an attestation, a signature, or raw text/bytes.

Every string here is as the blob wrote it (untrusted: it may hold markup, escapes or
HTML); whoever shows it makes it safe (:func:`regview.textsafe.visible`, ``rich.text.Text``,
HTML escaping). :meth:`to_json` gives plain JSON values only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Attestation",
    "Decoded",
    "Package",
    "Raw",
    "Sbom",
    "Signature",
    "SignatureEntry",
    "Subject",
]


@dataclass(frozen=True, slots=True)
class Package:
    """One row of an SBOM's package table ("" where the document says nothing)."""

    name: str
    version: str = ""
    type: str = ""
    license: str = ""
    purl: str = ""
    supplier: str = ""

    def to_json(self) -> dict[str, str]:
        return {
            "name": self.name,
            "version": self.version,
            "type": self.type,
            "license": self.license,
            "purl": self.purl,
            "supplier": self.supplier,
        }


@dataclass(frozen=True, slots=True)
class Sbom:
    """An SPDX or CycloneDX JSON document: its header and its package table."""

    format: str  # "SPDX" or "CycloneDX"
    spec_version: str
    name: str
    creators: tuple[str, ...]
    created: str
    packages: tuple[Package, ...]
    problems: tuple[str, ...] = ()
    kind: str = field(default="sbom", init=False)

    @property
    def format_label(self) -> str:
        """``SPDX-2.3`` (SPDX's version names its format already), ``CycloneDX 1.5``."""
        version = self.spec_version
        if version.upper().startswith(self.format.upper()):
            return version
        return f"{self.format} {version}".strip()

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "format": self.format,
            "specVersion": self.spec_version,
            "name": self.name,
            "creators": list(self.creators),
            "created": self.created,
            "packages": [p.to_json() for p in self.packages],
            "problems": list(self.problems),
        }


@dataclass(frozen=True, slots=True)
class Subject:
    """What an in-toto statement speaks of: a name and its digests."""

    name: str
    digests: tuple[tuple[str, str], ...]  # (algorithm, hex), in the document's order

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "digest": dict(self.digests)}


@dataclass(frozen=True, slots=True)
class SignatureEntry:
    """One signature of a DSSE envelope."""

    keyid: str
    sig: str

    def to_json(self) -> dict[str, str]:
        return {"keyid": self.keyid, "sig": self.sig}


@dataclass(frozen=True, slots=True)
class Attestation:
    """An in-toto statement, bare or in a DSSE envelope (``envelope`` True)."""

    envelope: bool
    payload_type: str
    signatures: tuple[SignatureEntry, ...]
    statement_type: str
    subjects: tuple[Subject, ...]
    predicate_type: str
    predicate: Any
    #: The predicate decoded as an SBOM, when it is one (buildx's SPDX attestations).
    sbom: Sbom | None = None
    problems: tuple[str, ...] = ()
    kind: str = field(default="attestation", init=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "envelope": self.envelope,
            "payloadType": self.payload_type,
            "signatures": [s.to_json() for s in self.signatures],
            "statementType": self.statement_type,
            "subjects": [s.to_json() for s in self.subjects],
            "predicateType": self.predicate_type,
            "predicate": self.predicate,
            "sbom": self.sbom.to_json() if self.sbom is not None else None,
            "problems": list(self.problems),
        }


@dataclass(frozen=True, slots=True)
class Signature:
    """A cosign "simple signing" payload and the signature material of its descriptor."""

    docker_reference: str
    manifest_digest: str
    type: str
    optional: Any
    signature: str = ""
    certificate: str = ""
    chain: str = ""
    bundle: Any = None
    problems: tuple[str, ...] = ()
    kind: str = field(default="signature", init=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "dockerReference": self.docker_reference,
            "dockerManifestDigest": self.manifest_digest,
            "type": self.type,
            "optional": self.optional,
            "signature": self.signature,
            "certificate": self.certificate,
            "chain": self.chain,
            "bundle": self.bundle,
            "problems": list(self.problems),
        }


@dataclass(frozen=True, slots=True)
class Raw:
    """Anything else: ``kind`` is ``json``, ``text`` or ``binary``; ``preview`` is the
    beginning of it as text (pretty JSON, the text itself, or a hex dump), bounded.

    ``problem`` says why a blob that claimed to be something more was not decoded;
    ``note`` says what the blob is when that helps (a layer: use the files view).
    """

    kind: str
    preview: str
    size: int
    shown_bytes: int
    problem: str | None = None
    note: str | None = None

    @property
    def truncated(self) -> bool:
        return self.shown_bytes < self.size

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "size": self.size,
            "shownBytes": self.shown_bytes,
            "truncated": self.truncated,
            "preview": self.preview,
            "problem": self.problem,
            "note": self.note,
        }


Decoded = Sbom | Attestation | Signature | Raw
"""What :func:`regview.artifacts.decode_blob` returns."""
