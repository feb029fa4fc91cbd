"""The regview explorer app, and the one factory that builds it (CLI and tests alike).

The app owns what outlives a screen: the sources opened, their layer indexers, the
settings, the keymap and the clipboard. Screens are handed what they need when they
are made, and send requests back up as messages (:mod:`regview.tui.messages`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar

from textual.app import App
from textual.binding import BindingType
from textual.screen import Screen
from textual.worker import Worker

from regview.registry import LayerIndexer, Settings, Source, TocStore
from regview.targets import Opened, Opener
from regview.tui.bindings import APP_BINDINGS, KeymapError, default_keymap_path, load_keymap
from regview.tui.messages import CopyRequest, SourceAnswered, SourceOpened
from regview.tui.screens.help import HelpScreen
from regview.tui.screens.main import MainScreen
from regview.tui.screens.start import StartChoice, StartScreen
from regview.tui.text import visible
from regview.tui.workers import report_failure

__all__ = ["RegviewApp", "TargetOpened", "create_app", "run_tui"]

TargetOpened = Callable[[str], None]
"""Told the text of a target once its source first answered with content."""


class RegviewApp(App[int]):
    """Browse a registry (or OCI layouts): repositories, tags, manifests, details."""

    CSS_PATH = "regview.tcss"
    TITLE = "regview"
    BINDINGS: ClassVar[list[BindingType]] = list(APP_BINDINGS)
    COMMAND_PALETTE_BINDING = "ctrl+p"

    def __init__(
        self,
        source: Source | None,
        *,
        settings: Settings | None = None,
        repository: str | None = None,
        reference: str | None = None,
        keymap: dict[str, str] | None = None,
        keymap_error: str | None = None,
        keymap_path: Path | None = None,
        opener: Opener | None = None,
        start_choices: Sequence[StartChoice] = (),
        target: str | None = None,
        on_target_opened: TargetOpened | None = None,
        allow_delete: bool = False,
    ) -> None:
        super().__init__()
        if source is None and opener is None:
            raise ValueError("the app needs a source, or an opener for the start picker")
        self._source = source
        self.settings = settings or Settings()
        self.opener = opener
        #: Offer ``D`` (delete, after asking): only when started with --allow-delete.
        self.allow_delete = allow_delete
        self.start_choices = list(start_choices)
        self.start_repository = repository
        self.start_reference = reference
        self.user_keymap = dict(keymap or {})
        self.keymap_error = keymap_error
        self.keymap_path = keymap_path or default_keymap_path()
        #: Every reference copied, newest last (tests and the status line read it).
        self.copied: list[str] = []
        self._on_target_opened = on_target_opened
        #: The text that opened the current source, and the repository and reference it
        #: names, until what it names first answers.
        self._pending_target = target
        self._pending_names: tuple[str | None, str | None] = (repository, reference)
        self._toc_store: TocStore | None = None
        self._indexers: dict[int, LayerIndexer] = {}
        self._sources: list[Source] = [source] if source is not None else []

    @property
    def source(self) -> Source:
        """What is being browsed (only asked once the picker, if any, has chosen)."""
        if self._source is None:
            raise RuntimeError("no source chosen yet")
        return self._source

    @property
    def indexer(self) -> LayerIndexer:
        """The layer indexer of the current source."""
        return self.indexer_for(self.source)

    def indexer_for(self, source: Source) -> LayerIndexer:
        """One layer indexer per source: every view asking for a layer shares its reads.

        Its TOC store is under the settings' cache root, in memory only without one.
        """
        if self._toc_store is None:
            self._toc_store = TocStore(self.settings.cache_root())
        indexer = self._indexers.get(id(source))
        if indexer is None or indexer.source is not source:
            indexer = LayerIndexer(source, store=self._toc_store, on_note=self._layer_note)
            self._indexers[id(source)] = indexer
        return indexer

    def _layer_note(self, text: str) -> None:
        """A note of the layer indexer (a SOCI zTOC it could not use, say), shown as a
        warning; from a worker thread too."""
        if threading.get_ident() == self._thread_id:
            self.notify(visible(text), severity="warning", markup=False)
        else:
            self.call_from_thread(self._layer_note, text)

    def _explorer(self, source: Source, repository: str | None,
                  reference: str | None) -> MainScreen:
        return MainScreen(source, self.indexer_for(source), repository=repository,
                          reference=reference, opener=self.opener,
                          allow_delete=self.allow_delete)

    def get_default_screen(self) -> Screen[None]:
        if self._source is None:
            assert self.opener is not None
            return StartScreen(self.start_choices, self.opener)
        return self._explorer(self._source, self.start_repository, self.start_reference)

    def on_source_opened(self, event: SourceOpened) -> None:
        """The picker or the palette opened a target: browse it."""
        event.stop()
        opened: Opened = event.opened
        self._source = opened.source
        if all(s is not opened.source for s in self._sources):
            self._sources.append(opened.source)
        self._pending_target = event.text
        self._pending_names = (opened.repository, opened.reference)
        explorer = self._explorer(opened.source, opened.repository, opened.reference)
        # The default screen (the picker, or the first explorer) cannot be switched away
        # from: it stays under the explorers; one pushed later makes way for the next.
        if len(self.screen_stack) > 1 and isinstance(self.screen, MainScreen):
            self.pop_screen()
        self.push_screen(explorer)

    def on_source_answered(self, event: SourceAnswered) -> None:
        event.stop()
        if event.source is not self._source or self._pending_target is None:
            return
        repository, reference = self._pending_names
        if repository is not None and event.repository != repository:
            return  # the catalog answered, the repository named may not exist
        if reference is not None and event.reference != reference:
            return
        target, self._pending_target = self._pending_target, None
        if self._on_target_opened is not None:
            self._on_target_opened(target)

    async def on_unmount(self) -> None:
        for source in self._sources:
            await source.aclose()

    @property
    def main(self) -> MainScreen:
        """The explorer screen on top (tests and benchmarks drive it)."""
        for screen in reversed(self.screen_stack):
            if isinstance(screen, MainScreen):
                return screen
        raise LookupError("the explorer is not open")

    def open_reference(self, repository: str, reference: str | None) -> None:
        """Jump the explorer to ``repository`` (and ``reference``), as the palette does."""
        self.main.open_reference(repository, reference)

    def on_mount(self) -> None:
        if self.user_keymap:
            self.set_keymap(self.user_keymap)
        if self.keymap_error:
            self.notify(self.keymap_error, title="keymap ignored", severity="warning",
                        markup=False, timeout=8)

    # --- actions ----------------------------------------------------------------------

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.user_keymap, self.keymap_path))

    def on_copy_request(self, event: CopyRequest) -> None:
        event.stop()
        self.copy_text(event.text, event.what)

    def copy_text(self, text: str, what: str = "") -> None:
        """Copy ``text`` with OSC 52 (works over SSH) and say what was copied."""
        self.copy_to_clipboard(text)
        self.copied.append(text)
        label = f"Copied {what} " if what else "Copied "
        self.notify(label + visible(text, 200), markup=False, timeout=3)

    # --- one place for worker failures ------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failure(self, event)


def create_app(
    source: Source | None,
    *,
    settings: Settings | None = None,
    repository: str | None = None,
    reference: str | None = None,
    opener: Opener | None = None,
    start_choices: Sequence[StartChoice] = (),
    target: str | None = None,
    on_target_opened: TargetOpened | None = None,
    allow_delete: bool = False,
) -> RegviewApp:
    """Build the explorer on ``source``; ``reference`` (tag or digest) opens that manifest.

    Without a source the app starts on the picker, which opens ``start_choices`` or
    anything typed in through ``opener``; with one, ``opener`` opens the references the
    palette is given that name another registry. ``settings`` say where layer tables of
    contents are kept and which keymap file to read (default: ``Settings()``).

    ``on_target_opened(text)`` is called once a target's source first answers with
    content (a catalog page, a tag list or a manifest): ``target``, the text that opened
    ``source``, then each target opened from the picker or the palette. A target that
    fails (nothing listening, a missing repository) is never passed to it.

    ``allow_delete`` offers ``D`` in the explorer: delete the manifest of a tag (by
    digest, after a confirmation screen naming the digest and every tag on it).
    """
    settings = settings or Settings()
    path = settings.keymap_path if settings.keymap_path is not None else default_keymap_path()
    keymap: dict[str, str] = {}
    keymap_error: str | None = None
    try:
        keymap = load_keymap(path)
    except KeymapError as exc:
        keymap_error = str(exc)
    return RegviewApp(
        source,
        settings=settings,
        repository=repository,
        reference=reference,
        keymap=keymap,
        keymap_error=keymap_error,
        keymap_path=path,
        opener=opener,
        start_choices=start_choices,
        target=target,
        on_target_opened=on_target_opened,
        allow_delete=allow_delete,
    )


def run_tui(
    source: Source | None,
    *,
    settings: Settings | None = None,
    repository: str | None = None,
    reference: str | None = None,
    opener: Opener | None = None,
    start_choices: Sequence[StartChoice] = (),
    target: str | None = None,
    on_target_opened: TargetOpened | None = None,
    allow_delete: bool = False,
) -> int:
    """Run the explorer until the user quits; returns the process exit code."""
    app = create_app(
        source,
        settings=settings,
        repository=repository,
        reference=reference,
        opener=opener,
        start_choices=start_choices,
        target=target,
        on_target_opened=on_target_opened,
        allow_delete=allow_delete,
    )
    result = app.run()
    return result if isinstance(result, int) else 0
