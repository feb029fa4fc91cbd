"""Large bodies are parsed off the event loop; parsed manifests are reused by digest."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import regview.registry.manifests as manifests_module
import regview.registry.pagination as pagination_module
from regview.registry.client import RegistryClient
from regview.registry.digests import compute_digest
from regview.registry.offload import PARSE_IN_THREAD
from regview.registry.settings import Settings
from tests.support.fake_registry import FakeRegistry, make_image

MAIN = threading.main_thread().name


def spy(monkeypatch: pytest.MonkeyPatch, module: ModuleType, name: str) -> list[str]:
    """Record the thread each call of ``module.<name>`` runs on."""
    threads: list[str] = []
    real = getattr(module, name)

    def recording(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, recording)
    return threads


def client(fake: FakeRegistry, tmp_path: Path | None = None) -> RegistryClient:
    options = Settings(cache_dir=tmp_path, use_cache=tmp_path is not None)
    return RegistryClient(fake.host, settings=options, http_transport=fake.transport())


def big_image(fake: FakeRegistry) -> tuple[str, bytes]:
    """An image whose manifest carries ~400 KiB of annotations (over the thread limit)."""
    manifest, config, layers = make_image("big")

    obj = json.loads(manifest)
    obj["annotations"] = {f"org.example.note-{i}": "x" * 400 for i in range(1000)}
    raw = json.dumps(obj).encode()
    assert len(raw) > PARSE_IN_THREAD
    fake.blobs.update({compute_digest(b): b for b in [config, *layers]})
    return fake.push("team/big", "1.0", raw), raw


async def test_a_large_manifest_is_parsed_on_a_thread(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake = FakeRegistry()
    digest, raw = big_image(fake)
    fake.push_image("team/small", "1.0")
    threads = spy(monkeypatch, manifests_module, "parse_manifest")
    async with client(fake, tmp_path) as c:
        assert (await c.manifest("team/big", "1.0")).raw == raw
        assert threads[-1] != MAIN
        await c.manifest("team/small", "1.0")
        assert threads[-1] == MAIN  # small ones are not worth a thread hop
    # From the disk cache, in a new client: still off the loop.
    threads.clear()
    async with client(fake, tmp_path) as c:
        assert (await c.manifest("team/big", digest)).digest == digest
    assert threads and all(t != MAIN for t in threads)


async def test_a_large_tag_list_is_parsed_on_a_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeRegistry()
    for i in range(3):
        fake.push_image("team/app", f"v{i}", label=str(i))
    # 30,000 more tag names pointing at the same image: a body of ~400 KiB.
    data, media_type = fake.manifests["team/app"]["v0"]
    for i in range(30_000):
        fake.manifests["team/app"][f"build-{i:06d}"] = (data, media_type)
    threads = spy(monkeypatch, pagination_module, "parse_page")
    async with client(fake) as c:
        pages = [page async for page in c.tags("team/app")]
    assert sum(len(p) for p in pages) == 30_003
    assert threads and threads[0] != MAIN


async def test_a_manifest_is_parsed_once_per_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeRegistry()
    digest, _m, _c = fake.push_image("team/app", "1.0")
    threads = spy(monkeypatch, manifests_module, "parse_manifest")
    async with client(fake) as c:
        await c.manifest("team/app", "1.0")
        for _ in range(5):
            await c.manifest("team/app", digest)
            assert c.peek_manifest("team/app", digest) is not None
    assert len(threads) == 1
