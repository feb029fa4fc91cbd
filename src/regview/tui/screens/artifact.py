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
from typing import ClassVar

from rich.console import RenderableType
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
    Sbom,
    Signature,
    decode_blob,
    read_for_decoding,
)
from regview.content.source import SpooledContent
from regview.registry import Artifact, Descriptor, ImageManifest, RegistryError, Source
from regview.registry import media_types as mt
from regview.tui.bindings import ARTIFACT_BINDINGS
from regview.tui.screens.artifact_views import (
    attestation_view,
    raw_view,
    sbom_view,
    signature_view,
)
from regview.tui.screens.blob_target import BlobTarget, name_hint
from regview.tui.screens.content import ContentScreen
from regview.tui.text import error_text, human_size, literal
from regview.tui.widgets.filter_input import FilterInput
from regview.tui.widgets.package_list import PackageList, package_detail, package_header
from regview.tui.widgets.status import Breadcrumb
from regview.tui.widgets.virtual_list import VirtualList

__all__ = ["ArtifactScreen"]


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
            body.update(sbom_view(decoded, self._notes()))
            table = self._table(decoded.packages)
        elif isinstance(decoded, Attestation):
            body.update(attestation_view(decoded, self._notes()))
            if decoded.sbom is not None:
                table = self._table(decoded.sbom.packages)
        elif isinstance(decoded, Signature):
            body.update(signature_view(decoded, self._notes()))
        else:
            body.update(raw_view(decoded, self._notes()))
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
        self.query_one("#artifact-columns", Static).update(package_header(width))

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
