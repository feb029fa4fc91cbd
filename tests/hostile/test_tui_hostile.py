"""The explorer (Pilot) against the real hostile HTTP registry, one test per case.

The case table is the client suite's (:mod:`tests.hostile.test_client_hostile`): every row
there is driven here through the TUI, to the pane or tree node that shows it, and the
test asserts that the app is still running, still answers keys, shows the expected
message on that node, and never shows a traceback or an ``internal error``. A guard test
fails when the server grows a case that no row reaches.

What the app *writes to the terminal* is captured too (a headless driver that says it is
not headless, so Textual renders every frame into it): registry escape sequences must
never be in it, and it must encode as UTF-8 (a lone surrogate would crash a real
terminal writer).
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual.drivers.headless_driver import HeadlessDriver
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets.tree import TreeNode
from textual.worker import Worker, WorkerState

from regview.registry.client import RegistryClient
from regview.registry.credentials import Credential
from regview.registry.errors import RegistryError
from regview.registry.settings import Settings
from regview.tui.app import RegviewApp, create_app
from regview.tui.screens.files import FilesScreen
from regview.tui.screens.help import HelpScreen
from regview.tui.screens.main import MainScreen
from regview.tui.widgets.manifest_tree import NodeData
from regview.tui.widgets.pane import Pane
from tests.hostile import content as c
from tests.hostile.server import CASES, CATALOG_MODES, CHALLENGES, USERS, HostileServer
from tests.hostile.test_client_hostile import (
    CHALLENGE_MESSAGES,
    ERROR_CASES,
    FAST,
    SUCCESS_CASES,
)
from tests.tui.helpers import details_text, screen_text

# --- the harness -------------------------------------------------------------------------------

#: Client options of every TUI test: small limits, few quick retries.
TUI_FAST: dict[str, Any] = {**FAST, "max_tries": 2, "backoff_base": 0.005, "max_pages": 20}
#: Stalls: long enough to press keys while the request hangs, even on a loaded 2-core
#: machine (1.5 s ran out before the keys were checked at load 7), short enough for CI.
STALL_DEADLINE = 4.0
STALL_READ = 1.0

#: Sequences a terminal acts on. Textual's own output is SGR, cursor moves, the
#: synchronized-output brackets and the pointer shape (OSC 22); nothing else may remain.
_TEXTUAL_SEQUENCES = re.compile(r"\x1b\[[0-9;:?]*[A-Za-z]|\x1b\]22;[a-z-]*\x07")
#: What the registry sends and must never reach the terminal.
REGISTRY_SEQUENCES = [
    "\x1b]52;",  # OSC 52: write the clipboard
    "\x1b]0;pwned",  # OSC 0: window title
    "\x1b[2J",  # CSI: clear the screen
    "\x1b[3J",  # CSI: clear the scrollback
    "\x9b31m",  # C1 CSI
    "\x9d0;title",  # C1 OSC
]


class CapturingDriver(HeadlessDriver):
    """A headless driver that receives every frame, as a real terminal would."""

    @property
    def is_headless(self) -> bool:
        return False

    def write(self, data: str) -> None:
        written = getattr(self._app, "written", None)
        if isinstance(written, list):
            written.append(data)


@dataclass
class Run:
    """One app under test, with what it wrote and every worker failure it saw."""

    app: RegviewApp
    client: RegistryClient
    pilot: Pilot[int]
    failures: list[BaseException | None] = field(default_factory=list)

    @property
    def main(self) -> MainScreen:
        return self.app.main


def make_client(
    registry: str, tmp_path: Path, credential: Credential | None = None, **options: Any
) -> RegistryClient:
    opts = Settings(cache_dir=tmp_path / "client-cache", **{**TUI_FAST, **options})
    return RegistryClient(registry, settings=opts, credential=credential)


@pytest.fixture(autouse=True)
def _hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No user keymap, and layer TOCs in this test's own directory."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("REGVIEW_CACHE_DIR", str(tmp_path / "regview-cache"))
    yield


@asynccontextmanager
async def running(
    client: RegistryClient,
    *,
    repository: str | None = None,
    reference: str | None = None,
    size: tuple[int, int] = (120, 40),
) -> AsyncIterator[Run]:
    """The app on ``client``, its terminal output captured, worker failures recorded."""
    app = create_app(client, repository=repository, reference=reference)
    written: list[str] = []
    app.written = written  # type: ignore[attr-defined]

    def build_driver(
        headless: bool, inline: bool, mouse: bool, size: tuple[int, int] | None
    ) -> HeadlessDriver:
        driver = CapturingDriver(app, debug=False, mouse=mouse, size=size)
        app._driver = driver
        return driver

    app._build_driver = build_driver  # type: ignore[method-assign,assignment]
    failures: list[BaseException | None] = []

    def hook(message: Message) -> None:
        if (
            isinstance(message, Worker.StateChanged)
            and message.state is WorkerState.ERROR
            and message.worker.error not in failures
        ):
            failures.append(message.worker.error)

    async with app.run_test(size=size, notifications=True, message_hook=hook) as pilot:
        yield Run(app, client, pilot, failures)
    assert_terminal_output_is_inert("".join(written))


def assert_terminal_output_is_inert(output: str) -> None:
    assert output, "the capturing driver saw no frame"
    output.encode("utf-8")  # strict: a lone surrogate would crash a real terminal writer
    for seq in REGISTRY_SEQUENCES:
        assert seq not in output, f"{seq!r} reached the terminal"
    rest = _TEXTUAL_SEQUENCES.sub("", output)
    bad = sorted({ch for ch in rest if ch in c.DANGEROUS_CHARS})
    assert not bad, f"control characters reached the terminal: {bad!r}"


async def wait_for(
    run: Run, predicate: Callable[[], bool], what: str, limit: float = 15.0
) -> None:
    """Poll ``predicate`` (letting the app run) until true; fail after ``limit`` s."""
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {limit} s waiting for {what}\n{screen_text(run.app)}")
        await run.pilot.pause(0.05)


async def assert_responsive(run: Run, *, help_screen: bool = False) -> None:
    """Keys still work: Tab moves focus (and, if asked, ? opens the help, Esc closes it)."""
    app, pilot = run.app, run.pilot
    assert app.is_running and app.return_code is None
    if isinstance(app.screen, MainScreen):
        before = app.focused
        await pilot.press("tab")
        await pilot.pause()
        assert app.focused is not before, "tab did not move the focus"
    if not help_screen:
        assert app.is_running
        return
    await pilot.press("question_mark")
    await wait_for(run, lambda: isinstance(app.screen, HelpScreen), "the help screen", 5)
    await pilot.press("escape")
    await wait_for(run, lambda: not isinstance(app.screen, HelpScreen), "the help to close", 5)
    assert app.is_running


def notifications(app: RegviewApp) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]


def assert_clean(run: Run) -> None:
    """No traceback, no internal error, every worker failure a RegistryError."""
    app = run.app
    shown = screen_text(app)
    assert "Traceback" not in shown
    bad = sorted({ch for ch in shown if ch in c.DANGEROUS_CHARS and ch != "\n"})
    assert not bad, f"control characters on screen: {bad!r}"
    for note in notifications(app):
        assert "internal error" not in note and "Traceback" not in note, note
    for error in run.failures:
        assert isinstance(error, RegistryError), f"{type(error).__name__}: {error!r}"
    assert app.is_running


def plain(label: str | Text) -> str:
    return label.plain if isinstance(label, Text) else label


def subtree_text(node: TreeNode[NodeData]) -> str:
    """Labels of ``node`` and every node below it, one a line."""
    lines = [plain(node.label)]
    for child in node.children:
        lines.append(subtree_text(child))
    return "\n".join(lines)


def root_text(run: Run) -> str:
    return plain(run.main.manifest.tree_widget.root.label)


def pane_text(pane: Pane) -> str:
    """A pane's title, subtitle and what its list says when empty (never clipped)."""
    parts = [plain(pane.border_title or ""), plain(pane.border_subtitle or "")]
    lst = getattr(pane, "list", None)
    if lst is not None:
        parts.append(lst.empty_text.plain)
    return "\n".join(parts)


