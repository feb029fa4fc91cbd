"""read_tag_table: bounded concurrency, progress, and no manifest GET on a registry that
meters pulls (Docker Hub's rate-limit headers: the real test registry cannot send them,
so a stub source stands in, answering HEAD-style resolves only)."""

from __future__ import annotations

import asyncio
from typing import Any

from regview.registry import Descriptor, TagInfo, TagTableRow, group_by_digest, read_tag_table
from regview.registry import media_types as mt
from regview.registry.tag_table import sort_tag_rows


class MeteredStub:
    """Resolves every tag to one of two digests; counts what it was asked."""

    meters_pulls = True

    def __init__(self) -> None:
        self.in_flight = 0
        self.most = 0
        self.resolved: list[str] = []
        self.gets = 0

    async def resolve(self, repository: str, reference: str) -> Descriptor:
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        await asyncio.sleep(0.001)
        self.in_flight -= 1
        self.resolved.append(reference)
        digest = "sha256:" + ("a" if reference.startswith("a") else "b") * 64
        return Descriptor(mt.OCI_MANIFEST, digest, 100)

    def peek_manifest(self, repository: str, digest: str) -> None:
        return None  # nothing cached

    async def manifest(self, *args: Any) -> Any:
        self.gets += 1
        raise AssertionError("a metered listing must not GET manifests")


def test_metered_source_is_read_by_resolve_only_and_bounded() -> None:
    stub = MeteredStub()
    seen: list[tuple[int, int]] = []
    tags = [f"a{i}" for i in range(30)] + [f"b{i}" for i in range(20)]
    rows = asyncio.run(
        read_tag_table(
            stub, "lib/x", tags, concurrency=4, progress=lambda d, t: seen.append((d, t))
        )  # type: ignore[arg-type]
    )
    assert stub.gets == 0
    assert sorted(stub.resolved) == sorted(tags)
    assert stub.most <= 4
    assert seen[-1] == (50, 50) and len(seen) == 50
    assert rows[0].tag == "a0" and rows[-1].tag == "b19"  # natural order
    assert all(r.info.media_type == mt.OCI_MANIFEST and r.info.size is None for r in rows)
    groups = group_by_digest(rows)
    assert [len(g.tags) for g in groups] == [30, 20]


def test_sort_puts_unknown_values_last_in_name_order() -> None:
    from datetime import UTC, datetime

    def row(tag: str, size: int | None, day: int | None) -> TagTableRow:
        created = datetime(2024, 1, day, tzinfo=UTC) if day else None
        return TagTableRow(tag, TagInfo(digest=f"sha256:{tag}", size=size, created=created))

    rows = [row("a", 10, 3), row("b", None, None), row("c", 30, 1), row("d", 20, None)]
    assert [r.tag for r in sort_tag_rows(rows, "size")] == ["c", "d", "a", "b"]
    assert [r.tag for r in sort_tag_rows(rows, "created")] == ["a", "c", "b", "d"]
    assert [r.tag for r in sort_tag_rows(rows, "name")] == ["a", "b", "c", "d"]
