"""The kernel side's windowed list: filters, appends, windows and the rows messages."""

from __future__ import annotations

from typing import Any

from regview.notebook.explorer.rows import MAX_WINDOW, RowList


def names(rows: RowList) -> list[str]:
    return [r["n"] for r in rows.rows(0, rows.length)]


def make(items: list[str]) -> RowList:
    rows = RowList(lambda index, item: {"i": index, "n": item})
    rows.set_items(items)
    return rows


async def test_a_filter_puts_substring_hits_first_and_keeps_item_order() -> None:
    rows = make(["alpha", "beta-lab", "gamma", "lambda", "lab"])
    version = rows.version
    assert await rows.set_filter("LAB") is True
    # "beta-lab", "lab" hold "lab"; "lambda" holds l, a, b in order: a fuzzy hit, after.
    assert names(rows) == ["beta-lab", "lab", "lambda"]
    assert rows.version > version and rows.item(2) == "lambda" and rows.item(3) is None
    assert await rows.set_filter("LAB") is False  # unchanged: no new version
    assert await rows.set_filter("") is True
    assert names(rows) == ["alpha", "beta-lab", "gamma", "lambda", "lab"]


async def test_appending_grows_an_unfiltered_list_without_a_new_version() -> None:
    rows = make(["a1", "a2"])
    version = rows.version
    rows.append(["a3"])
    assert rows.version == version and rows.length == 3
    await rows.set_filter("3")
    version = rows.version
    rows.append(["b3", "c"])
    assert rows.version > version  # a filtered list changes where its rows are
    assert names(rows) == ["a3", "b3"]


async def test_rows_messages_for_items_are_runs_of_consecutive_rows() -> None:
    rows = make([f"tag-{i}" for i in range(20)])
    messages = rows.messages_for("tags", [3, 4, 5, 9, 4])
    assert [(m["start"], [r["n"] for r in m["rows"]]) for m in messages] == [
        (3, ["tag-3", "tag-4", "tag-5"]),
        (9, ["tag-9"]),
    ]
    await rows.set_filter("tag-1")  # tag-1, tag-10 ... tag-19
    by_item = rows.messages_for("tags", [12, 13, 2])  # tag-2 is not shown
    rendered: list[tuple[int, list[Any]]] = [
        (m["start"], [r["n"] for r in m["rows"]]) for m in by_item
    ]
    assert rendered == [(3, ["tag-12", "tag-13"])]
    assert all(m["version"] == rows.version for m in by_item)


def test_a_window_is_clipped_to_the_list_and_to_its_largest_size() -> None:
    rows = make([f"t{i}" for i in range(100_000)])
    window = rows.set_window(10, 10**9)
    assert window.stop - window.start == MAX_WINDOW
    message = rows.message("tags")
    assert message["start"] == 10 and len(message["rows"]) == MAX_WINDOW
    assert message["length"] == 100_000
    assert rows.message("tags", 99_990, 100_500)["rows"][-1]["n"] == "t99999"
    rows.set_window(-5, 3)
    assert rows.window.start == 0 and len(rows.message("tags")["rows"]) == 3