def wide_details(run: Run) -> str:
    return details_text(run.app, width=4000)


def busy(run: Run, *groups: str) -> bool:
    return any(
        w.group in groups and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
        for w in run.app.workers
    )


def manifest_settled(run: Run) -> bool:
    """The Manifest pane has an answer: a loaded tree, or an error at its root."""
    label = root_text(run)
    return "loading…" not in label and "select a tag" not in label


# --- the case table, as the TUI reaches each case -------------------------------------------------


@dataclass(frozen=True)
class TuiCase:
    id: str
    repo: str
    #: manifest: the root of the tree; tags: the Tags pane; config: the Details pane;
    #: blob: the files view of layer 1; digest: the tree, opened by digest;
    #: child: the first child of an index, expanded.
    drive: str
    fragment: str
    options: dict[str, Any] = field(default_factory=dict)
    stall: bool = False
    error: bool = True  # False: the case must succeed
    reason: str = ""  # why this row differs from the client table


_DRIVE = {
    "manifest": "manifest",
    "tags": "tags",
    "config": "config",
    "blob": "blob",
    "by-digest": "digest",
    "image": "child",
    "inspect-r": "child",
    "resolve": "manifest",
}

#: Client rows the TUI reaches differently (and why).
_OVERRIDES: dict[str, dict[str, Any]] = {
    "index-deep-1000": {
        "error": False,
        "fragment": "OCI index",
        "reason": "the tree expands one level per keypress: no depth to refuse",
    },
    "index-deep-1000-inspect": {"skip": True},
    "index-self-inspect": {"skip": True},
    "index-mutual-inspect": {"skip": True},
    "index-fanout-inspect": {
        "drive": "manifest",
        "error": False,
        "fragment": "1000 platforms",
        "reason": "the tree lists 1,000 children and walks none: nothing explodes",
    },
    "stall-before-headers-head": {
        "skip": True,  # the TUI never HEADs an unmetered registry: same as the GET row
    },
    "drip": {"fragment": "did not answer within"},
    "layer-blob": {"fragment": "does not match its digest"},
}

