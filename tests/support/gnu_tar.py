"""GNU tar as the reference: build sparse layers with it, and extract layers with it.

The expected values of the tar-semantics tests come from here (what GNU tar writes and
what it extracts), never from regview.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "SPARSE_FORMATS",
    "Extracted",
    "extract_layers",
    "gnu_tar",
    "sparse_layer",
    "write_sparse",
]

#: ``tar`` options for each sparse format GNU tar writes.
SPARSE_FORMATS: dict[str, list[str]] = {
    "gnu": ["--format=gnu", "--sparse"],
    "pax-0.0": ["--format=posix", "--sparse", "--sparse-version=0.0"],
    "pax-0.1": ["--format=posix", "--sparse", "--sparse-version=0.1"],
    "pax-1.0": ["--format=posix", "--sparse", "--sparse-version=1.0"],
}

MiB = 1024 * 1024


def gnu_tar() -> str:
    tar = shutil.which("tar")
    assert tar is not None, "GNU tar is needed"
    return tar


def write_sparse(root: Path) -> dict[str, int]:
    """Sparse files of several shapes under ``root``; returns name -> data bytes written."""
    root.mkdir(parents=True, exist_ok=True)
    shapes: dict[str, tuple[int, list[tuple[int, bytes]]]] = {
        # 30 MiB, 8 KiB of data: the example.
        "big.bin": (30 * MiB, [(12288, b"A" * 4096), (20 * MiB, b"B" * 4096)]),
        "tail-hole.bin": (10 * MiB, [(0, b"C" * 4096)]),
        "all-hole.bin": (5 * MiB, []),
        "data-at-end.bin": (3 * MiB, [(3 * MiB - 4096, b"E" * 4096)]),
        # 40 chunks: GNU old sparse needs extension blocks (4 pairs in the header, 21 each).
        "many.bin": (
            41 * 65536,
            [(i * 65536 + 8192, bytes([65 + i % 26]) * 4096) for i in range(40)],
        ),
    }
    written = {}
    for name, (size, chunks) in shapes.items():
        with (root / name).open("wb") as f:
            f.truncate(size)
            for offset, data in chunks:
                f.seek(offset)
                f.write(data)
        written[name] = sum(len(d) for _, d in chunks)
    return written


def sparse_layer(tmp: Path, fmt: str, *, under: str = "") -> bytes:
    """A tar of :func:`write_sparse`'s files, written by GNU tar in sparse format ``fmt``
    (inside the directory ``under``, listed first, when given)."""
    base = tmp / f"sparse-src-{fmt}-{under or 'top'}"
    src = base / under if under else base
    if not src.exists():
        write_sparse(src)
    names = [under] if under else sorted(p.name for p in src.iterdir())
    out = tmp / f"sparse-{fmt}-{under or 'top'}.tar"
    subprocess.run(
        [
            gnu_tar(),
            *SPARSE_FORMATS[fmt],
            "--owner=0",
            "--group=0",
            "-cf",
            str(out),
            "-C",
            str(base),
            *names,
        ],
        check=True,
    )
    return out.read_bytes()


@dataclass(frozen=True)
class Extracted:
    """A tree GNU tar extracted (layers applied in order), and its exit status."""

    root: Path
    status: int
    stderr: str

    def content(self, path: str) -> bytes | None:
        """The bytes ``cat`` would print (symlinks followed), None if there is none."""
        target = self.root / path
        try:
            return target.read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None

    def sha256(self, path: str) -> str:
        h = hashlib.sha256()
        with (self.root / path).open("rb") as f:
            while piece := f.read(MiB):
                h.update(piece)
        return h.hexdigest()

    def lstat(self, path: str) -> os.stat_result:
        return os.lstat(self.root / path)


def extract_layers(tmp: Path, *layers: bytes, name: str = "x") -> Extracted:
    """``tar -x`` of each raw tar in order into one directory (no whiteout handling)."""
    root = tmp / name
    root.mkdir()
    status = 0
    errors = []
    for i, raw in enumerate(layers):
        archive = tmp / f"{name}-layer{i}.tar"
        archive.write_bytes(raw)
        done = subprocess.run(
            [gnu_tar(), "-xf", str(archive), "-C", str(root), "--no-same-owner"],
            capture_output=True,
            text=True,
            check=False,
        )
        status = max(status, done.returncode)
        errors.append(done.stderr)
    return Extracted(root, status, "".join(errors))
