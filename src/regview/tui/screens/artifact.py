"""``b`` on a referrer or a layer: a blob, decoded (SBOM, attestation, signature) or raw.

The blob is read and decoded by :mod:`regview.artifacts` (whole and verified up to its
cap; a layer, or anything bigger, only its start, said so). An SBOM's packages are a
:class:`~regview.tui.widgets.virtual_list.VirtualList` (a hundred thousand rows draw as
fast as ten); an attestation shows its envelope, subjects and predicate type, then the
predicate as JSON; a signature its payload and its descriptor's signature material.
``r`` opens all of the blob's bytes in the content viewer
(:class:`~regview.tui.screens.content.ContentScreen`: streamed and spooled, never held
in memory; highlighted when it is JSON or text, a hex dump otherwise; a digest mismatch
at the end is shown there). A blob no decoder knows shows a bounded text or hex preview
here. Every string from the blob is drawn as literal text
(:func:`regview.tui.text.literal`).

``/`` over the package table filters it as the tags pane's filter does (the same
:class:`~regview.tui.widgets.filter_input.FilterInput`): a case-insensitive substring of
a package's name, version, purl or license, with ``12 of 4,213 packages`` beside it;
Esc clears it (in the input, or in the table while a filter is on).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

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
from regview.content.source import SpooledContent
from regview.registry import Artifact, Descriptor, ImageManifest, RegistryError, Source
from regview.registry import media_types as mt
from regview.tui.bindings import ARTIFACT_BINDINGS
from regview.tui.screens.content import ContentScreen
from regview.tui.text import error_text, human_size, literal
from regview.tui.widgets.filter_input import FilterInput
from regview.tui.widgets.manifest_tree import NodeData
from regview.tui.widgets.status import Breadcrumb
from regview.tui.widgets.virtual_list import VirtualList

__all__ = [
    "ArtifactScreen",
    "BlobTarget",
    "PackageList",
    "blob_target",
    "name_hint",
    "package_columns",
    "package_detail",
    "package_key",
]

MAX_JSON_LINES = 5000


def name_hint(media_type: str) -> str | None:
    """A file name the viewer picks its highlighting from: JSON and text blobs are
    named so; anything else (a tar, a binary signature) gets no lexer."""
    base = media_type.partition(";")[0].strip().lower()
    if base.endswith(("+json", "/json")) or base == mt.OCI_MANIFEST:
        return "blob.json"
    if base.startswith("text/"):
        return "blob.txt"
    return None


"""Lines of a predicate (or other JSON) drawn; the rest is counted."""


@dataclass(frozen=True)
class BlobTarget:
    """What ``b`` opens: a blob (``descriptor``), or the first blob of a manifest not
    loaded yet (``manifest``: a referrer's digest)."""

    repository: str
    descriptor: Descriptor | None = None
    manifest: str | None = None
    artifact_type: str | None = None
    #: The kind of thing it is, for the header: "SBOM", "layer 2", "referrer"...
    label: str = "blob"
    extra: dict[str, str] = field(default_factory=dict)


def blob_target(node: NodeData) -> BlobTarget | None:
    """What ``b`` opens on ``node``: a layer or config blob, or a referrer's (or an
    attestation manifest's) first layer."""
    d = node.descriptor
    if d is None:
        return None
    if node.kind in ("layer", "config"):
        m = node.parent.manifest if node.parent is not None else None
        artifact_type = m.artifact_type if isinstance(m, Artifact) else None
        what = "config" if node.kind == "config" else f"layer {(node.layer_index or 0) + 1}"
        return BlobTarget(node.repository, d, artifact_type=artifact_type, label=what)
    if node.kind == "manifest" and node.role in ("referrer", "attestation"):
        digest = node.digest or d.digest
        kind = mt.referrer_kind(d.artifact_type) if node.role == "referrer" else node.role
        return BlobTarget(
            node.repository,
            manifest=digest,
            artifact_type=d.artifact_type,
            label=f"{kind} {digest.partition(':')[2][:12]}",
        )
    return None


def is_artifact_layer(node: NodeData) -> bool:
    """A layer of an artifact (an SBOM, a signature...), where Enter opens the blob."""
    return (
        node.kind == "layer"
        and node.parent is not None
        and isinstance(node.parent.manifest, Artifact)
    )


# --- the package table --------------------------------------------------------------------

_FIELDS = ("name", "version", "type", "license", "purl", "supplier")


def package_key(p: Package) -> str:
    """What ``/`` matches of a package: its name, version, purl and license, one to a
    line (a query typed in one line never matches across two fields)."""
    return "\n".join((p.name, p.version, p.purl, p.license))


def package_columns(width: int) -> list[tuple[str, int]]:
    """Which columns fit in ``width`` cells, and how wide each is (a space between)."""
    if width >= 110:
        wanted = [
            ("name", 28),
            ("version", 18),
            ("type", 12),
            ("license", 18),
            ("purl", 0),
            ("supplier", 20),
        ]
    elif width >= 70:
        wanted = [("name", 24), ("version", 14), ("type", 10), ("license", 14), ("purl", 0)]
    else:
        wanted = [("name", max(width // 2, 10)), ("version", 0)]
    used = sum(w + 1 for _, w in wanted if w)
    return [(name, w or max(width - used, 8)) for name, w in wanted]


def _cells(values: dict[str, str] | None, width: int, style: str = "") -> Text:
    text = Text(end="", style=style)
    for i, (name, w) in enumerate(package_columns(width)):
        value = name.upper() if values is None else values[name]
        cell = literal(value, limit=w) if values is not None else Text(value)
        cell.truncate(w, overflow="ellipsis", pad=True)
        if i:
            text.append(" ")
        text.append_text(cell)
    return text


class PackageList(VirtualList):
    """An SBOM's packages, one row each, in columns that fit the width."""

    fuzzy = False

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(empty_text="no packages", id=id)
        self.packages: Sequence[Package] = ()

    def set_packages(self, packages: Sequence[Package]) -> None:
        self.packages = packages
        self.set_items([package_key(p) for p in packages])

    def render_row(self, index: int, width: int) -> Text:
        p = self.packages[index]
        return _cells({f: getattr(p, f) for f in _FIELDS}, width)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A package has nothing to open: the line under the table shows all of it.
        return action != "select"


def package_detail(p: Package) -> Text:
    """Every field of one package, in full (the table cuts them to their columns)."""
    text = Text(end="")
    for i, (key, value) in enumerate(
        (
            ("", p.name),
            ("version ", p.version),
            ("type ", p.type),
            ("license ", p.license),
            ("supplier ", p.supplier),
            ("", p.purl),
        )
    ):
        if not value:
            continue
        if i:
            text.append("  ")
        text.append(key, style="dim")
        text.append_text(literal(value, limit=300, style="bold" if i == 0 else ""))
    return text


# --- the screen -----------------------------------------------------------------------


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


class ArtifactScreen(Screen[None]):
    """One blob, decoded for people, with ``r`` for its raw bytes."""

    BINDINGS: ClassVar[list[BindingType]] = list(ARTIFACT_BINDINGS)
    DEFAULT_CSS = """
    ArtifactScreen #artifact-summary { height: 1; padding: 0 1; background: $panel; }
    ArtifactScreen #artifact-scroll { height: auto; max-height: 60%; padding: 0 1; }
    ArtifactScreen.-table #artifact-scroll { max-height: 45%; }
    ArtifactScreen.-full #artifact-scroll { height: 1fr; max-height: 100%; }
    ArtifactScreen #artifact-columns { display: none; height: 1; padding: 0 1;
        background: $panel; text-style: bold; }
    ArtifactScreen #artifact-packages { display: none; height: 1fr; padding: 0 1; }
    ArtifactScreen.-table #artifact-columns { display: block; }
    ArtifactScreen.-table #artifact-packages { display: block; }
    ArtifactScreen #artifact-package { display: none; height: auto; max-height: 3;
        padding: 0 1; background: $panel; }
    ArtifactScreen.-table #artifact-package { display: block; }
    ArtifactScreen #artifact-filter-row { display: none; height: 1; background: $boost; }
    ArtifactScreen.-table.-filtering #artifact-filter-row { display: block; }
    ArtifactScreen #artifact-filter { width: 1fr; height: 1; border: none; padding: 0 1;
        background: $boost; }
    ArtifactScreen #artifact-count { width: auto; height: 1; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, source: Source, target: BlobTarget) -> None:
        super().__init__()
        self.source = source
        self.target = target
        self.descriptor: Descriptor | None = target.descriptor
        self.artifact_type = target.artifact_type
        self.read: BlobBytes | None = None
        self.decoded: Decoded | None = None
        self.error: str | None = None

    def compose(self) -> ComposeResult:
        yield Breadcrumb(id="header")
        yield Static(id="artifact-summary")
        with VerticalScroll(id="artifact-scroll"):
            yield Static(Text("reading…", style="italic dim"), id="artifact-body")
        with Horizontal(id="artifact-filter-row"):
            yield FilterInput(
                placeholder="filter packages (name, version, purl, license)",
                id="artifact-filter",
            )
            yield Static(id="artifact-count")
        yield Static(id="artifact-columns")
        yield PackageList(id="artifact-packages")
        yield Static(id="artifact-package")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(Breadcrumb).set_path(
            self.source.name, [self.target.repository, self.target.label]
        )
        self.add_class("-full")
        self._load()

    @work(group="artifact", exclusive=True, exit_on_error=False)
    async def _load(self) -> None:
        try:
            d = self.descriptor
            if d is None:
                assert self.target.manifest is not None
                fetched = await self.source.manifest(self.target.repository, self.target.manifest)
                m = fetched.manifest
                if not isinstance(m, ImageManifest) or not m.layers:
                    self._fail(
                        f"{mt.short_name(fetched.media_type)} {fetched.digest[:19]}… has "
                        "no blob to show"
                    )
                    return
                if isinstance(m, Artifact) and m.artifact_type:
                    self.artifact_type = m.artifact_type
                d = self.descriptor = m.layers[0]
                if len(m.layers) > 1:
                    self.target.extra["more"] = (
                        f"blob 1 of {len(m.layers)}: expand the referrer to open another"
                    )
            self._summary()
            read = await read_for_decoding(
                self.source,
                self.target.repository,
                d.digest,
                media_type=d.media_type,
                size=d.size,
            )
            decoded = await asyncio.to_thread(
                decode_blob,
                read.data,
                media_type=d.media_type,
                artifact_type=self.artifact_type,
                annotations=d.annotations,
                size=read.size,
            )
        except (RegistryError, OSError) as exc:  # OSError: a local layout's file went away
            self._fail(str(exc))
            return
        self.read = read
        self.decoded = decoded
        self._summary()
        self._show()

    def _fail(self, message: str) -> None:
        self.error = message
        self.query_one("#artifact-body", Static).update(error_text(message))

    def _summary(self) -> None:
        d = self.descriptor
        text = Text(end="")
        kind = self.decoded.kind if self.decoded is not None else None
        text.append(
            {"sbom": "SBOM", "attestation": "Attestation", "signature": "Signature"}.get(
                kind or "", "Blob"
            ),
            style="bold",
        )
        if d is not None:
            text.append("  ")
            text.append_text(literal(mt.short_name(d.media_type), limit=32, style="blue"))
            text.append(f"  {human_size(d.size)}", style="green")
            text.append("  " + d.digest.partition(":")[2][:12], style="cyan")
        if self.read is not None:
            text.append(
                "  verified"
                if self.read.verified
                else f"  first {human_size(len(self.read.data))} only, unverified",
                style="green" if self.read.verified else "yellow",
            )
        self.query_one("#artifact-summary", Static).update(text)

    # --- views ------------------------------------------------------------------------

    def _show(self) -> None:
        decoded = self.decoded
        if decoded is None:
            return
        body = self.query_one("#artifact-body", Static)
        table = False
        if isinstance(decoded, Sbom):
            body.update(self._sbom_header(decoded))
            table = self._table(decoded.packages)
        elif isinstance(decoded, Attestation):
            body.update(self._attestation(decoded))
            if decoded.sbom is not None:
                table = self._table(decoded.sbom.packages)
        elif isinstance(decoded, Signature):
            body.update(self._signature(decoded))
        else:
            body.update(self._raw(decoded))
        self.set_class(table, "-table")
        self.set_class(not table, "-full")
        if table:
            self.query_one(PackageList).focus()
        else:
            self.query_one("#artifact-scroll", VerticalScroll).focus()
        self._summary()

    def _table(self, packages: Sequence[Package]) -> bool:
        plist = self.query_one(PackageList)
        if plist.packages is not packages:
            plist.set_packages(packages)
        self._columns()
        return True

    def _columns(self) -> None:
        width = self.query_one(PackageList).row_width or self.size.width - 2
        self.query_one("#artifact-columns", Static).update(_cells(None, width))

    def on_virtual_list_highlighted(self, event: VirtualList.Highlighted) -> None:
        plist = self.query_one(PackageList)
        if event.virtual_list is plist and 0 <= event.index < len(plist.packages):
            self.query_one("#artifact-package", Static).update(
                package_detail(plist.packages[event.index])
            )

    # --- the filter (as in the tags pane) ---------------------------------------------

    @property
    def filter_input(self) -> FilterInput:
        return self.query_one("#artifact-filter", FilterInput)

    def action_filter(self) -> None:
        plist = self.query_one(PackageList)
        typed = plist.take_typeahead()
        self.add_class("-filtering")
        self._count(plist.filter_query, plist.row_count, done=True)
        self.set_focus(self.filter_input)
        if typed:
            self.filter_input.insert_text_at_cursor(typed)

    @on(Input.Changed, "#artifact-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.query_one(PackageList).set_filter(event.value)

    @on(FilterInput.Done, "#artifact-filter")
    def _filter_done(self, event: FilterInput.Done) -> None:
        if event.cleared or not self.filter_input.value:
            self._clear_filter()
        else:
            self.set_focus(self.query_one(PackageList))

    def _clear_filter(self) -> None:
        self.filter_input.value = ""
        plist = self.query_one(PackageList)
        plist.set_filter("")
        self.remove_class("-filtering")
        self.set_focus(plist)

    @on(VirtualList.FilterChanged, "#artifact-packages")
    def _filter_count(self, event: VirtualList.FilterChanged) -> None:
        self._count(event.query, event.matched, done=event.done)
        if event.done and not event.matched:
            self.query_one("#artifact-package", Static).update("")

    def _count(self, query: str, matched: int, *, done: bool) -> None:
        total = len(self.query_one(PackageList).packages)
        what = "package" if total == 1 else "packages"
        if query:
            more = "" if done else "…"
            shown = f"{matched:,}{more} of {total:,} {what}"
        else:
            shown = f"{total:,} {what}"
        self.query_one("#artifact-count", Static).update(Text(shown))

    def on_resize(self, event: events.Resize) -> None:
        if self.has_class("-table"):
            self.call_after_refresh(self._columns)

    def _notes(self) -> list[RenderableType]:
        notes: list[RenderableType] = []
        more = self.target.extra.get("more")
        if more:
            notes.append(Text(more, style="dim"))
        return notes

    def _sbom_header(self, sbom: Sbom, title: str | None = None) -> RenderableType:
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
        parts += [_fields(rows), *_problems(sbom.problems), *self._notes()]
        return Group(*parts)

    def _attestation(self, a: Attestation) -> RenderableType:
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
        parts: list[RenderableType] = [_fields(rows), *_problems(a.problems), *self._notes()]
        if a.sbom is not None:
            parts += [Text(""), self._sbom_header(a.sbom, "The predicate: an SBOM")]
        else:
            parts += [Text(""), Text("Predicate", style="bold underline"), _json_view(a.predicate)]
        return Group(*parts)

    def _signature(self, s: Signature) -> RenderableType:
        bundle = _json_view(s.bundle) if s.bundle not in (None, "") else None
        rows: list[tuple[str, RenderableType | str | None]] = [
            ("Type", s.type),
            ("Reference", s.docker_reference),
            ("Signed digest", s.manifest_digest),
            ("Signature", s.signature or Text("(no signature annotation)", style="dim")),
            ("Certificate", _lines(s.certificate)),
            ("Chain", _lines(s.chain)),
        ]
        parts: list[RenderableType] = [_fields(rows), *_problems(s.problems), *self._notes()]
        if bundle is not None:
            parts += [Text(""), Text("Bundle", style="bold underline"), bundle]
        if s.optional is not None:
            parts += [Text(""), Text("Optional", style="bold underline"), _json_view(s.optional)]
        return Group(*parts)

    def _raw(self, raw: Raw) -> RenderableType:
        parts: list[RenderableType] = []
        what = {"json": "JSON", "text": "Text", "binary": "Binary data"}.get(raw.kind, raw.kind)
        parts.append(Text(f"{what}, {raw.size:,} bytes", style="bold"))
        if raw.note:
            parts.append(Text(raw.note, style="yellow"))
        if raw.problem:
            parts.append(error_text(raw.problem))
        parts += self._notes()
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

    # --- actions ----------------------------------------------------------------------

    def action_raw(self) -> None:
        """All of the blob in the content viewer, streamed (verified at its end)."""
        d = self.descriptor
        if d is None:
            return
        source, repository, digest = self.source, self.target.repository, d.digest

        async def produce(write: Callable[[bytes], None]) -> None:
            async with source.open_blob(repository, digest) as stream:
                async for chunk in stream.chunks():  # DigestMismatch at the end
                    write(chunk)

        title = f"{self.target.label} {digest.partition(':')[2][:12]}"
        content = SpooledContent(title, d.size, produce)
        self.app.push_screen(ContentScreen(content, name_hint=name_hint(d.media_type)))

    def action_back(self) -> None:
        if self.query_one(PackageList).filter_query:
            self._clear_filter()  # Esc in the table clears its filter first
            return
        self.dismiss(None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "filter":
            return self.has_class("-table")
        return True
