"""The hash worker: updates in order, a bounded backlog, errors reported, no thread left
behind; and the indexer's diff_id and file digests through it, against sha256 of what
``zstd -dc``/``gzip -dc`` and GNU tar give."""

from __future__ import annotations

import gc
import hashlib
import io
import random
import subprocess
import tarfile
import threading
from pathlib import Path

import pytest

from regview.registry import media_types as mt
from regview.registry.layers.entry import Entry
from regview.registry.layers.hash_thread import HashThread
from regview.registry.layers.indexer import StreamState
from tests.support.layer_builders import gz, zst


def _workers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "regview-hash"]


def test_updates_are_applied_in_order() -> None:
    pieces = [bytes([i]) * (i * 997 + 1) for i in range(200)]
    a, b = hashlib.sha256(), hashlib.sha256()
    hashing = HashThread(max_batches=2)
    for i, piece in enumerate(pieces):
        hashing.update(a, piece)
        hashing.update(b, memoryview(piece)[: i + 1])
        if i % 3 == 0:
            hashing.flush()
    hashing.drain()
    hashing.close()
    assert a.hexdigest() == hashlib.sha256(b"".join(pieces)).hexdigest()
    assert (
        b.hexdigest()
        == hashlib.sha256(b"".join(p[: i + 1] for i, p in enumerate(pieces))).hexdigest()
    )


class _Gate:
    """A hasher that blocks until released, counting the updates it saw."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.seen = 0

    def update(self, data: bytes | memoryview, /) -> None:
        assert self.release.wait(30), "hang guard"
        self.seen += 1


def test_the_backlog_is_bounded() -> None:
    gate = _Gate()
    hashing = HashThread(max_batches=2)
    flushed = 0

    def producer() -> None:
        nonlocal flushed
        for _ in range(10):
            hashing.update(gate, b"x")
            hashing.flush()
            flushed += 1

    thread = threading.Thread(target=producer)
    thread.start()
    thread.join(0.5)
    # One batch in the worker's hands, two queued: the fourth flush waits.
    assert thread.is_alive()
    assert flushed == 3
    gate.release.set()
    thread.join(30)
    hashing.drain()
    hashing.close()
    assert gate.seen == 10


class _Broken:
    def update(self, data: bytes | memoryview, /) -> None:
        raise ValueError("broken hasher")


def test_a_failure_in_the_worker_is_raised_by_drain() -> None:
    hashing = HashThread()
    hashing.update(_Broken(), b"x")
    with pytest.raises(ValueError, match="broken hasher"):
        hashing.drain()
    hashing.close()


def test_close_and_abandon_stop_the_worker() -> None:
    before = len(_workers())
    hashing = HashThread()
    hashing.update(hashlib.sha256(), b"x")
    hashing.flush()
    assert len(_workers()) == before + 1
    hashing.close()
    assert len(_workers()) == before

    abandoned = HashThread()
    abandoned.update(hashlib.sha256(), b"x")
    abandoned.flush()
    (worker,) = [t for t in _workers() if t.is_alive()][before:]
    del abandoned
    gc.collect()
    worker.join(30)
    assert not worker.is_alive()


def _layer(tmp_path: Path) -> tuple[bytes, dict[str, str]]:
    """A tar of files of many sizes, and the sha256 of each as GNU tar extracts it."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        sizes = (0, 1, 511, 512, 513, 2048, 65_535, 65_536, 70_000, 300_000, 1_000_000)
        for i, size in enumerate(sizes):
            info = tarfile.TarInfo(f"d/f{i}")
            info.size = size
            tar.addfile(info, io.BytesIO(bytes((i * 7 + k) % 251 for k in range(size))))
    raw = out.getvalue()
    target = tmp_path / "x"
    target.mkdir()
    subprocess.run(["tar", "-xf", "-", "-C", str(target)], input=raw, check=True)
    digests = {
        f"d/{p.name}": hashlib.sha256(p.read_bytes()).hexdigest() for p in (target / "d").iterdir()
    }
    return raw, digests


@pytest.mark.parametrize("codec", ["zstd", "gzip"])
def test_index_hashes_match_the_command_line_tools(tmp_path: Path, codec: str) -> None:
    raw, digests = _layer(tmp_path)
    blob = zst(raw, frames=3) if codec == "zstd" else gz(raw)
    tool = ["zstd", "-dcq"] if codec == "zstd" else ["gzip", "-dc"]
    stream = subprocess.run(tool, input=blob, check=True, capture_output=True).stdout
    media = mt.OCI_LAYER_ZSTD if codec == "zstd" else mt.OCI_LAYER_GZIP
    state = StreamState(media)
    for i in range(0, len(blob), 4096):
        state.feed(blob[i : i + 4096])
    state.finish()
    assert state.diff_id == "sha256:" + hashlib.sha256(stream).hexdigest()
    assert {e.path: e.sha256 for e in state.parser.entries} == digests
    assert not [t for t in _workers() if t.is_alive()]


