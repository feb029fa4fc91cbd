"""Saving content: the default name from an untrusted path, the checks of the typed path,
and the atomic streaming write (what lands on disk is compared with what was produced)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from regview.content.save_target import (
    FALLBACK_NAME,
    SaveRefused,
    SaveTarget,
    check_target,
    default_name,
    save_content,
)
from regview.content.source import SpooledContent

Write = Callable[[bytes], None]


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("etc/os-release", "os-release"),
        ("/usr/bin/app", "app"),
        ("..", FALLBACK_NAME),
        ("a/..", FALLBACK_NAME),
        ("...", FALLBACK_NAME),
        ("dir/", "dir"),
        ("", FALLBACK_NAME),
        ("x/..\\..\\evil", "evil"),
        ("weird/esc\x1b[2Jname", "esc_[2Jname"),
        ("nul\x00byte", "nul_byte"),
        ("rtl\u202eevil.txt", "rtl_evil.txt"),
        ("weird/\udcff\udcfebytes.bin", "__bytes.bin"),
        ("new\nline", "new_line"),
    ],
)
def test_default_name_never_traverses_or_holds_controls(title: str, name: str) -> None:
    assert default_name(title) == name
    assert "/" not in name and "\x00" not in name and name not in (".", "..")


def test_default_name_is_bounded() -> None:
    assert len(default_name("a" * 5000).encode()) <= 200


def test_typed_paths(tmp_path: Path) -> None:
    assert check_target("", "os-release", tmp_path) == SaveTarget(tmp_path / "os-release")
    assert check_target("out.txt", "x", tmp_path) == SaveTarget(tmp_path / "out.txt")
    (tmp_path / "sub").mkdir()
    # A directory (with or without the slash) means the default name inside it.
    assert check_target("sub", "x", tmp_path) == SaveTarget(tmp_path / "sub" / "x")
    assert check_target(f"{tmp_path}/sub/", "x", Path("/")) == SaveTarget(tmp_path / "sub" / "x")
    with pytest.raises(SaveRefused, match="no such directory"):
        check_target("missing/out", "x", tmp_path)
    with pytest.raises(SaveRefused, match="control"):
        check_target("out\x1b]52;c;Zm9v\x07", "x", tmp_path)
    with pytest.raises(SaveRefused, match="control"):
        check_target("a\x00b", "x", tmp_path)


def test_existing_file_and_symlink_need_a_yes(tmp_path: Path) -> None:
    (tmp_path / "there").write_text("old")
    assert check_target("there", "x", tmp_path) == SaveTarget(tmp_path / "there", exists=True)
    (tmp_path / "link").symlink_to(tmp_path / "there")
    assert check_target("link", "x", tmp_path) == SaveTarget(
        tmp_path / "link", exists=True, symlink=True
    )
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    assert check_target("dangling", "x", tmp_path).exists
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(SaveRefused, match="not a regular file"):
        check_target("fifo", "x", tmp_path)


def _spool(data: bytes, *, fail: bool = False) -> SpooledContent:
    async def produce(write: Write) -> None:
        for i in range(0, len(data), 100_000):
            write(data[i : i + 100_000])
            await asyncio.sleep(0)
        if fail:
            raise ConnectionResetError("the registry hung up")

    return SpooledContent("t", None if fail else len(data), produce)


async def test_save_streams_to_a_temp_file_and_renames(tmp_path: Path) -> None:
    data = os.urandom(2_500_000)
    spool = _spool(data)
    seen: list[int] = []
    target = tmp_path / "out.bin"
    assert await save_content(spool, target, seen.append) == len(data)
    assert target.read_bytes() == data
    assert seen[-1] == len(data) and len(seen) >= 3  # in pieces, not whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]
    # The permissions of a file the user made here (not the temp file's 0600).
    (tmp_path / "plain").touch()
    assert target.stat().st_mode & 0o777 == (tmp_path / "plain").stat().st_mode & 0o777
    await spool.aclose()


async def test_save_replaces_a_symlink_not_its_target(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"keep me")
    link = tmp_path / "link"
    link.symlink_to(victim)
    spool = _spool(b"new content")
    await save_content(spool, link)
    assert victim.read_bytes() == b"keep me"
    assert not link.is_symlink() and link.read_bytes() == b"new content"
    await spool.aclose()


async def test_a_failed_stream_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.write_bytes(b"old")
    spool = _spool(b"x" * 300_000, fail=True)
    with pytest.raises(SaveRefused, match="the registry hung up"):
        await save_content(spool, target)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    await spool.aclose()
