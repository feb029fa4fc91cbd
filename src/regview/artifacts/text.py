"""A decoded blob as lines for people (``regview blob --decode``).

The lines hold the blob's own strings unchanged (but for the package table's cells,
escaped so the columns line up): the caller makes each line safe for its terminal
(``regview.cli.common.print_lines`` does).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from regview.artifacts.model import Attestation, Decoded, Raw, Sbom, Signature
from regview.textsafe import visible

__all__ = ["MAX_PREDICATE_CHARS", "decoded_lines", "package_lines", "pretty"]

MAX_PREDICATE_CHARS = 1024 * 1024
COLUMNS = ("NAME", "VERSION", "TYPE", "LICENSE", "PURL", "SUPPLIER")


def pretty(value: Any, limit: int = MAX_PREDICATE_CHARS) -> str:
    """``value`` as indented JSON, cut at ``limit`` characters (saying so)."""
    try:
        text = json.dumps(value, indent=2, ensure_ascii=False)
    except (RecursionError, ValueError):
        return "(nested too deep to show)"
    if len(text) > limit:
        return text[:limit] + f"\n… ({len(text) - limit:,} more characters not shown)"
    return text


def _safe(cell: str) -> str:
    # Most cells are printable ASCII: no need to look at each character.
    return cell if cell.isascii() and cell.isprintable() else visible(cell)


def package_lines(sbom: Sbom) -> Iterator[str]:
    """The package table: a header, then one space-aligned row per package (columns as
    wide as their widest cell, capped at 60). Cells are made terminal-safe first
    (:func:`regview.textsafe.visible`), so an escape sequence cannot skew the columns."""
    rows = [
        tuple(_safe(c) for c in (p.name, p.version, p.type, p.license, p.purl, p.supplier))
        for p in sbom.packages
    ]
    widths = [len(c) for c in COLUMNS]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = min(60, max(widths[i], len(cell)))
    for row in (COLUMNS, *rows):
        yield "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()


def _sbom_header(sbom: Sbom) -> Iterator[str]:
    yield f"{sbom.format_label} SBOM: {sbom.name or '(unnamed)'}"
    if sbom.created:
        yield f"created: {sbom.created}"
    for creator in sbom.creators:
        yield f"creator: {creator}"
    n = len(sbom.packages)
    yield f"{n:,} package{'' if n == 1 else 's'}"


def _problems(problems: tuple[str, ...]) -> Iterator[str]:
    for problem in problems:
        yield f"problem: {problem}"


def decoded_lines(decoded: Decoded) -> Iterator[str]:
    """What ``--decode`` prints for ``decoded``."""
    if isinstance(decoded, Sbom):
        yield from _sbom_header(decoded)
        yield from _problems(decoded.problems)
        yield ""
        yield from package_lines(decoded)
    elif isinstance(decoded, Attestation):
        yield "in-toto attestation" + (" (DSSE envelope)" if decoded.envelope else "")
        if decoded.envelope:
            yield f"payload type: {decoded.payload_type}"
            for sig in decoded.signatures:
                yield f"signature: keyid {sig.keyid or '(none)'}  {sig.sig}"
        yield f"statement: {decoded.statement_type}"
        yield f"predicate type: {decoded.predicate_type}"
        for subject in decoded.subjects:
            digests = ", ".join(f"{a}:{h}" for a, h in subject.digests) or "(no digest)"
            yield f"subject: {subject.name or '(unnamed)'}  {digests}"
        yield from _problems(decoded.problems)
        if decoded.sbom is not None:
            yield ""
            yield from _sbom_header(decoded.sbom)
            yield from package_lines(decoded.sbom)
        else:
            yield "predicate:"
            yield from pretty(decoded.predicate).split("\n")
    elif isinstance(decoded, Signature):
        yield "cosign signature (simple signing)"
        yield f"docker-reference: {decoded.docker_reference}"
        yield f"docker-manifest-digest: {decoded.manifest_digest}"
        yield f"type: {decoded.type}"
        yield f"signature: {decoded.signature or '(no annotation)'}"
        if decoded.certificate:
            yield "certificate:"
            yield from decoded.certificate.strip().split("\n")
        if decoded.chain:
            yield "chain:"
            yield from decoded.chain.strip().split("\n")
        if decoded.bundle is not None:
            yield "bundle:"
            yield from pretty(decoded.bundle).split("\n")
        yield from _problems(decoded.problems)
        yield "optional:"
        yield from pretty(decoded.optional).split("\n")
    else:
        yield from raw_lines(decoded)


def raw_lines(raw: Raw) -> Iterator[str]:
    what = {"json": "JSON", "text": "text", "binary": "binary data"}.get(raw.kind, raw.kind)
    yield f"{what}, {raw.size:,} bytes"
    if raw.note:
        yield raw.note
    if raw.problem:
        yield f"problem: {raw.problem}"
    yield ""
    yield from raw.preview.split("\n")
    if raw.truncated:
        shown = f"… the first {raw.shown_bytes:,} of {raw.size:,} bytes shown"
        yield f"{shown}; -o FILE saves all of it"
