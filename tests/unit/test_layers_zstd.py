"""zstd layers: several frames, skippable frames, truncation, bombs, and the frame list.

The frames are built here, one by one, with ``zstandard`` (not the decoder under test),
so where each one starts is known independently; the ``zstd`` command checks that a
blob cut at a recorded boundary decodes on its own to the rest of the data.
"""

from __future__ import annotations

import random
import shutil
import struct
import subprocess
import tracemalloc

import pytest
import zstandard

from regview.registry.errors import LayerFormatError
from regview.registry.layers.decompress import OUT_CHUNK, Decompressor, sniff_compression
from regview.registry.layers.zstd_stream import FRAME_SPACING, ZstdStream
from tests.support.layer_builders import gz

MiB = 1024 * 1024


def frame(data: bytes, *, level: int = 3) -> bytes:
    return zstandard.ZstdCompressor(level=level, write_content_size=True).compress(data)


def skippable(payload: bytes, magic_low: int = 0) -> bytes:
    return struct.pack("<II", 0x184D2A50 + magic_low, len(payload)) + payload


def mixed_data(n: int, seed: int) -> bytes:
    """Partly compressible bytes: text lines with random words."""
    rng = random.Random(seed)
    words = [rng.randbytes(rng.randrange(1, 12)).hex().encode() for _ in range(500)]
    out = bytearray()
    while len(out) < n:
        out += b" ".join(rng.choice(words) for _ in range(12)) + b"\n"
    return bytes(out[:n])


class Run:
    """A Decompressor fed in ``step``-byte pieces, keeping what its sink got."""

    def __init__(self, blob: bytes, step: int, *, declared: str | None = "zstd") -> None:
        self.pieces: list[int] = []
        out = bytearray()

        def sink(piece: bytes) -> None:
            self.pieces.append(len(piece))
            out.extend(piece)

        self.decompressor = Decompressor(sink, declared=declared)
        for start in range(0, len(blob), step):
            self.decompressor.feed(blob[start : start + step])
        self.decompressor.finish()
        self.output = bytes(out)


def layout(parts: list[tuple[str, bytes]]) -> tuple[bytes, list[tuple[int, int]], bytes]:
    """Blob, (compressed, uncompressed) offset of every data frame, and the content."""
    blob, content, starts = b"", b"", []
    for kind, data in parts:
        if kind == "data":
            starts.append((len(blob), len(content)))
            blob += frame(data)
            content += data
        else:
            blob += skippable(data)
    return blob, starts, content


