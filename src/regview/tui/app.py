"""The regview explorer app, and the one factory that builds it (CLI and tests alike)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from textual.app import App
from textual.binding import BindingType
from textual.screen import Screen
from textual.worker import Worker

from regview.registry.settings import Settings
from regview.registry.source import Source
from regview.targets import Opened, Opener
from regview.tui.bindings import APP_BINDINGS, KeymapError, default_keymap_path, load_keymap
from regview.tui.commands import ExplorerCommands
from regview.tui.screens.help import HelpScreen
from regview.tui.screens.main import MainScreen
from regview.tui.screens.start import StartChoice, StartScreen
from regview.tui.text import visible
from regview.tui.workers import report_failure

if TYPE_CHECKING:
    from regview.registry.layers.indexer import LayerIndexer
    from regview.registry.layers.store import TocStore

__all__ = ["RegviewApp", "create_app", "run_tui"]


class RegviewApp(App[int]):
    """Browse a registry (or OCI layouts): repositories, tags, manifests, details."""

    CSS_PATH = "regview.tcss"
    TITLE = "regview"
    BINDINGS: ClassVar[list[BindingType]] = list(APP_BINDINGS)
    COMMANDS = App.COMMANDS | {ExplorerCommands}
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
        opener: Opener | None = None,
        start_choices: Sequence[StartChoice] = (),
    ) -> None:
        super().__init__()
        if source is None and opener is None:
            raise ValueError("the app needs a source, or an opener for the start picker")
        self._source = source
        self.settings = settings or Settings()
        self.opener = opener
        self.start_choices = list(start_choices)
        self.start_repository = repository
        self.start_reference = reference
        self.user_keymap = dict(keymap or {})
        self.keymap_error = keymap_error
        #: Every reference copied, newest last (tests and the status line read it).
        self.copied: list[str] = []
        self._indexer: LayerIndexer | None = None
        self._toc_store: TocStore | None = None

    @property
    def source(self) -> Source:
        """What is being browsed (only asked once the picker, if any, has chosen)."""
        if self._source is None:
            raise RuntimeError("no source chosen yet")
        return self._source

    @property
    def indexer(self) -> LayerIndexer:
        """The one layer indexer of the app: every view asking for a layer shares its reads.

        Its TOC store is under the settings' cache root, in memory only without one.
        """
        from regview.registry.layers.indexer import LayerIndexer
        from regview.registry.layers.store import TocStore

        source = self.source
        if self._toc_store is None:
            self._toc_store = TocStore(self.settings.cache_root())
        if self._indexer is None or self._indexer.source is not source:
            self._indexer = LayerIndexer(source, store=self._toc_store)
        return self._indexer

    def get_default_screen(self) -> Screen[None]:
        if self._source is None:
            assert self.opener is not None
            return StartScreen(self.start_choices, self.opener)
        return MainScreen(
            self._source, repository=self.start_repository, reference=self.start_reference
        )

    def open_source(self, opened: Opened) -> None:
        """Leave the picker for the explorer on what it opened."""
        self._source = opened.source
        # The picker is the default screen, which Textual cannot switch away from: the
        # explorer goes on top of it for good.
        self.push_screen(
            MainScreen(opened.source, repository=opened.repository, reference=opened.reference)
        )

    async def on_unmount(self) -> None:
        if self._source is not None:
            await self._source.aclose()

    @property
    def main(self) -> MainScreen:
        for screen in reversed(self.screen_stack):
            if isinstance(screen, MainScreen):
                return screen
        raise LookupError("the explorer is not open")

    def on_mount(self) -> None:
        if self.user_keymap:
            self.set_keymap(self.user_keymap)
        if self.keymap_error:
            self.notify(self.keymap_error, title="keymap ignored", severity="warning",
                        markup=False, timeout=8)

    # --- what the command palette needs -----------------------------------------------

    def repository_names(self) -> list[str]:
        return list(self.main.repositories.list.items)

    def tag_names(self) -> list[str]:
        return list(self.main.tags.list.items)

    def current_repository(self) -> str | None:
        return self.main.tags.repository

    def open_reference(self, repository: str, reference: str | None) -> None:
        self.main.open_reference(repository, reference)

    # --- actions ----------------------------------------------------------------------

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.user_keymap))

    def copy_reference(self, reference: str) -> None:
        """Copy ``host/reference`` with OSC 52 (works over SSH)."""
        self.copy_text(f"{self.source.name}/{reference}")

    def copy_text(self, text: str) -> None:
        """Copy ``text`` with OSC 52 and say so."""
        self.copy_to_clipboard(text)
        self.copied.append(text)
        self.notify(f"Copied {visible(text, 200)}", markup=False, timeout=3)

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
) -> RegviewApp:
    """Build the explorer on ``source``; ``reference`` (tag or digest) opens that manifest.

    Without a source the app starts on the picker, which opens ``start_choices`` or
    anything typed in through ``opener``. ``settings`` say where layer tables of contents
    are kept and which keymap file to read (default: ``Settings()``).
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
        opener=opener,
        start_choices=start_choices,
    )


def run_tui(
    source: Source | None,
    *,
    settings: Settings | None = None,
    repository: str | None = None,
    reference: str | None = None,
    opener: Opener | None = None,
    start_choices: Sequence[StartChoice] = (),
) -> int:
    """Run the explorer until the user quits; returns the process exit code."""
    app = create_app(
        source,
        settings=settings,
        repository=repository,
        reference=reference,
        opener=opener,
        start_choices=start_choices,
    )
    result = app.run()
    return result if isinstance(result, int) else 0