_STALL_OPTIONS: dict[str, dict[str, Any]] = {
    "stall-after-headers": {"request_deadline": STALL_DEADLINE},
    "stall-before-headers": {"request_deadline": STALL_DEADLINE},
    "drip": {"request_deadline": STALL_DEADLINE},
    "stall-blob-error": {"request_deadline": STALL_DEADLINE},
    "realm-stall": {"request_deadline": STALL_DEADLINE},
    "stall-blob": {"read_timeout": STALL_READ},
    "stall-read-timeout": {"read_timeout": STALL_READ, "request_deadline": 30},
    "realm-stall-read": {"read_timeout": STALL_READ, "request_deadline": 30},
}


def _error_rows() -> list[TuiCase]:
    rows = []
    for row_id, repo, op, _expected, fragment in ERROR_CASES:
        over = _OVERRIDES.get(row_id, {})
        if over.get("skip"):
            continue
        rows.append(
            TuiCase(
                row_id,
                repo,
                over.get("drive", _DRIVE[op]),
                over.get("fragment", fragment),
                options=_STALL_OPTIONS.get(row_id, {}),
                # Deadline stalls: long enough to check keys while the request hangs.
                stall=_STALL_OPTIONS.get(row_id, {}).get("request_deadline") == STALL_DEADLINE,
                error=over.get("error", True),
                reason=over.get("reason", ""),
            )
        )
    return rows


def _challenge_rows() -> list[TuiCase]:
    return [
        TuiCase(f"challenge-{key}", f"auth/challenge-{key}", "manifest", fragment)
        for key, (_expected, fragment) in sorted(CHALLENGE_MESSAGES.items())
    ]


def _success_rows() -> list[TuiCase]:
    rows = []
    covered = {repo for _, repo, *_ in ERROR_CASES}
    for repo in SUCCESS_CASES:
        if repo in covered:
            continue  # big/*: the error rows (default caps) reach them
        if "schema1" in repo:
            rows.append(TuiCase(repo, repo, "config", "Docker schema1 manifest", error=False))
        else:
            rows.append(TuiCase(repo, repo, "config", "IMAGE=ok", error=False))
    return rows


TUI_CASES: list[TuiCase] = _error_rows() + _challenge_rows() + _success_rows()


def test_every_case_of_the_server_is_driven_through_the_tui() -> None:
    covered = {case.repo for case in TUI_CASES}
    covered |= {"ok/image", "text/attack"}  # tests of their own below
    assert set(CASES) - covered == set()
    assert set(CHALLENGES) <= {k.removeprefix("challenge-") for k in
                               (case.id for case in TUI_CASES) if k.startswith("challenge-")}
    assert set(CATALOG_MODES) == set(CATALOG_EXPECTATIONS)
    ids = [case.id for case in TUI_CASES]
    assert len(ids) == len(set(ids))


