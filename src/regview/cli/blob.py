"""``blob``: any blob of a repository, by digest, verified; or decoded for people.

The bytes go to standard output (binary refused on a terminal unless ``--force``, as
``cat`` does) or, with ``-o FILE``, to a temporary file beside FILE that is renamed
into place only once the digest matched: a mismatch leaves nothing behind. To a pipe
the digest is known only at the end; a mismatch then exits 1 after the output.

``--decode`` shows SBOMs (SPDX, CycloneDX) as a package table, in-toto/DSSE
attestations and cosign signature payloads decoded, and anything else as text or a
hex dump (bounded); ``--json`` prints the same as JSON (:mod:`regview.artifacts`).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from regview.cli.common import (
    Command,
    UsageError,
    parse_ref,
    print_json,
    redact,
    reference_registry,
    source_for,
)

if TYPE_CHECKING:
    from regview.artifacts import BlobBytes, Decoded
    from regview.registry import ClientPool, Source

ORDER = 31
"""Where this command stands in ``regview -h``: after ``files`` and ``cat``."""


def _digest_of(reference: str, display: str) -> str:
    if not reference.startswith(("sha256:", "sha512:")):
        raise UsageError(
            f"blob needs a digest, HOST/REPO@sha256:…, not {display} "
            "(regview manifest REF shows the digests of a manifest's blobs)"
        )
    return reference


def _check_output(path: Path, *, force: bool) -> None:
    if path.is_dir():
        raise UsageError(f"{path} is a directory: name the file to write")
    if (path.exists() or path.is_symlink()) and not force:
        raise UsageError(f"{path} exists: use --force to overwrite it")
    if not path.parent.is_dir():
        raise UsageError(f"{path.parent} is not a directory")


async def _to_file(source: Source, repository: str, digest: str, path: Path, force: bool) -> None:
    """Stream to a temporary file beside ``path``; rename only once verified."""
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            async with source.open_blob(repository, digest) as stream:
                async for chunk in stream.chunks():  # raises DigestMismatch at the end
                    f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        if force:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails if FILE appeared meanwhile: never overwrite
            except FileExistsError:
                raise UsageError(f"{path} exists: use --force to overwrite it") from None
            os.unlink(tmp)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


async def _to_stdout(source: Source, repository: str, digest: str, force: bool) -> None:
    # cat's guard: raw to a pipe; on a terminal text made safe, binary refused.
    from regview.cli.terminal_output import TerminalOutput

    out = TerminalOutput(force=force)
    async with source.open_blob(repository, digest) as stream:
        async for chunk in stream.chunks():
            out.write(chunk)
    out.close()


def safe_line(line: str) -> str:
    """``line`` made terminal-safe: at once when it is printable ASCII (most lines of a
    package table), else character by character (:func:`regview.textsafe.visible`)."""
    if line.isascii() and line.isprintable():
        return line
    from regview.textsafe import visible

    return visible(line)


def _print_safe(lines: list[str]) -> None:
    """``print_lines``, with :func:`safe_line`: a 100,000-package table prints in a
    fraction of the time; secrets are hidden the same way (a thousand lines at a time)."""
    out = sys.stdout
    for start in range(0, len(lines), 1024):
        out.write(redact("\n".join(safe_line(x) for x in lines[start : start + 1024])) + "\n")
    out.flush()


def _decoded_json(
    display: str, digest: str, read: BlobBytes, decoded: Decoded
) -> dict[str, object]:
    return {
        "reference": display,
        "digest": digest,
        "size": read.size,
        "verified": read.verified,
        "decoded": decoded.to_json(),
    }


async def _blob(pool: ClientPool, args: argparse.Namespace) -> int:
    ref = parse_ref(args.reference)
    digest = _digest_of(ref.reference, ref.display)
    if args.output is not None and (args.decode or args.json):
        raise UsageError("-o writes the blob's bytes; --decode and --json print a view of it")
    output = Path(args.output) if args.output is not None else None
    if output is not None:
        _check_output(output, force=args.force)
    source = source_for(pool, ref.source_key)
    if output is not None:
        await _to_file(source, ref.repository, digest, output, args.force)
        return 0
    if not (args.decode or args.json):
        await _to_stdout(source, ref.repository, digest, args.force)
        return 0

    from regview.artifacts import decode_blob, decoded_lines, read_for_decoding

    media_type = args.media_type or ""
    read = await read_for_decoding(source, ref.repository, digest, media_type=media_type)
    decoded = decode_blob(read.data, media_type=media_type, size=read.size)
    if args.json:
        print_json(_decoded_json(ref.display, digest, read, decoded))
    else:
        lines = list(decoded_lines(decoded))
        if not read.verified:
            lines.append(f"(the first {len(read.data):,} bytes: not checked against the digest)")
        _print_safe(lines)
    return 0


def _blob_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("reference", metavar="HOST/REPO@DIGEST")
    p.add_argument(
        "-o",
        "--output",
        default=None,
        metavar="FILE",
        help="write the blob to FILE, renamed into place once its digest matched",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="overwrite FILE; write binary content even when standard output is a terminal",
    )
    view = p.add_mutually_exclusive_group()
    view.add_argument(
        "--decode",
        action="store_true",
        help="show it for people: an SBOM's packages, an attestation or signature decoded,"
        " else text or a hex dump (the start of it)",
    )
    view.add_argument("--json", action="store_true", help="print the decoded view as JSON")
    p.add_argument(
        "--media-type",
        default=None,
        metavar="TYPE",
        help="the blob's media type, from its descriptor, for --decode/--json (default: "
        "recognised from the content)",
    )


COMMANDS = (
    Command(
        "blob",
        "write one blob (a layer, an SBOM, a signature...) by digest, verified",
        _blob_arguments,
        reference_registry,
        _blob,
    ),
)