def test_files_hashed_by_the_worker_get_their_digest_with_a_hook_too(tmp_path: Path) -> None:
    # Files from 64 KiB up are hashed on the worker and filled in at the end; a hook that
    # keeps the entries it saw keeps them as they were (before their data: no digest).
    raw, digests = _layer(tmp_path)
    seen: list[Entry] = []
    state = StreamState(mt.OCI_LAYER_GZIP, lambda e: seen.append(e) or None)
    blob = gz(raw)
    for i in range(0, len(blob), 1000):
        state.feed(blob[i : i + 1000])
    state.finish()
    assert {e.path: e.sha256 for e in state.parser.entries} == digests
    assert len(seen) == len(digests)
    assert all(e.sha256 is None for e in seen)


def _wait_until_queued(hashing: HashThread, batches: int) -> None:
    """Until the worker took the first batch and ``batches`` wait behind it."""
    for _ in range(3000):
        if hashing._steps.qsize() == batches:
            return
        threading.Event().wait(0.01)
    raise AssertionError("hang guard: the worker never took its first batch")


def test_busy_while_batches_wait_for_the_worker() -> None:
    gate = _Gate()
    hashing = HashThread(max_batches=4)
    assert not hashing.busy
    for _ in range(3):  # one taken by the worker (blocked on the gate), two waiting
        hashing.update(gate, b"x")
        hashing.flush()
    _wait_until_queued(hashing, 2)
    assert hashing.busy
    gate.release.set()
    hashing.drain()
    assert not hashing.busy
    hashing.close()


def _one_big_file() -> tuple[bytes, str]:
    data = bytes(range(256)) * 1024  # 256 KiB: over OFFLOAD_MIN
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo("big")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return out.getvalue(), hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("clogged", [False, True])
def test_a_big_file_is_hashed_by_the_parser_when_the_worker_is_behind(clogged: bool) -> None:
    from regview.registry.layers.tarstream import TarParser

    raw, expected = _one_big_file()
    gate = _Gate()
    hashing = HashThread(max_batches=4)
    if clogged:
        for _ in range(3):
            hashing.update(gate, b"x")
            hashing.flush()
        _wait_until_queued(hashing, 2)
    parser = TarParser(hash_files=True, hash_thread=hashing)
    parser.feed(raw[:1024])  # the header and the first bytes: who hashes it is decided
    for i in range(1024, len(raw), 512):
        parser.feed(raw[i : i + 512])
        if clogged:
            assert hashing._steps.qsize() <= 2  # nothing more was given to the worker
    parser.finish()
    (entry,) = parser.entries
    # Hashed by the parser: known as soon as its data ended; by the worker: after drain.
    assert entry.sha256 == (expected if clogged else None)
    gate.release.set()
    hashing.drain()
    parser.complete_hashes()
    assert parser.entries[0].sha256 == expected
    hashing.close()


def test_reading_without_file_hashes_still_gets_the_diff_id_from_the_worker() -> None:
    raw, _ = _one_big_file()
    raw += bytes(10 * 1024)  # two end blocks, and more
    blob = zst(raw, frames=2)
    before = len([t for t in _workers() if t.is_alive()])
    state = StreamState(mt.OCI_LAYER_ZSTD, hash_files=False)
    for i in range(0, len(blob), 4096):
        state.feed(blob[i : i + 4096])
    assert len([t for t in _workers() if t.is_alive()]) == before + 1
    state.finish()
    assert state.diff_id == "sha256:" + hashlib.sha256(raw).hexdigest()
    assert state.parser.entries[0].sha256 is None
    assert len([t for t in _workers() if t.is_alive()]) == before


def test_an_abandoned_read_stops_its_worker() -> None:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo("random")
        data = random.Random(7).randbytes(512 * 1024)  # several zstd blocks: output early
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    blob = zst(out.getvalue())
    before = len([t for t in _workers() if t.is_alive()])
    state = StreamState(mt.OCI_LAYER_ZSTD, hash_files=False)
    state.feed(blob[: len(blob) * 3 // 4])
    assert len([t for t in _workers() if t.is_alive()]) == before + 1  # it did start
    state.close()
    assert len([t for t in _workers() if t.is_alive()]) == before