# --- driving to a case ---------------------------------------------------------------------------


def without_problems(text: str) -> str:
    """``text`` less the Details' "⚠ Problems" section (image-spec problems of a document
    that was read, not an error marker): from its heading to the first blank line."""
    kept: list[str] = []
    skipping = False
    for line in text.splitlines():
        if line.startswith("⚠ Problems ("):
            skipping = True
        elif skipping and not line.strip():
            skipping = False
        elif not skipping:
            kept.append(line)
    return "\n".join(kept)


async def drive_to(run: Run, case: TuiCase) -> str:
    """Take the app to where ``case`` shows; return the text of that node or pane."""
    main = run.main
    if case.drive == "tags":
        await wait_for(run, lambda: case.fragment in pane_text(main.tags), "the Tags pane")
        return pane_text(main.tags)
    await wait_for(run, lambda: manifest_settled(run), "the manifest", 20)
    if case.drive in ("manifest", "digest"):
        return root_text(run)
    if case.drive == "config":
        await wait_for(
            run,
            lambda: case.fragment in wide_details(run)
            or "⚠" in without_problems(wide_details(run)),
            "the Details pane",
        )
        return wide_details(run)
    tree = main.manifest.tree_widget
    await wait_for(run, lambda: not busy(run, "manifest"), "the manifest worker")
    if case.drive == "child":
        assert "⚠" not in root_text(run), root_text(run)
        child = tree.root.children[0]
        tree.move_cursor(child)
        await run.pilot.press("l")  # expand: the child index is fetched now
        await wait_for(
            run,
            lambda: bool(child.data and child.data.children_loaded) or "⚠" in subtree_text(child),
            "the child index",
        )
        return subtree_text(child)
    if case.drive == "blob":
        assert "⚠" not in root_text(run), root_text(run)
        layer = next(n for n in tree.root.children if n.data and n.data.kind == "layer")
        tree.move_cursor(layer)
        await run.pilot.pause()
        await run.pilot.press("enter")  # Enter on a layer opens its files
        await wait_for(run, lambda: isinstance(run.app.screen, FilesScreen), "the files view")
        screen = run.app.screen
        assert isinstance(screen, FilesScreen)
        await wait_for(run, lambda: screen.error is not None, "the layer to fail", 20)
        return screen.error or ""
    raise AssertionError(case.drive)


def _reference(case: TuiCase, hostile: HostileServer) -> str | None:
    if case.drive == "tags":
        return None
    if case.drive == "digest":
        return hostile.ok.digest  # integrity/manifest-bytes serves other bytes for it
    return "latest"


async def _press_during_stall(run: Run, case: TuiCase) -> None:
    """While the request hangs, the app answers keys; the node still says loading."""
    main = run.main
    await wait_for(run, lambda: busy(run, "manifest"), "the stalled request", 5)
    await assert_responsive(run)
    await run.pilot.press("shift+tab", "j", "k")
    await run.pilot.pause()
    if case.drive in ("manifest", "digest"):
        assert "loading…" in root_text(run), "the stall ended before the keys were checked"
    assert busy(run, "manifest"), "the stall ended before the keys were checked"
    assert main.is_attached


@pytest.mark.parametrize("case", [pytest.param(k, id=k.id) for k in TUI_CASES])
async def test_hostile_case_in_the_tui(
    hostile: HostileServer, tmp_path: Path, case: TuiCase
) -> None:
    client = make_client(hostile.registry, tmp_path, **case.options)
    async with running(
        client, repository=case.repo, reference=_reference(case, hostile)
    ) as run:
        if case.stall and case.drive not in ("blob",):
            await _press_during_stall(run, case)
        shown = await drive_to(run, case)
        assert case.fragment in shown, f"{case.fragment!r} not in {shown!r}"
        if case.error:
            assert "⚠" in without_problems(shown) or case.drive == "blob"
            if case.drive == "tags":
                # The pane shows the error before the worker's failure message arrives.
                await wait_for(run, lambda: bool(run.failures), "the failure report")
        else:
            assert "⚠" not in without_problems(shown), shown
            assert not run.failures, run.failures
        assert "\n" not in case.fragment
        await assert_responsive(run)
        assert_clean(run)
    assert client.stats.in_flight == 0


