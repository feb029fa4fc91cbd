"""What :class:`~regview.tui.screens.artifact.ArtifactScreen` draws of a decoded blob,
as Rich renderables: an SBOM's header, an attestation, a signature, or a raw preview.
Every string from the blob is drawn as literal text (:func:`regview.tui.text.literal`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from regview.artifacts import Attestation, Raw, Sbom, Signature, pretty
from regview.tui.text import error_text, literal

__all__ = ["attestation_view", "raw_view", "sbom_view", "signature_view"]

MAX_JSON_LINES = 5000
"""Lines of a predicate (or other JSON) drawn; the rest is counted."""


def _fields(rows: Sequence[tuple[str, RenderableType | str | None]]) -> Table:
    table = Table.grid(padding=(0, 1))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for key, value in rows:
        if value is None or value == "":
            continue
        table.add_row(key, literal(value, limit=500) if isinstance(value, str) else value)
    return table


def _lines(value: str, limit: int = 100) -> Text | None:
    """A multi-line value (a PEM certificate) line by line, each line literal."""
    lines = value.strip().split("\n")
    if not value.strip():
        return None
    shown = Text("\n", end="").join(literal(line, limit=200) for line in lines[:limit])
    if len(lines) > limit:
        shown.append(f"\n… {len(lines) - limit:,} more lines", style="dim")
    return shown


def _json_view(value: Any) -> Syntax:
    lines = pretty(value).split("\n")
    shown = [literal(line, limit=0).plain for line in lines[:MAX_JSON_LINES]]
    if len(lines) > MAX_JSON_LINES:
        shown.append(f"… ({len(lines) - MAX_JSON_LINES:,} more lines not shown)")
    return Syntax(
        "\n".join(shown), "json", theme="monokai", word_wrap=True, background_color="default"
    )


def _problems(problems: Sequence[str]) -> list[RenderableType]:
    return [error_text(p, limit=300) for p in problems]


def _raw_text(raw: Raw) -> RenderableType:
    lines = raw.preview.split("\n")
    if raw.kind == "json":  # pretty already: highlighted, every unsafe character escaped
        shown = "\n".join(literal(line, limit=0).plain for line in lines)
        return Syntax(shown, "json", theme="monokai", word_wrap=True, background_color="default")
    return Text("\n", end="").join(literal(line, limit=0) for line in lines)


def sbom_view(
    sbom: Sbom, notes: Sequence[RenderableType] = (), title: str | None = None
) -> RenderableType:
    """An SBOM's header: its format, name, creators and package count."""
    rows: list[tuple[str, RenderableType | str | None]] = [
        ("Format", sbom.format_label),
        ("Name", sbom.name),
        ("Created", sbom.created),
        (
            "Creators",
            Text(", ", end="").join(literal(c, limit=120) for c in sbom.creators)
            if sbom.creators
            else None,
        ),
        ("Packages", f"{len(sbom.packages):,}"),
    ]
    parts: list[RenderableType] = []
    if title:
        parts.append(Text(title, style="bold underline"))
    parts += [_fields(rows), *_problems(sbom.problems), *notes]
    return Group(*parts)


def attestation_view(a: Attestation, notes: Sequence[RenderableType] = ()) -> RenderableType:
    """An attestation: its envelope, subjects and predicate type, then the predicate."""
    subjects = (
        Text("\n", end="").join(
            literal(s.name or "(unnamed)", limit=200)
            + Text("  " + ", ".join(f"{k}:{v}" for k, v in s.digests), style="cyan")
            for s in a.subjects
        )
        if a.subjects
        else None
    )
    sigs = (
        Text("\n", end="").join(
            literal(f"keyid {s.keyid or '(none)'}  {s.sig}", limit=200) for s in a.signatures
        )
        if a.signatures
        else None
    )
    rows: list[tuple[str, RenderableType | str | None]] = [
        ("Envelope", "DSSE" if a.envelope else "none (a bare statement)"),
        ("Payload type", a.payload_type),
        ("Signatures", sigs),
        ("Statement", a.statement_type),
        ("Predicate type", a.predicate_type),
        ("Subjects", subjects),
    ]
    parts: list[RenderableType] = [_fields(rows), *_problems(a.problems), *notes]
    if a.sbom is not None:
        parts += [Text(""), sbom_view(a.sbom, notes, "The predicate: an SBOM")]
    else:
        parts += [Text(""), Text("Predicate", style="bold underline"), _json_view(a.predicate)]
    return Group(*parts)


def signature_view(s: Signature, notes: Sequence[RenderableType] = ()) -> RenderableType:
    """A signature: its payload and its descriptor's signature material."""
    bundle = _json_view(s.bundle) if s.bundle not in (None, "") else None
    rows: list[tuple[str, RenderableType | str | None]] = [
        ("Type", s.type),
        ("Reference", s.docker_reference),
        ("Signed digest", s.manifest_digest),
        ("Signature", s.signature or Text("(no signature annotation)", style="dim")),
        ("Certificate", _lines(s.certificate)),
        ("Chain", _lines(s.chain)),
    ]
    parts: list[RenderableType] = [_fields(rows), *_problems(s.problems), *notes]
    if bundle is not None:
        parts += [Text(""), Text("Bundle", style="bold underline"), bundle]
    if s.optional is not None:
        parts += [Text(""), Text("Optional", style="bold underline"), _json_view(s.optional)]
    return Group(*parts)


def raw_view(raw: Raw, notes: Sequence[RenderableType] = ()) -> RenderableType:
    """A blob no decoder knows: a bounded text or hex preview."""
    parts: list[RenderableType] = []
    what = {"json": "JSON", "text": "Text", "binary": "Binary data"}.get(raw.kind, raw.kind)
    parts.append(Text(f"{what}, {raw.size:,} bytes", style="bold"))
    if raw.note:
        parts.append(Text(raw.note, style="yellow"))
    if raw.problem:
        parts.append(error_text(raw.problem))
    parts += notes
    parts.append(Text(""))
    parts.append(_raw_text(raw))
    if raw.truncated:
        parts.append(
            Text(
                f"… the first {raw.shown_bytes:,} of {raw.size:,} bytes shown; "
                "regview blob REF -o FILE saves all of it",
                style="dim",
            )
        )
    return Group(*parts)
