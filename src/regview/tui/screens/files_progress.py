"""What the files view says while it reads layers: bytes read of total, rate, phase."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from regview.registry import Descriptor, IndexProgress, short_digest
from regview.tui.text import human_size

__all__ = ["Progress", "image_progress", "layer_progress", "progress_line"]

PHASES = {
    "cached": "from the cache",
    "toc": "reading its table of contents",
    "stream": "reading the whole layer",
    "done": "done",
}


@dataclass(frozen=True, slots=True)
class Progress:
    """What the progress bar and the line under it show."""

    read: int
    total: int | None
    line: str


def progress_line(read: int, total: int | None, rate: float, phase: str = "") -> str:
    """``1.2 MB of 3.4 MB · 5.6 MB/s · reading the whole layer``."""
    text = human_size(read)
    if total is not None:
        text += f" of {human_size(total)}"
    text += f" · {human_size(int(rate))}/s"
    if phase:
        text += f" · {phase}"
    return text


def layer_progress(layer: Descriptor, p: IndexProgress, elapsed: float) -> Progress:
    """One layer being read; the rate by our own clock (a stalled read shows its rate
    falling, not the last one seen)."""
    total = p.total if p.total is not None else layer.size
    read = total if p.phase in ("cached", "done") else p.read
    rate = p.read / elapsed if elapsed > 0 else p.rate
    return Progress(read, total, progress_line(read, total, rate, PHASES.get(p.phase, p.phase)))


def image_progress(
    layers: Sequence[Descriptor], progress: Mapping[str, IndexProgress], elapsed: float
) -> Progress:
    """Every layer of an image: bytes of those done or under way, and which are read."""
    sizes = {d.digest: d.size for d in layers}
    total = sum(sizes.values())
    read = fresh = done = 0
    reading: list[str] = []
    for digest, size in sizes.items():
        p = progress.get(digest)
        if p is None:
            continue
        if p.phase in ("cached", "done"):
            done += 1
            read += size
            fresh += p.read if p.phase == "done" else 0
        else:
            read += p.read
            fresh += p.read
            reading.append(short_digest(digest))
    rate = fresh / elapsed if elapsed > 0 else 0.0
    phase = f"{done} of {len(sizes)} layers done"
    if reading:
        phase += " · reading " + ", ".join(reading)
    return Progress(read, total, progress_line(read, total, rate, phase))