# --- hostile text -------------------------------------------------------------------------------


async def _assert_markup_is_inert(run: Run, needle: str = "[@click=app.quit]x") -> None:
    """The literal markup is on screen, and clicking it does not quit."""
    lines = screen_text(run.app).splitlines()
    spots = [(line.index(needle), y) for y, line in enumerate(lines) if needle in line]
    assert spots, f"{needle!r} is not shown literally"
    for x, y in spots:
        await run.pilot.click(offset=(x + 3, y))
        await run.pilot.pause()
        assert run.app.is_running and run.app.return_code is None


async def test_hostile_text_in_tags_tree_and_details(
    hostile: HostileServer, tmp_path: Path
) -> None:
    client = make_client(hostile.registry, tmp_path)
    async with running(client, repository="text/attack", reference="latest") as run:
        await wait_for(run, lambda: "Config" in wide_details(run), "the config")
        details = wide_details(run)
        assert "User" in details and "[@click=app.quit]x[/]" in details
        assert "␛]52;c;cHduZWQ=␇" in details  # the label key, as visible escapes
        assert "\\u202egnp.exe" in details
        assert "bad\\udcffname" in details
        tags = list(run.main.tags.list.items)
        assert tags == sorted(tags, key=tags.index) and set(tags) == set(c.HOSTILE_TAGS)
        shown = screen_text(run.app)
        assert "␛[2J␛[3J␛[H" in shown and "[bold red]bold[/bo" in shown
        await _assert_markup_is_inert(run)
        # Open every hostile tag: unaskable ones end in a readable error on the tree.
        run.main.focus_pane(1)
        tag_list = run.main.tags.list
        for i in range(len(tags)):
            tag_list.move_cursor(i)
            await run.pilot.press("enter")
            await wait_for(run, lambda: manifest_settled(run), f"tag {i}")
            await run.pilot.press("escape")  # back to the tags
            assert run.app.is_running
        await assert_responsive(run, help_screen=True)
        assert_clean(run)


async def test_hostile_error_body_is_shown_literally(
    hostile: HostileServer, tmp_path: Path
) -> None:
    client = make_client(hostile.registry, tmp_path)
    async with running(client, repository="text/error-body", reference="latest") as run:
        await wait_for(run, lambda: "⚠" in root_text(run), "the error")
        label = root_text(run)
        assert "NAME_UNKNOWN" in label
        assert "\x1b" not in label and "\x9b" not in label and "\u202e" not in label
        await wait_for(run, lambda: bool(notifications(run.app)), "the notification")
        await assert_responsive(run, help_screen=True)
        assert_clean(run)


async def test_hostile_repository_names_from_the_catalog(
    hostile: HostileServer, tmp_path: Path
) -> None:
    """Navigate from the catalog to each hostile name: inert text, readable errors."""
    client = make_client(hostile.registry, tmp_path)
    async with running(client) as run:
        repos = run.main.repositories
        await wait_for(run, lambda: repos.loaded, "the catalog")
        assert set(c.HOSTILE_REPO_NAMES) <= set(repos.list.items)
        for name in c.HOSTILE_REPO_NAMES:
            assert repos.select(name)
            await run.pilot.pause()
            shown = screen_text(run.app)
            assert "Traceback" not in shown
            await run.pilot.press("enter")
            await wait_for(
                run,
                lambda: run.main.tags.loaded or "⚠" in pane_text(run.main.tags),
                f"the tags of {name!r}",
            )
            if "\udcff" in name:
                assert "lone surrogate" in pane_text(run.main.tags)
            else:
                assert set(run.main.tags.list.items) == set(c.HOSTILE_TAGS)
            await run.pilot.press("escape")
            await run.pilot.pause()
        repos.select("text/markup-click/[@click=app.quit]x[/]")
        # One pause is not always one repaint on a loaded machine: wait for the row.
        await wait_for(
            run, lambda: "[@click=app.quit]x" in screen_text(run.app), "the markup name"
        )
        await _assert_markup_is_inert(run)
        await assert_responsive(run, help_screen=True)
        assert_clean(run)


