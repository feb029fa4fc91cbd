"""The Repositories pane: the catalog, streamed page by page into a virtual list."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from regview.registry import AuthError, NotFound, RegistryError, Source, repository_name
from regview.tui.messages import SourceAnswered
from regview.tui.text import error_text, literal
from regview.tui.widgets.filter_input import FilterInput, SteadyInput
from regview.tui.widgets.pane import ListPane
from regview.tui.widgets.virtual_list import VirtualList

__all__ = ["RepositoriesPane", "RepositoryList"]

PAGE_SIZE = 1000


class RepositoryList(VirtualList):
    """The list of repository names."""


class RepositoriesPane(ListPane):
    """Repository names; a prompt to type one when the registry refuses ``_catalog``.

    A name typed into that prompt, or jumped to from the palette, that the catalog does
    not list joins the list only once its tags have loaded (:meth:`found`): a missing
    repository is never listed.
    """

    title = "Repositories"

    class Typed(Message):
        """The user typed a repository name into the catalog-denied prompt."""

        def __init__(self, repository: str) -> None:
            super().__init__()
            self.repository = repository

    def __init__(
        self, source: Source, *, preselect: str | None = None, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.source = source
        self.catalog_denied: str | None = None
        self.loaded = False
        self.failed = False
        #: A repository shown to exist (its tags loaded) that the catalog may not list.
        self._found: str | None = None
        #: Names added by hand, left out of the catalog pages that list them later.
        self._added: set[str] = set()
        #: A repository to put the cursor on as soon as it shows up (or to add if denied).
        self.preselect = preselect

    def compose(self) -> ComposeResult:
        yield FilterInput(placeholder="filter (substring, then fuzzy)", classes="filter")
        with Vertical(id="catalog-denied"):
            yield Static(id="catalog-message")
            yield SteadyInput(placeholder="repository name, e.g. library/alpine", id="repo-input")
        yield RepositoryList(empty_text="loading…", id="repo-list")

    @property
    def list(self) -> RepositoryList:
        return self.query_one(RepositoryList)

    @property
    def focus_target(self) -> Widget:
        if self.catalog_denied is not None and not self.list.row_count:
            return self.query_one("#repo-input", Input)
        return self.list

    def on_mount(self) -> None:
        super().on_mount()
        self.load()

    def revalidate(self) -> None:
        self.source.invalidate(None)
        self.load()

    def load(self) -> None:
        self.loaded = False
        self.failed = False
        self._added = set()
        self.list.clear("loading…")
        self.set_title()
        self.set_error(None)
        self._load()

    @work(group="repositories", exclusive=True, exit_on_error=False)
    async def _load(self) -> None:
        worker = get_current_worker()
        repo_list = self.list
        try:
            async for page in self.source.repositories(page_size=PAGE_SIZE):
                if worker.is_cancelled:
                    return
                if not repo_list.items:
                    self.post_message(SourceAnswered(self.source))
                if self._added:
                    page = [name for name in page if name not in self._added]
                repo_list.append_items(page)
                self.set_title(f"({len(repo_list.items):,}…)")
                if self.preselect is not None and self.preselect in page:
                    self.select(self.preselect)
                    self.preselect = None
        except (AuthError, NotFound) as exc:
            self.show_catalog_denied(str(exc))
            return
        except RegistryError as exc:
            self.failed = True
            self._add_found()
            repo_list.set_empty_text(error_text(str(exc)))
            if repo_list.items:  # keep the pages received; say the list is incomplete
                self.set_title(f"({len(repo_list.items):,}, incomplete)")
                self.set_error(str(exc))
            else:
                self.set_title()
            raise
        self.loaded = True
        self._add_found()
        self.set_title(f"({len(repo_list.items):,})")
        if not repo_list.items:
            repo_list.set_empty_text("no repositories")

    def found(self, name: str) -> None:
        """``name``'s tags loaded, so it exists: if the catalog (once read) does not list
        it, add it and put the cursor on it."""
        if name in self.list.items:
            return
        self._found = name
        if self.loaded or self.failed or self.catalog_denied is not None:
            self._add_found()
        else:
            self.preselect = name  # selected when its page comes, added if none does

    def _add_found(self) -> None:
        name, self._found = self._found, None
        if name is not None and name not in self.list.items:
            self.add_repository(name)

    def show_catalog_denied(self, message: str) -> None:
        """The registry will not list its repositories: ask for a name instead."""
        self.catalog_denied = message
        text = Text("This registry does not list its repositories", style="bold")
        text.append("\n")
        text.append_text(literal(message, limit=300))
        text.append("\nType a repository name and press Enter.", style="italic")
        self.query_one("#catalog-message", Static).update(text)
        self.add_class("-denied")
        self.list.set_empty_text("")
        self._add_found()
        self.preselect = None
        if self.screen.focused is None or self.screen.focused is self.list:
            self.query_one("#repo-input", Input).focus()

    def add_repository(self, name: str) -> None:
        """Put a repository known to exist into the list and on the cursor."""
        repo_list = self.list
        if name not in repo_list.items:
            self._added.add(name)
            repo_list.append_items([name])
        self.select(name)

    def select(self, name: str) -> bool:
        """Put the cursor on ``name`` (clearing a filter that hides it); False if absent."""
        repo_list = self.list
        try:
            index = list(repo_list.items).index(name)
        except ValueError:
            return False
        if repo_list.filter_query:
            self.clear_filter()
        repo_list.move_cursor(index)
        return True

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "repo-input":
            return
        event.stop()
        name = event.value.strip()
        if name:
            # On Docker Hub one word is library/WORD; listed once its tags load.
            self.post_message(self.Typed(repository_name(self.source.name, name)))