def kept(starts: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The rule the docstring promises: keep a boundary FRAME_SPACING past the last one."""
    out: list[tuple[int, int]] = []
    for c, u in starts:
        if not out or u - out[-1][1] >= FRAME_SPACING:
            out.append((c, u))
    return out


@pytest.mark.parametrize("step", [1, 5, 4096, 3 * MiB])
def test_several_frames_give_their_starts(step: int) -> None:
    sizes = [FRAME_SPACING + 100, 2 * FRAME_SPACING, FRAME_SPACING, 300_000, 5]
    parts = [("data", mixed_data(n, seed)) for seed, n in enumerate(sizes)]
    blob, starts, content = layout(parts)
    if step == 1:  # one byte at a time: the same blob, made small enough to stay quick
        blob, starts, content = layout([("data", d[: FRAME_SPACING // 8]) for _, d in parts])
    run = Run(blob, step)
    assert run.output == content
    assert run.decompressor.zstd_frames == kept(starts)
    assert run.decompressor.compression == "zstd"
    assert max(run.pieces) <= OUT_CHUNK


def test_every_frame_of_a_megabyte_or_more_is_kept_exactly() -> None:
    """Hand-computed offsets: frames each at least FRAME_SPACING long are all kept."""
    datas = [mixed_data(FRAME_SPACING + k * 1000, seed=k) for k in range(4)]
    frames = [frame(d) for d in datas]
    run = Run(b"".join(frames), 64 * 1024)
    expected = []
    c = u = 0
    for f, d in zip(frames, datas, strict=True):
        expected.append((c, u))
        c, u = c + len(f), u + len(d)
    assert run.decompressor.zstd_frames == expected
    assert len(expected) == 4


@pytest.mark.parametrize("step", [1, 7, 1 << 16])
def test_skippable_frames_in_the_middle_are_skipped_and_not_listed(step: int) -> None:
    a, b, c = (mixed_data(FRAME_SPACING + 10, seed) for seed in (1, 2, 3))
    if step == 1:
        a, b, c = a[:40_000], b[:40_000], c[:40_000]
    parts = [
        ("skip", b"a TOC before the data" * 10),
        ("data", a),
        ("skip", b""),
        ("skip", bytes(range(256)) * 40),
        ("data", b),
        ("skip", b"x" * 3),
        ("data", c),
        ("skip", b"trailing manifest"),
    ]
    blob, starts, content = layout(parts)
    run = Run(blob, step)
    assert run.output == content
    assert run.decompressor.zstd_frames == kept(starts)
    if step != 1:
        assert len(run.decompressor.zstd_frames) == 3


def test_every_skippable_magic_is_recognised() -> None:
    data = mixed_data(FRAME_SPACING, seed=9)
    blob = b"".join(skippable(b"%d" % k, magic_low=k) for k in range(16)) + frame(data)
    run = Run(blob, 4096)
    assert run.output == data
    assert run.decompressor.zstd_frames == [(sum(8 + len(b"%d" % k) for k in range(16)), 0)]


@pytest.mark.skipif(shutil.which("zstd") is None, reason="needs the zstd command")
def test_a_blob_cut_at_a_recorded_boundary_decodes_alone_with_the_zstd_command() -> None:
    parts = [("data", mixed_data(FRAME_SPACING + 7 * k, seed=k)) for k in range(3)]
    parts.insert(2, ("skip", b"between"))
    blob, _, content = layout(parts)
    frames = Run(blob, 1 << 16).decompressor.zstd_frames
    assert len(frames) == 3
    for compressed, uncompressed in frames:
        tail = subprocess.run(
            ["zstd", "-dc", "-q"], input=blob[compressed:], capture_output=True, check=True
        ).stdout
        assert tail == content[uncompressed:]


@pytest.mark.parametrize(
    "cut",
    [
        pytest.param(lambda f: f[:3], id="inside the magic"),
        pytest.param(lambda f: f[:6], id="inside the frame header"),
        pytest.param(lambda f: f[: len(f) // 2], id="inside a block"),
        pytest.param(lambda f: f[:-1], id="one byte short"),
    ],
)
def test_a_truncated_frame_is_a_one_line_error(cut: object) -> None:
    first = frame(mixed_data(300_000, seed=1))
    second = frame(mixed_data(300_000, seed=2))
    assert callable(cut)
    for step in (1 << 16, 1000):
        with pytest.raises(LayerFormatError) as info:
            Run(first + cut(second), step)
        message = str(info.value)
        assert "zstd" in message and "\n" not in message


def test_a_truncated_skippable_frame_is_an_error() -> None:
    blob = frame(b"hello") + skippable(b"x" * 100)[:50]
    with pytest.raises(LayerFormatError, match="zstd data ends early"):
        Run(blob, 4096)


def test_garbage_after_the_last_frame_is_an_error() -> None:
    with pytest.raises(LayerFormatError, match="not valid zstd"):
        Run(frame(b"hello") + b"this is not zstd at all", 4096)


def test_a_zstd_bomb_costs_time_not_memory() -> None:
    inflated = 256 * MiB
    cctx = zstandard.ZstdCompressor(level=19)
    bomb = cctx.compress(b"\0" * (4 * MiB)) * (inflated // (4 * MiB))
    assert len(bomb) < 100_000
    pieces: list[int] = []
    decompressor = Decompressor(lambda piece: pieces.append(len(piece)), declared="zstd")
    tracemalloc.start()
    try:
        for start in range(0, len(bomb), 1 << 16):
            decompressor.feed(bomb[start : start + (1 << 16)])
        decompressor.finish()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sum(pieces) == inflated == decompressor.bytes_out
    assert max(pieces) <= OUT_CHUNK
    assert peak < 8 * OUT_CHUNK  # nowhere near the 256 MiB it inflates to


def test_the_frame_list_is_capped_for_a_blob_of_tiny_frames() -> None:
    """200,000 frames of 16 bytes each: one boundary per MiB is kept, not 200,000."""
    tiny = frame(b"0123456789abcdef")
    count = 200_000
    run = Run(tiny * count, 1 << 20)
    assert run.output == b"0123456789abcdef" * count
    per_mib = FRAME_SPACING // 16  # frames per MiB of output
    expected = [(k * per_mib * len(tiny), k * FRAME_SPACING) for k in range(4)]
    assert count * 16 < 4 * FRAME_SPACING  # so four boundaries: 0, 1, 2 and 3 MiB
    assert run.decompressor.zstd_frames == expected


def test_a_hundred_thousand_empty_frames_keep_one_boundary() -> None:
    empty = frame(b"")
    run = Run(empty * 100_000 + frame(b"end"), 1 << 20)
    assert run.output == b"end"
    assert run.decompressor.zstd_frames == [(0, 0)]


def test_other_formats_have_no_frames() -> None:
    assert Run(gz(b"x" * 1000), 100, declared="gzip").decompressor.zstd_frames == []
    assert Run(b"plain tar bytes" * 100, 100, declared=None).decompressor.zstd_frames == []


def test_a_skippable_frame_first_is_recognised_from_its_first_byte_on() -> None:
    for n in (1, 2, 3):
        assert sniff_compression(b"\x5a\x2a\x4d\x18"[:n]) is None
    assert sniff_compression(b"\x5a\x2a\x4d\x18") == "zstd"
    assert sniff_compression(b"\x5a\x2b") == "none"
    assert sniff_compression(b"\x60\x2a\x4d") == "none"


def test_past_the_most_boundaries_every_other_one_goes_and_the_spacing_doubles() -> None:
    """64 frames of 1 MiB with room for 8: worked by hand, 9 boundaries at 0..8 MiB thin
    to 0, 2, .. 8 (spacing 2 MiB); at 16 MiB to 0, 4, .. 16; at 32 MiB to 0, 8, .. 32
    (spacing 8 MiB); then 40, 48 and 56 MiB are kept."""
    one = frame(b"\0" * MiB)
    total = [0]

    def sink(piece: bytes) -> None:
        total[0] += len(piece)

    stream = ZstdStream(sink, out_chunk=OUT_CHUNK, max_frames=8)
    stream.feed(one * 64)
    stream.finish()
    assert total[0] == 64 * MiB
    assert stream.frames == [(k * len(one), k * MiB) for k in range(0, 64, 8)]
    assert stream.frame_spacing == 8 * MiB
