"""``manifest``, ``config``, ``referrers`` and ``inspect``: the documents behind a
reference, raw as served or described.

JSON says what the text says: each referrer has its ``kind`` (``signature``,
``sbom``, ``attestation`` or ``artifact``), and an index entry that is a buildx
attestation manifest has ``"attestation": true`` and ``attests``, the digest of the
image it describes (null when it does not say).
"""

from __future__ import annotations

import argparse
from collections.abc import MutableMapping
from typing import TYPE_CHECKING, Any

from regview.cli.common import (
    Command,
    add_json_flag,
    add_platform_flag,
    fail,
    parse_ref,
    print_json,
    print_lines,
    reference_registry,
    source_for,
    write_raw,
)
from regview.inspect_text import attested, render_inspect

if TYPE_CHECKING:
    from regview.registry import ClientPool
    from regview.targets import Ref

ORDER = 20
"""Where these commands stand in ``regview -h``."""


def _reference_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("reference", metavar="REF")


def _config_arguments(p: argparse.ArgumentParser) -> None:
    _reference_argument(p)
    add_platform_flag(p)


def _referrers_arguments(p: argparse.ArgumentParser) -> None:
    _reference_argument(p)
    add_json_flag(p)


def _inspect_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("references", nargs="+", metavar="REF")
    add_platform_flag(p)
    p.add_argument(
        "--recursive",
        action="store_true",
        help="describe every manifest an index lists, too",
    )
    add_json_flag(p)


def _inspect_registries(args: argparse.Namespace) -> list[str]:
    return [parse_ref(r).source_key for r in args.references]


async def _manifest(pool: ClientPool, args: argparse.Namespace) -> int:
    ref = parse_ref(args.reference)
    source = source_for(pool, ref.source_key)
    fetched = await source.manifest(ref.repository, ref.reference)
    write_raw(fetched.raw)
    return 0


async def _config(pool: ClientPool, args: argparse.Namespace) -> int:
    from regview.registry import ImageManifest, NotFound, Platform, resolve_image

    ref = parse_ref(args.reference)
    source = source_for(pool, ref.source_key)
    platform = Platform.parse(args.platform) if args.platform else None
    fetched = await resolve_image(
        source, ref.repository, ref.reference, platform, max_depth=pool.settings.max_index_depth
    )
    manifest = fetched.manifest
    if not isinstance(manifest, ImageManifest):
        raise NotFound(f"{ref.display} has no image config ({manifest.media_type})")
    config = await source.config(ref.repository, manifest.config)
    write_raw(config.raw)
    return 0


async def _referrers(pool: ClientPool, args: argparse.Namespace) -> int:
    from regview.registry import media_types as mt

    ref = parse_ref(args.reference)
    source = source_for(pool, ref.source_key)
    subject = await source.resolve(ref.repository, ref.reference)
    found = await source.referrers(ref.repository, subject.digest)
    if args.json:
        print_json(
            {
                "subject": subject.digest,
                "referrers": [
                    {
                        "digest": d.digest,
                        "mediaType": d.media_type,
                        "size": d.size,
                        "artifactType": d.artifact_type,
                        "kind": mt.referrer_kind(d.artifact_type),
                        "annotations": dict(d.annotations),
                    }
                    for d in found
                ],
            }
        )
        return 0
    lines = [
        f"{mt.referrer_kind(d.artifact_type):<12} {d.digest}  {d.artifact_type or d.media_type}"
        for d in found
    ]
    print_lines(lines or [f"no referrers for {subject.digest}"])
    return 0


async def _inspect(pool: ClientPool, args: argparse.Namespace) -> int:
    import asyncio

    from regview.registry import Platform, RegistryError, inspect

    platform = Platform.parse(args.platform) if args.platform else None
    refs = [parse_ref(r) for r in args.references]

    async def one(ref: Ref) -> dict[str, Any]:
        source = source_for(pool, ref.source_key)
        document = await inspect(
            source,
            ref.repository,
            ref.reference,
            display=ref.display,
            platform=platform,
            recursive=args.recursive,
            max_depth=pool.settings.max_index_depth,
        )
        mark_attestations(document)
        return document

    tasks = [asyncio.ensure_future(one(r)) for r in refs]
    failures = 0
    for ref, task in zip(refs, tasks, strict=True):
        try:
            result = await task
        except RegistryError as exc:
            if len(refs) == 1:
                raise
            failures += 1
            fail(f"{ref.display}: {exc}")
            continue
        if args.json:
            print_json(result, compact=len(refs) > 1)
        else:
            print_lines(render_inspect(result))
    return 1 if failures else 0


def mark_attestations(document: MutableMapping[str, Any]) -> None:
    """Mark the attestation manifests an index lists, at every level of the document."""
    manifests = document.get("manifests")
    if not isinstance(manifests, list):
        return
    for i, entry in enumerate(manifests):
        digest = attested(entry)
        if digest is not None:
            marked: dict[str, Any] = {}
            for key, value in entry.items():
                marked[key] = value
                if key == "platform":
                    marked["attestation"] = True
                    marked["attests"] = digest or None
            marked.setdefault("attestation", True)
            marked.setdefault("attests", digest or None)
            manifests[i] = entry = marked
        image = entry.get("image")
        if isinstance(image, MutableMapping):
            mark_attestations(image)


COMMANDS = (
    Command(
        "manifest",
        "print a manifest's raw bytes, exactly as served",
        _reference_argument,
        reference_registry,
        _manifest,
    ),
    Command(
        "config",
        "print an image config's raw bytes, exactly as served",
        _config_arguments,
        reference_registry,
        _config,
    ),
    Command(
        "referrers",
        "list signatures, SBOMs and attestations of an image",
        _referrers_arguments,
        reference_registry,
        _referrers,
    ),
    Command(
        "inspect",
        "describe images, indexes and artifacts",
        _inspect_arguments,
        _inspect_registries,
        _inspect,
    ),
)
