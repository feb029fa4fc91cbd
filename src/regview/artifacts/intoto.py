"""in-toto attestations: DSSE envelopes and the Statements they carry.

An envelope is ``{"payloadType", "payload" (base64), "signatures": [{"keyid", "sig"}]}``
(DSSE v1); its payload, when ``payloadType`` is ``application/vnd.in-toto+json``, is an
in-toto Statement: ``_type``, ``subject`` (names and digests), ``predicateType`` and the
``predicate``. Buildx stores bare Statements as layers of its attestation manifests.
SLSA provenance is one predicate among others: it is shown as JSON.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from regview.artifacts.fields import DecodeError, Problems, load_json, mapping, sequence
from regview.artifacts.model import Attestation, Sbom, SignatureEntry, Subject
from regview.artifacts.sbom import decode_cyclonedx, decode_spdx, is_cyclonedx, is_spdx

__all__ = [
    "IN_TOTO_PAYLOAD",
    "decode_envelope",
    "decode_statement",
    "is_envelope",
    "is_statement",
]

IN_TOTO_PAYLOAD = "application/vnd.in-toto+json"


def is_envelope(doc: Any) -> bool:
    return isinstance(doc, dict) and "payloadType" in doc and "payload" in doc


def is_statement(doc: Any) -> bool:
    return isinstance(doc, dict) and "_type" in doc and "predicateType" in doc


def _payload_bytes(payload: Any) -> bytes:
    if not isinstance(payload, str):
        raise DecodeError("the DSSE payload is not a string")
    text = "".join(payload.split())
    try:  # DSSE allows standard and URL-safe base64
        if "-" in text or "_" in text:
            return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise DecodeError("the DSSE payload is not base64") from None


def decode_envelope(doc: Any) -> Attestation:
    envelope = mapping(doc, "the DSSE envelope")
    problems = Problems()
    payload_type = problems.text("envelope", "payloadType", envelope.get("payloadType"))
    signatures = []
    for sig in sequence(envelope.get("signatures"), "signatures", problems):
        if not isinstance(sig, dict):
            problems.add("a signature is not an object")
            continue
        signatures.append(
            SignatureEntry(
                keyid=problems.text("signature", "keyid", sig.get("keyid")),
                sig=problems.text("signature", "sig", sig.get("sig")),
            )
        )
    payload = _payload_bytes(envelope.get("payload"))
    if payload_type != IN_TOTO_PAYLOAD:
        raise DecodeError(
            f"the DSSE payload is of type {payload_type or '(none)'}, not an in-toto statement"
        )
    statement = decode_statement(load_json(payload, "the DSSE payload"), problems)
    return Attestation(
        envelope=True,
        payload_type=payload_type,
        signatures=tuple(signatures),
        statement_type=statement.statement_type,
        subjects=statement.subjects,
        predicate_type=statement.predicate_type,
        predicate=statement.predicate,
        sbom=statement.sbom,
        problems=problems.result(),
    )


def decode_statement(doc: Any, problems: Problems | None = None) -> Attestation:
    statement = mapping(doc, "the in-toto statement")
    own = problems is None
    problems = problems or Problems()
    subjects = []
    for subject in sequence(statement.get("subject"), "subject", problems):
        if not isinstance(subject, dict):
            problems.add("a subject is not an object")
            continue
        digests = subject.get("digest")
        pairs: list[tuple[str, str]] = []
        if isinstance(digests, dict):
            pairs = [(str(k), problems.text("subject", "a digest", v)) for k, v in digests.items()]
        elif digests is not None:
            problems.add("a subject's digest is not an object")
        subjects.append(
            Subject(
                name=problems.text("subject", "name", subject.get("name")), digests=tuple(pairs)
            )
        )
    predicate = statement.get("predicate")
    sbom: Sbom | None = None
    try:
        if is_spdx(predicate):
            sbom = decode_spdx(predicate)
        elif is_cyclonedx(predicate):
            sbom = decode_cyclonedx(predicate)
    except DecodeError as exc:
        problems.add(f"the predicate looks like an SBOM but {exc}")
    return Attestation(
        envelope=False,
        payload_type="",
        signatures=(),
        statement_type=problems.text("statement", "_type", statement.get("_type")),
        subjects=tuple(subjects),
        predicate_type=problems.text("statement", "predicateType", statement.get("predicateType")),
        predicate=predicate,
        sbom=sbom,
        problems=problems.result() if own else (),
    )
