"""The content cache, the reference cache and shared in-flight requests."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from regview.registry.cache import ContentCache
from regview.registry.credentials import Credential
from regview.registry.digests import compute_digest
from regview.registry.singleflight import SingleFlight
from tests.support.fake_registry import FakeRegistry
from tests.unit.test_client import client_for


def test_content_survives_a_new_cache_and_is_verified(tmp_path: Path) -> None:
    data = b'{"hello": "world"}'
    digest = compute_digest(data)
    ContentCache(tmp_path).put(digest, data)
    fresh = ContentCache(tmp_path)
    assert fresh.get(digest) == data


def test_put_refuses_bytes_under_the_wrong_digest(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="refusing"):
        ContentCache(tmp_path).put(compute_digest(b"a"), b"b")


def test_truncated_entry_is_a_miss_and_is_deleted(tmp_path: Path) -> None:
    data = b"0123456789" * 100
    digest = compute_digest(data)
    ContentCache(tmp_path).put(digest, data)
    [path] = [p for p in tmp_path.rglob("*") if p.is_file()]
    path.write_bytes(data[:10])
    cache = ContentCache(tmp_path)
    assert cache.get(digest) is None
    assert not path.exists()
    assert cache.disk_errors == 1


def test_invalid_digest_is_a_miss(tmp_path: Path) -> None:
    assert ContentCache(tmp_path).get("sha256:../../etc/passwd") is None


def test_no_temporary_files_are_left_behind(tmp_path: Path) -> None:
    cache = ContentCache(tmp_path)
    for i in range(20):
        data = f"blob {i}".encode()
        cache.put(compute_digest(data), data)
    assert not [p for p in tmp_path.rglob(".tmp-*")]


def test_corrupt_reference_entry_is_dropped(tmp_path: Path) -> None:
    ContentCache(tmp_path).put_ref("tag:x/y:1", {"digest": "d"}, etag='"e"')
    entry = ContentCache(tmp_path).get_ref("tag:x/y:1")
    assert entry is not None and entry.value == {"digest": "d"} and entry.etag == '"e"'
    [path] = [p for p in tmp_path.rglob("*") if p.is_file()]
    path.write_text("{broken")
    assert ContentCache(tmp_path).get_ref("tag:x/y:1") is None
    assert not path.exists()


def test_memory_only_cache_writes_nothing(tmp_path: Path) -> None:
    cache = ContentCache(None)
    cache.put(compute_digest(b"x"), b"x")
    assert cache.get(compute_digest(b"x")) == b"x"
    assert list(tmp_path.iterdir()) == []


def test_memory_cache_is_bounded() -> None:
    cache = ContentCache(None, memory_bytes=1000)
    digests = []
    for i in range(50):
        data = bytes([i]) * 200
        digests.append(compute_digest(data))
        cache.put(digests[-1], data)
    assert cache.get(digests[0]) is None
    assert cache.get(digests[-1]) is not None


def test_unwritable_cache_dir_degrades_to_memory(tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("x")
    cache = ContentCache(blocked)
    cache.put(compute_digest(b"y"), b"y")
    assert cache.get(compute_digest(b"y")) == b"y"
    assert cache.disk_errors >= 1


async def test_no_credential_or_token_reaches_the_disk(tmp_path: Path) -> None:
    fake = FakeRegistry(auth="bearer", users={"alice": "pw-never-on-disk"}, anonymous_pull=False)
    fake.push_image("team/app", "1.0")
    cred = Credential(
        username="alice", password="pw-never-on-disk", identity_token=None, source="t"
    )
    async with client_for(fake, tmp_path, credential=cred) as client:
        fetched = await client.manifest("team/app", "1.0")
        [t async for t in client.tags("team/app")]
        assert fetched.raw
    bearer_tokens = {
        r.authorization.split(" ", 1)[1]
        for r in fake.requests_to(fake.host)
        if r.authorization and r.authorization.startswith("Bearer ")
    }
    assert bearer_tokens
    secrets = [b"pw-never-on-disk", *(t.encode() for t in bearer_tokens)]
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert files
    for path in files:
        content = path.read_bytes()
        assert not any(secret in content for secret in secrets), path
        assert b"alice" not in content


# --- single flight -------------------------------------------------------------------------


async def test_single_flight_shares_one_call() -> None:
    flight: SingleFlight[int] = SingleFlight()
    calls = 0

    async def work() -> int:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        return 42

    results = await asyncio.gather(*(flight.do("k", work) for _ in range(5)))
    assert results == [42] * 5 and calls == 1 and len(flight) == 0


async def test_cancelling_one_waiter_leaves_the_work_for_the_others() -> None:
    flight: SingleFlight[int] = SingleFlight()
    gate = asyncio.Event()

    async def work() -> int:
        await gate.wait()
        return 7

    first = asyncio.ensure_future(flight.do("k", work))
    second = asyncio.ensure_future(flight.do("k", work))
    await asyncio.sleep(0)
    first.cancel()
    await asyncio.sleep(0)
    gate.set()
    assert await second == 7
    assert first.cancelled()


async def test_cancelling_the_last_waiter_cancels_the_work() -> None:
    flight: SingleFlight[int] = SingleFlight()
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def work() -> int:
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return 1

    waiter = asyncio.ensure_future(flight.do("k", work))
    await started.wait()
    waiter.cancel()
    await asyncio.wait_for(cancelled.wait(), 5)
    assert len(flight) == 0
