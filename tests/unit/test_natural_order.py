"""The packed sort key orders tags exactly as the tuple key does, at a fraction of the memory."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regview import natural
from regview.natural import natural_key, packed_key, sort_tags


def test_hand_picked_orders() -> None:
    # Written out by hand: pinned names first, numbers as numbers, prefixes first.
    assert sort_tags(["v1.10", "v1.9", "latest", "v1", "v1.9a", "stable", "V1.9", "1", "a"]) == [
        "latest", "stable", "1", "a", "v1", "V1.9", "v1.9", "v1.9a", "v1.10",
    ]
    assert sort_tags(["build-100", "build-9", "build-10", "build-010"]) == [
        "build-9", "build-010", "build-10", "build-100",
    ]


TRICKY = [
    "", "0", "00", "007", "7", "10", "9", "a", "A", "a0", "a00", "a-", "a.", "a.1", "a.01",
    "1a", "1.a", "latest", "Latest", "LATEST", "stable", "main", "master", "edge", "nightly",
    "v" + "9" * 39, "v" + "9" * 40, "v" + "1" + "0" * 45, "v" + "8" * 41, "x\x01", "x\x02y",
    "é", "e", "f", "é1", "\u0663", "\u0663x", "x\ud800", "x\uffff", "x\U0001f600", "sha256-ab",
    "1.2.3-rc.1", "1.2.3-rc.10", "1.2.3-rc.2", "1.2.3", "1.2.3-r0314159", "1.2.3-r0314160",
]


def test_tricky_tags_sort_as_with_the_tuple_key() -> None:
    shuffled = TRICKY * 2
    random.Random(12).shuffle(shuffled)
    assert sort_tags(shuffled) == sorted(shuffled, key=natural_key)


@given(st.lists(st.text(alphabet=st.characters(blacklist_characters="\x00"), max_size=12)))
def test_random_tags_sort_as_with_the_tuple_key(tags: list[str]) -> None:
    assert sorted(tags, key=packed_key) == sorted(tags, key=natural_key)


@given(st.lists(st.from_regex(r"[a-z]{0,2}[0-9]{0,3}([.-][0-9a-z]{1,3}){0,3}", fullmatch=True)))
def test_version_like_tags_sort_as_with_the_tuple_key(tags: list[str]) -> None:
    assert sorted(tags, key=packed_key) == sorted(tags, key=natural_key)


def test_a_list_longer_than_a_run_is_merged_into_the_same_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(natural, "RUN", 7)
    tags = TRICKY * 3 + [f"v1.{i}" for i in range(40)]
    random.Random(3).shuffle(tags)
    assert sort_tags(tags) == sorted(tags, key=natural_key)
    assert sort_tags(iter(tags)) == sorted(tags, key=natural_key)
