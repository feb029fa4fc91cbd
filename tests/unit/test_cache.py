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


# --- write-behind ------------------------------------------------------------------------


def test_write_behind_writes_on_its_own_thread_and_flush_waits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    import regview.registry.cache as cache_module

    writers: list[str] = []
    real = cache_module.write_atomic
    gate = threading.Event()

    def slow_write(path: Path, data: bytes) -> bool:
        gate.wait(10)
        writers.append(threading.current_thread().name)
        return real(path, data)

    monkeypatch.setattr(cache_module, "write_atomic", slow_write)
    data = b'{"schemaVersion": 2}'
    digest = compute_digest(data)
    cache = ContentCache(tmp_path, write_behind=True)
    cache.put(digest, data)  # returns while the writer waits on the gate
    assert cache.get(digest) == data
    assert ContentCache(tmp_path).get(digest) is None  # not on disk yet
    gate.set()
    cache.flush()
    assert ContentCache(tmp_path).get(digest) == data
    assert writers and all(name.startswith("regview-cache-writer") for name in writers)


def test_write_behind_serves_a_queued_blob_too_big_for_memory(tmp_path: Path) -> None:
    data = b"x" * 1000
    digest = compute_digest(data)
    cache = ContentCache(tmp_path, memory_bytes=100, write_behind=True)  # never in memory
    cache.put(digest, data)
    assert cache.get(digest) == data  # from the queue, or from disk once written
    cache.flush()
    assert cache.get(digest) == data


def test_write_behind_keeps_writes_and_removals_in_order(tmp_path: Path) -> None:
    cache = ContentCache(tmp_path, write_behind=True)
    for i in range(20):
        cache.put_ref("tag:x/y:1", {"digest": f"d{i}"})
        cache.drop_ref("tag:x/y:1")
    cache.put_ref("tag:x/y:2", {"digest": "kept"})
    cache.flush()
    fresh = ContentCache(tmp_path)
    assert fresh.get_ref("tag:x/y:1") is None
    entry = fresh.get_ref("tag:x/y:2")
    assert entry is not None and entry.value == {"digest": "kept"}


def test_a_dropped_ref_is_gone_before_the_writer_unlinks_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    import regview.registry.cache as cache_module

    cache = ContentCache(tmp_path, write_behind=True)
    cache.put_ref("tags:team/app", {"tags": ["1.0"]}, etag='"v1"')
    cache.flush()  # the entry is on disk
    gate = threading.Event()
    real_unlink = cache_module._unlink

    def slow_unlink(path: Path) -> None:
        gate.wait(10)
        real_unlink(path)

    monkeypatch.setattr(cache_module, "_unlink", slow_unlink)
    cache.drop_ref("tags:team/app")  # returns while the writer waits on the gate
    assert cache.get_ref("tags:team/app") is None  # not read back from the disk meanwhile
    cache.put_ref("tags:team/app", {"tags": ["2.0"]})
    entry = cache.get_ref("tags:team/app")
    assert entry is not None and entry.value == {"tags": ["2.0"]}
    gate.set()
    cache.flush()
    entry = ContentCache(tmp_path).get_ref("tags:team/app")
    assert entry is not None and entry.value == {"tags": ["2.0"]}


async def test_closing_a_client_flushes_its_cache(tmp_path: Path) -> None:
    from regview.registry.client import RegistryClient
    from regview.registry.settings import Settings

    fake = FakeRegistry()
    digest, manifest, _config = fake.push_image("team/app", "1.0")
    async with RegistryClient(
        fake.host, settings=Settings(cache_dir=tmp_path), http_transport=fake.transport()
    ) as client:
        await client.manifest("team/app", "1.0")
        assert client.cache._write_behind
    assert ContentCache(tmp_path).get(digest) == manifest