async def test_raw_json_of_hostile_manifest_is_inert(
    hostile: HostileServer, tmp_path: Path
) -> None:
    client = make_client(hostile.registry, tmp_path)
    async with running(client, repository="text/attack", reference="latest") as run:
        await wait_for(run, lambda: "Config" in wide_details(run), "the config")
        await run.pilot.press("J")
        await wait_for(run, lambda: not isinstance(run.app.screen, MainScreen), "raw JSON")
        await run.pilot.pause(0.1)
        shown = screen_text(run.app)
        assert "Traceback" not in shown
        assert not {ch for ch in shown if ch in c.DANGEROUS_CHARS and ch != "\n"}
        await run.pilot.press("escape")
        await wait_for(run, lambda: isinstance(run.app.screen, MainScreen), "the explorer")
        assert_clean(run)


# --- catalogs: pagination and other hosts ------------------------------------------------------

#: mode -> (names kept, fragment of the error shown on the pane, or None when it succeeds)
CATALOG_EXPECTATIONS: dict[str, tuple[int, str | None]] = {
    "forever": (20, "stopped after 20 pages"),
    "loop": (2, "links back to a page"),
    "same-page": (2, None),
    "other-host": (1, "continues on another host"),
    "bad-n": (1, "HTTP 400"),
    "redos-link": (1, None),
    "huge": (0, "byte limit"),
    "invalid": (0, "not a list"),
}


@pytest.mark.parametrize("mode", sorted(CATALOG_EXPECTATIONS))
async def test_misbehaving_catalog_in_the_tui(
    hostile: HostileServer, tmp_path: Path, mode: str
) -> None:
    kept, fragment = CATALOG_EXPECTATIONS[mode]
    client = make_client(hostile.catalog(mode), tmp_path)
    async with running(client) as run:
        repos = run.main.repositories
        await wait_for(
            run,
            lambda: repos.loaded or "⚠" in pane_text(repos),
            "the catalog",
        )
        shown = pane_text(repos)
        assert len(set(repos.list.items)) == kept, list(repos.list.items)[:5]
        if fragment is None:
            assert repos.loaded and "⚠" not in shown
        else:
            assert fragment in shown, shown
            assert "…)" not in plain(repos.border_title or ""), "still looks like loading"
        await assert_responsive(run)
        assert_clean(run)
    assert hostile.requests("other") == []


async def test_secure_registry_catalog_and_redirected_blobs(
    hostile: HostileServer, tmp_path: Path
) -> None:
    """Bearer auth, realm on the other host: the other host never sees a token."""
    alice = Credential(username="alice", password=USERS["alice"], identity_token=None,
                       source="test")
    client = make_client(hostile.secure, tmp_path, credential=alice)
    async with running(client) as run:
        repos = run.main.repositories
        await wait_for(run, lambda: "⚠" in pane_text(repos), "the catalog")
        assert "continues on another host" in pane_text(repos)
        assert len(repos.list.items) == 40  # the first page is kept
        run.app.open_reference("fault/redirect-other", "latest")
        await wait_for(run, lambda: "IMAGE=ok" in wide_details(run), "the redirected config")
        await assert_responsive(run)
        assert_clean(run)
    others = [s.path for s in hostile.requests("other") if not s.path.startswith("/blobs/")]
    assert others and set(others) == {"/token"}  # the catalog's next page was not asked
    assert all(s.authorization is None for s in hostile.requests("other")
               if s.path.startswith("/blobs/"))


async def test_basic_registry_redirected_blobs_carry_no_password(
    hostile: HostileServer, tmp_path: Path
) -> None:
    alice = Credential(username="alice", password=USERS["alice"], identity_token=None,
                       source="test")
    client = make_client(hostile.basic, tmp_path, credential=alice)
    async with running(client, repository="fault/redirect-other", reference="latest") as run:
        await wait_for(run, lambda: "IMAGE=ok" in wide_details(run), "the redirected config")
        await assert_responsive(run)
        assert_clean(run)
    assert hostile.requests("other")
    assert all(s.authorization is None for s in hostile.requests("other"))


async def test_ok_image_is_browsable(hostile: HostileServer, tmp_path: Path) -> None:
    client = make_client(hostile.registry, tmp_path)
    async with running(client, repository="ok/image", reference="latest") as run:
        await wait_for(run, lambda: "IMAGE=ok" in wide_details(run), "the config")
        assert set(run.main.tags.list.items) == {"latest", "v1"}
        await assert_responsive(run, help_screen=True)
        assert_clean(run)
        assert not run.failures
