"""Every key binding of the app, each with an id, and the user's keymap file.

The keymap file (``~/.config/regview/keys.toml``) maps binding ids to keys::

    [keys]
    "app.quit" = "q,ctrl+q"
    "list.down" = ["j", "down", "ctrl+n"]

A top-level mapping (without ``[keys]``) is accepted too.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from textual.binding import Binding

__all__ = [
    "APP_BINDINGS",
    "ARTIFACT_BINDINGS",
    "CONFIRM_DELETE_BINDINGS",
    "CONFIRM_OVERWRITE_BINDINGS",
    "CONTENT_BINDINGS",
    "CONTENT_VIEW_BINDINGS",
    "DIFF_BINDINGS",
    "DIFF_TREE_BINDINGS",
    "FILES_BINDINGS",
    "FILES_TREE_BINDINGS",
    "FILTER_BINDINGS",
    "HELP_BINDINGS",
    "JSON_BINDINGS",
    "LIST_BINDINGS",
    "MAIN_BINDINGS",
    "MAIN_BLOB_BINDINGS",
    "MANIFEST_TREE_BINDINGS",
    "SAVE_BINDINGS",
    "START_BINDINGS",
    "KeymapError",
    "all_bindings",
    "default_keymap_path",
    "load_keymap",
    "tree_bindings",
]

# The footer is one line and Textual lists the focused widget's bindings first and the
# app's last, cutting off whatever does not fit: every footer must fit in 80 columns
# (tests/tui/test_footer.py walks them). So descriptions are short, with the longer
# form as the tooltip (shown on hover, and in the help screen instead), and some keys
# are left to the help screen (show=False), which lists every binding.

APP_BINDINGS: list[Binding] = [
    Binding("q", "quit", "Quit", id="app.quit"),
    # F1 too: an input takes "?" as text, and the footer then offers F1 instead.
    Binding("question_mark,f1", "help", "Keys", id="app.help"),
    Binding("ctrl+p", "command_palette", "Palette", show=False, id="app.palette"),
]

MAIN_BINDINGS: list[Binding] = [
    Binding("escape,left,h,backspace", "back", "Back", id="main.back"),
    Binding("tab", "next_pane", "Next pane", show=False, id="main.next-pane"),
    Binding("shift+tab", "previous_pane", "Previous pane", show=False, id="main.previous-pane"),
    Binding("slash", "filter", "Filter", id="main.filter"),
    Binding("y", "copy_digest", "Copy", tooltip="Copy @digest (pinned reference)",
            id="main.copy-digest"),
    Binding("Y", "copy_tag", "Copy :tag", show=False, id="main.copy-tag"),
    Binding("J", "raw_json", "JSON", id="main.raw-json"),
    Binding("r", "revalidate", "Reload", id="main.revalidate"),
    Binding("f", "files", "Files", id="main.files"),
    # Only with --allow-delete (check_action hides it otherwise); in the help, not the footer.
    Binding("D", "delete", "Delete", show=False,
            tooltip="Delete (with --allow-delete)",
            id="main.delete"),
    Binding("m", "mark", "Mark", show=False, tooltip="Mark this image, to compare another with it",
            id="main.mark"),
    Binding("equals_sign", "diff_marked", "Diff", show=False,
            tooltip="Compare the marked image with this one", id="main.diff"),
]

#: The Repositories and Tags lists, and the files view's flat lists.
LIST_BINDINGS: list[Binding] = [
    Binding("up,k", "cursor_up", "Up", show=False, id="list.up"),
    Binding("down,j", "cursor_down", "Down", show=False, id="list.down"),
    Binding("pageup", "page_up", "Page up", show=False, id="list.page-up"),
    Binding("pagedown", "page_down", "Page down", show=False, id="list.page-down"),
    Binding("home", "first", "First", show=False, id="list.first"),
    Binding("end", "last", "Last", show=False, id="list.last"),
    Binding("enter,right,l", "select", "Open", id="list.open"),
]

#: The input ``/`` opens over a list.
FILTER_BINDINGS: list[Binding] = [
    Binding("escape", "clear_filter", "Clear filter", id="filter.clear"),
    Binding("down,enter", "accept_filter", "To the list", show=False, id="filter.accept"),
]


def tree_bindings(prefix: str, *, open_label: str, close_label: str) -> list[Binding]:
    """The keys of a tree widget, with ids ``PREFIX.up``, ``PREFIX.open``, …"""
    return [
        Binding("up,k", "cursor_up", "Up", show=False, id=f"{prefix}.up"),
        Binding("down,j", "cursor_down", "Down", show=False, id=f"{prefix}.down"),
        Binding("enter,right,l", "open", open_label, id=f"{prefix}.open"),
        Binding("left,h", "close", close_label, show=False, id=f"{prefix}.close"),
        Binding("space", "toggle_node", "Toggle", show=False, id=f"{prefix}.toggle"),
        Binding("pageup", "page_up", "Page up", show=False, id=f"{prefix}.page-up"),
        Binding("pagedown", "page_down", "Page down", show=False, id=f"{prefix}.page-down"),
        Binding("home", "scroll_home", "First", show=False, id=f"{prefix}.first"),
        Binding("end", "scroll_end", "Last", show=False, id=f"{prefix}.last"),
    ]


MANIFEST_TREE_BINDINGS = tree_bindings("tree", open_label="Open", close_label="Collapse")
FILES_TREE_BINDINGS = tree_bindings("files-tree", open_label="Open dir", close_label="Close dir")

TAGS_BINDINGS: list[Binding] = [
    # Not in the footer: at 80 columns it would push out "? Keys" (the help lists them).
    Binding("s", "cycle_sort", "Sort tags", tooltip="Sort tags by name / created / size",
            show=False, id="tags.sort"),
    Binding("g", "fold_digests", "Fold by digest", tooltip="Fold tags that share a digest",
            show=False, id="tags.fold"),
]

FILES_BINDINGS: list[Binding] = [
    Binding("escape", "back", "Back", id="files.back"),
    Binding("s", "toggle_sort", "Sort", tooltip="Sort name/size", id="files.sort"),
    Binding("slash", "filter", "Find", id="files.filter"),
    Binding("L", "largest", "Largest", id="files.largest"),
    # Not in the footer: at 80 columns it would push out "? Keys" (the help lists it).
    Binding("w", "wasted", "Wasted", tooltip="Inefficient files (dive's wasted space)",
            show=False, id="files.wasted"),
    Binding("c", "layers", "Changes",
            tooltip="Layer changes (Enter on a layer: only its changes)", id="files.layers"),
    Binding("y", "copy_path", "Copy path", show=False, id="files.copy-path"),
    # Enter on a file of a flat list opens it; this shows where it is instead.
    Binding("t", "show_in_tree", "In tree", show=False,
            tooltip="Show the match (or largest file) under the cursor in the tree",
            id="files.in-tree"),
]

#: The content viewer (Enter on a file): the screen's keys, then the view's.
CONTENT_BINDINGS: list[Binding] = [
    # While a search waits for bytes still arriving, Esc stops it (and says so in the
    # footer) instead of going back: the first of the two the screen enables wins.
    Binding("escape", "stop_search", "Stop search", id="content.stop-search"),
    Binding("escape", "back", "Back", id="content.back"),
    Binding("slash", "find", "Find", tooltip="Find text (in hex: hex bytes, or 'text)",
            id="content.find"),
    Binding("n", "find_next", "Next", show=False, tooltip="Next match", id="content.next"),
    Binding("N", "find_previous", "Previous", show=False, tooltip="Previous match",
            id="content.previous"),
    Binding("colon", "goto", "Go to", tooltip="Go to a line (text) or an offset (hex)",
            id="content.goto"),
    Binding("x", "toggle_hex", "Hex", tooltip="Hex dump / text", id="content.hex"),
    Binding("s", "save", "Save", tooltip="Save the file to a local path", id="content.save"),
    Binding("y", "copy_path", "Copy path", show=False, id="content.copy-path"),
]

CONTENT_VIEW_BINDINGS: list[Binding] = [
    Binding("up,k", "scroll_up", "Up", show=False, id="content-view.up"),
    Binding("down,j", "scroll_down", "Down", show=False, id="content-view.down"),
    Binding("left,h", "scroll_left", "Left", show=False, id="content-view.left"),
    Binding("right,l", "scroll_right", "Right", show=False, id="content-view.right"),
    Binding("pageup,b", "page_up", "Page up", show=False, id="content-view.page-up"),
    Binding("pagedown,space", "page_down", "Page down", show=False,
            id="content-view.page-down"),
    Binding("home,g", "scroll_home", "First", show=False, id="content-view.first"),
    Binding("end,G", "scroll_end", "Last", show=False, id="content-view.last"),
]

#: Saving a file of the viewer: the path prompt, then the question if it exists.
SAVE_BINDINGS: list[Binding] = [
    Binding("escape", "cancel", "Cancel", id="save.cancel"),
]

CONFIRM_OVERWRITE_BINDINGS: list[Binding] = [
    Binding("y", "confirm", "Replace", id="overwrite.confirm"),
    Binding("n,escape", "cancel", "Keep it", id="overwrite.cancel"),
]

#: The diff screen (``m`` on an image, ``=`` on another).
DIFF_BINDINGS: list[Binding] = [
    Binding("escape", "back", "Back", id="diff.back"),
    Binding("tab", "next_pane", "Sections/files", tooltip="Switch between the sections and "
            "the file changes", id="diff.next-pane"),
]
DIFF_TREE_BINDINGS = tree_bindings("diff-tree", open_label="Open dir", close_label="Close dir")

JSON_BINDINGS: list[Binding] = [
    Binding("escape,q,J", "dismiss", "Close", id="json.close"),
    Binding("j,down", "scroll_down", "Down", show=False, id="json.down"),
    Binding("k,up", "scroll_up", "Up", show=False, id="json.up"),
]

HELP_BINDINGS: list[Binding] = [
    Binding("escape,q,question_mark,f1", "dismiss", "Close", id="help.close"),
]

CONFIRM_DELETE_BINDINGS: list[Binding] = [
    Binding("y", "confirm", "Delete", id="delete.confirm"),
    # Only when something refers to it (check_action disables it otherwise).
    Binding("r", "confirm_with_referrers", "With referrers", id="delete.with-referrers"),
    Binding("n,escape", "cancel", "Keep it", id="delete.cancel"),
]

START_BINDINGS: list[Binding] = [
    Binding("down", "to_list", "Choices", show=False, id="start.to-list"),
    Binding("escape", "app.quit", "Quit", id="start.quit"),
]


# --- blobs: SBOMs, attestations, signatures (issue 14, deliverable 4) -----------------

#: Added to the main screen's keys: the blob of a referrer, layer or config.
MAIN_BLOB_BINDINGS: list[Binding] = [
    # In the help, not the footer (it is full at 80 columns); Enter opens an artifact's
    # layer too.
    Binding("b", "blob", "Blob", show=False,
            tooltip="Open the blob (SBOM, attestation, signature)",
            id="main.blob"),
]

#: The blob screen.
ARTIFACT_BINDINGS: list[Binding] = [
    Binding("escape,q", "back", "Back", id="artifact.back"),
    Binding("slash", "filter", "Filter",
            tooltip="Filter packages by name, version, purl or license", id="artifact.filter"),
    Binding("r", "raw", "Raw", tooltip="All of the blob's bytes, in the content viewer",
            id="artifact.raw"),
]


def all_bindings() -> list[tuple[str, list[Binding]]]:
    """Every binding the app defines, grouped by where it applies."""
    return [
        ("Everywhere", APP_BINDINGS),
        ("Main screen", MAIN_BINDINGS + MAIN_BLOB_BINDINGS),
        ("Lists", LIST_BINDINGS),
        ("Tags pane", TAGS_BINDINGS),
        ("Filter input", FILTER_BINDINGS),
        ("Manifest tree", MANIFEST_TREE_BINDINGS),
        ("Files view", FILES_BINDINGS),
        ("File tree", FILES_TREE_BINDINGS),
        ("Image diff", DIFF_BINDINGS),
        ("Diff file tree", DIFF_TREE_BINDINGS),
        ("File viewer", CONTENT_BINDINGS),
        ("File viewer, moving", CONTENT_VIEW_BINDINGS),
        ("Save a file", SAVE_BINDINGS),
        ("Replace a file?", CONFIRM_OVERWRITE_BINDINGS),
        ("Raw JSON", JSON_BINDINGS),
        ("Blob view", ARTIFACT_BINDINGS),
        ("Delete question", CONFIRM_DELETE_BINDINGS),
        ("Start picker", START_BINDINGS),
        ("This help", HELP_BINDINGS),
    ]


class KeymapError(Exception):
    """The keymap file cannot be used; ``str()`` says why."""


def default_keymap_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path("~/.config").expanduser())
    return Path(base) / "regview" / "keys.toml"


def load_keymap(path: Path) -> dict[str, str]:
    """Read ``path`` into a Textual keymap (binding id -> comma-separated keys).

    A missing file is an empty keymap; anything else wrong raises :class:`KeymapError`.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise KeymapError(f"cannot read keymap {path}: {exc}") from None
    table = data.get("keys", data)
    if not isinstance(table, dict):
        raise KeymapError(f"{path}: [keys] must be a table of binding id = keys")
    known = {b.id for _, group in all_bindings() for b in group if b.id}
    keymap: dict[str, str] = {}
    for binding_id, keys in table.items():
        if binding_id not in known:
            raise KeymapError(f"{path}: unknown binding id {binding_id!r}")
        if isinstance(keys, str):
            value = keys
        elif isinstance(keys, list) and all(isinstance(k, str) for k in keys):
            value = ",".join(keys)
        else:
            raise KeymapError(f"{path}: keys for {binding_id!r} must be a string or a list")
        if not value.strip():
            raise KeymapError(f"{path}: no keys given for {binding_id!r}")
        keymap[binding_id] = value
    return keymap
