"""``await regview.notebook.blob("HOST/REPO@DIGEST")``: any blob, decoded, in a cell.

What ``regview blob --decode`` shows (:mod:`regview.artifacts`): an SBOM's packages as
the rows (``to_pandas()`` has one row per package: ``name, version, type, license,
purl, supplier``), an attestation's envelope, subjects and predicate, a signature's
payload and signature material, or a bounded text/hex preview. Every string from the
blob is escaped in the HTML (:mod:`regview.notebook.html`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from regview.artifacts import (
    Attestation,
    BlobBytes,
    Decoded,
    Package,
    Raw,
    Sbom,
    Signature,
    decode_blob,
    pretty,
    read_for_decoding,
)
from regview.notebook import html as h
from regview.notebook.cells import SourceArg, _remembering, _resolve
from regview.notebook.table import Column, Table
from regview.registry import InvalidReference, is_digest

__all__ = ["BlobResult", "blob"]

MAX_PRE = 200_000
"""Characters of a predicate, bundle or preview shown in HTML (the document has it all)."""


def _pre(value: str) -> h.Html:
    cut = len(value) > MAX_PRE
    body = h.el(
        "pre", h.text(value[:MAX_PRE], limit=MAX_PRE + 1, keep_newlines=True), style=h.STYLE_PRE
    )
    return h.join([body, h.note(f"{len(value) - MAX_PRE:,} more characters")]) if cut else body


class BlobResult(Table[Package]):
    """One blob, decoded. ``decoded`` is the :mod:`regview.artifacts` value (``kind``:
    ``sbom``, ``attestation``, ``signature``, ``json``, ``text`` or ``binary``); the rows
    are the SBOM's packages (an attestation whose predicate is an SBOM has them too)."""

    noun = "packages"
    columns: ClassVar[tuple[Column, ...]] = (
        Column("name", "code"),
        Column("version", "code"),
        Column("type"),
        Column("license"),
        Column("purl", "code", width=80),
        Column("supplier", optional=True),
    )

    def __init__(self, decoded: Decoded, read: BlobBytes, *, reference: str, digest: str) -> None:
        sbom = decoded if isinstance(decoded, Sbom) else getattr(decoded, "sbom", None)
        super().__init__(sbom.packages if sbom is not None else (), title=reference)
        self.decoded = decoded
        self.kind = decoded.kind
        self.reference = reference
        self.digest = digest
        self.size = read.size
        self.verified = read.verified

    def _what(self) -> str:
        d = self.decoded
        if isinstance(d, Sbom):
            return f"{d.format_label} SBOM"
        if isinstance(d, Attestation):
            return "in-toto attestation" + (" (DSSE)" if d.envelope else "")
        if isinstance(d, Signature):
            return "cosign signature"
        return {"json": "JSON", "text": "text", "binary": "binary data"}.get(d.kind, d.kind)

    def _fields(self) -> list[tuple[str, h.Cell]]:
        d = self.decoded
        if isinstance(d, Sbom):
            return [
                ("name", h.text(d.name)),
                ("created", h.text(d.created)),
                ("creators", h.join([h.text(c) for c in d.creators], ", ")),
            ]
        if isinstance(d, Attestation):
            subjects = h.join(
                [
                    h.el(
                        "div",
                        h.text(s.name),
                        " ",
                        h.code(", ".join(f"{k}:{v}" for k, v in s.digests)),
                    )
                    for s in d.subjects
                ]
            )
            return [
                ("payload type", h.code(d.payload_type) if d.payload_type else None),
                (
                    "signatures",
                    h.join([h.code(s.keyid or "(no keyid)") for s in d.signatures], ", ") or None,
                ),
                ("statement", h.code(d.statement_type)),
                ("predicate type", h.code(d.predicate_type)),
                ("subjects", subjects),
            ]
        if isinstance(d, Signature):
            return [
                ("type", h.text(d.type)),
                ("reference", h.code(d.docker_reference)),
                ("signed digest", h.code(d.manifest_digest)),
                ("signature", h.code(d.signature) if d.signature else None),
                ("certificate", _pre(d.certificate) if d.certificate else None),
            ]
        assert isinstance(d, Raw)
        return [("note", h.text(d.note) if d.note else None)]

    def _problems(self) -> list[str]:
        d = self.decoded
        if isinstance(d, Raw):
            return [d.problem] if d.problem else []
        found = list(d.problems)
        if isinstance(d, Attestation) and d.sbom is not None:
            found += d.sbom.problems
        return found

    def _heading(self) -> h.Html:
        checked = "verified" if self.verified else "first bytes only, not verified"
        head = h.join(
            [
                h.el("b", f"{self._what()} "),
                h.code(self.reference),
                f" ({self.size:,} bytes, {checked})",
            ]
        )
        parts = [head, h.field_table(self._fields())]
        parts += [h.el("div", "⚠ ", h.text(p, limit=300)) for p in self._problems()]
        d = self.decoded
        if isinstance(d, Attestation) and d.sbom is None:
            parts.append(h.details("Predicate", _pre(pretty(d.predicate)), open_=True))
        elif isinstance(d, Signature):
            if d.bundle is not None:
                parts.append(h.details("Bundle", _pre(pretty(d.bundle))))
            parts.append(h.details("Optional", _pre(pretty(d.optional))))
        elif isinstance(d, Raw):
            parts.append(_pre(d.preview))
            if d.truncated:
                parts.append(h.note(f"the first {d.shown_bytes:,} of {d.size:,} bytes shown"))
        return h.join(parts)

    def _repr_html_(self) -> str:
        if self.rows or isinstance(self.decoded, Sbom):
            return super()._repr_html_()
        return str(h.el("div", self._heading(), cls="regview-result", data="blob"))

    def _text_lines(self) -> list[str]:
        from regview.artifacts import decoded_lines

        return [self.reference, *decoded_lines(self.decoded)][: 60 + self.text_rows]

    def _document_header(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "digest": self.digest,
            "size": self.size,
            "verified": self.verified,
            "decoded": self.decoded.to_json(),
        }


async def blob(
    reference: str, *, media_type: str = "", source: SourceArg = None, **settings: Any
) -> BlobResult:
    """The blob ``reference`` (``HOST/REPO@DIGEST``) names, read verified (up to 64 MiB;
    above that, or for a layer, only its first bytes) and decoded.

    Example::

        sbom = await regview.notebook.blob("127.0.0.1:5000/acme/web@sha256:…")
        sbom.to_pandas().groupby("license").size()
    """
    s, src, repository, ref, display = _resolve(reference, source, settings)
    if not is_digest(ref):
        raise InvalidReference(f"a blob is named by its digest (REPO@sha256:…), not {ref!r}")
    with _remembering(s):
        read = await read_for_decoding(src, repository, ref, media_type=media_type)
    decoded = decode_blob(read.data, media_type=media_type, size=read.size)
    return BlobResult(decoded, read, reference=display, digest=ref)
