"""``analyze``: dive's efficiency figures for an image, and its CI mode.

The figures and how they differ from dive's (wasted space is the copies minus the one
kept, dive #684) are defined in :mod:`regview.registry.efficiency`; the CI rules in
:mod:`regview.registry.efficiency_rules`. Layers are numbered from 1 (the bottom
layer) in text, as ``files`` and the explorer do; JSON keeps 0-based positions.
"""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING, Any

from regview.cli.common import (
    Command,
    UsageError,
    add_json_flag,
    add_platform_flag,
    fail,
    print_json,
    print_lines,
    reference_registry,
)

if TYPE_CHECKING:
    from regview.registry import ClientPool
    from regview.registry.efficiency import Efficiency
    from regview.registry.efficiency_rules import CiRules, RuleResult

ORDER = 33
"""Where this command stands in ``regview -h``."""

_CONFIG_LIMIT = 64 * 1024
_DEFAULT_CONFIG = ".dive-ci"


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("reference", metavar="REF")
    add_platform_flag(p)
    p.add_argument(
        "--top",
        type=int,
        default=20,
        metavar="N",
        help="inefficient and largest files shown (default 20; JSON lists every inefficient file)",
    )
    p.add_argument(
        "--ci",
        action="store_true",
        help="check the rules (dive's CI mode): exit 1, with a line per failed rule, when one"
        " fails; reads ./.dive-ci unless --ci-config names a file",
    )
    p.add_argument(
        "--ci-config",
        default=None,
        metavar="FILE",
        help="a .dive-ci style YAML file with a rules: section (implies --ci)",
    )
    p.add_argument(
        "--lowest-efficiency",
        default=None,
        metavar="RATIO",
        help="fail below this efficiency, 0-1 (default 0.9; 'disabled' turns it off)",
    )
    p.add_argument(
        "--highest-wasted-bytes",
        default=None,
        metavar="SIZE",
        help="fail above this many wasted bytes, e.g. 20MB (default disabled)",
    )
    p.add_argument(
        "--highest-user-wasted-percent",
        default=None,
        metavar="RATIO",
        help="fail above this wasted/user-bytes ratio, 0-1 (default 0.1)",
    )
    add_json_flag(p)


def _rules(args: argparse.Namespace) -> CiRules | None:
    from regview.registry.efficiency_rules import CiRules, parse_ci_config

    flags = (args.lowest_efficiency, args.highest_wasted_bytes, args.highest_user_wasted_percent)
    if not (args.ci or args.ci_config or any(v is not None for v in flags)):
        return None
    path = args.ci_config
    if path is None and os.path.isfile(_DEFAULT_CONFIG):
        path = _DEFAULT_CONFIG
    base = CiRules()
    try:
        if path is not None:
            try:
                with open(path, "rb") as f:
                    raw = f.read(_CONFIG_LIMIT + 1)
            except OSError as exc:
                raise UsageError(
                    f"cannot read the CI config {path}: {exc.strerror or exc}"
                ) from None
            if len(raw) > _CONFIG_LIMIT:
                raise UsageError(f"the CI config {path} is larger than 64 kB")
            found = parse_ci_config(raw.decode("utf-8", "replace"))
            base = CiRules.from_text(
                found.get("lowest_efficiency"),
                found.get("highest_wasted_bytes"),
                found.get("highest_user_wasted_percent"),
            )
        return CiRules.from_text(*flags, base=base)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _json(ref: str, digest: str, result: Efficiency, checks: list[RuleResult] | None) -> Any:
    out: dict[str, Any] = {
        "reference": ref,
        "digest": digest,
        "efficiency": result.score,
        "shippedBytes": result.shipped_bytes,
        "userBytes": result.user_bytes,
        "wastedBytes": result.wasted_bytes,
        "userWastedPercent": result.user_wasted_ratio,
        "layers": [
            {
                "index": s.index,
                "digest": s.digest,
                "size": s.size,
                "compressedSize": s.compressed_size,
                "files": s.files,
            }
            for s in result.layers
        ],
        "inefficientFiles": [
            {
                "path": f.path,
                "wastedBytes": f.wasted_bytes,
                "totalBytes": f.total_bytes,
                "copies": [{"layer": c.layer, "size": c.size, "kept": c.kept} for c in f.copies],
                "deletedBy": f.deleted_by,
            }
            for f in result.inefficient
        ],
        "largestFiles": [
            {"path": f.path, "size": f.size, "layer": f.layer} for f in result.largest
        ],
    }
    if checks is not None:
        out["ci"] = [{"rule": c.rule, "passed": c.passed} for c in checks]
        out["ciPassed"] = all(c.passed for c in checks)
    return out


def _align(cell: str, width: int) -> str:
    return cell.rjust(width) if cell.isdigit() else cell.ljust(width)


def _columns(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return [
        "  ".join([_align(c, w) for c, w in zip(r, widths, strict=False)] + [r[-1]]) for r in rows
    ]


def _text(ref: str, digest: str, result: Efficiency, top: int) -> list[str]:
    from regview.registry.layers import display_path, format_size

    lines = [
        f"image: {ref} ({digest})",
        f"efficiency: {result.score * 100:.2f} %",
        f"wasted bytes: {result.wasted_bytes} ({format_size(result.wasted_bytes)})",
        f"user wasted percent: {result.user_wasted_ratio * 100:.2f} %"
        f" (of {format_size(result.user_bytes)} added above the base layer)",
        f"content shipped: {result.shipped_bytes} bytes in {len(result.layers)} layers",
        "",
        "layers:",
    ]
    rows = [["LAYER", "SIZE", "COMPRESSED", "FILES", "DIGEST"]]
    rows += [
        [str(s.index + 1), str(s.size), str(s.compressed_size), str(s.files), s.digest]
        for s in result.layers
    ]
    lines += _columns(rows)
    lines += ["", f"inefficient files: {len(result.inefficient)}"]
    if result.inefficient:
        rows = [["WASTED", "COPIES (LAYER:BYTES, * kept)", "PATH"]]
        for f in result.inefficient[:top]:
            copies = " ".join(f"{c.layer + 1}:{c.size}{'*' if c.kept else ''}" for c in f.copies)
            if f.deleted_by is not None:
                copies += f" deleted:{f.deleted_by + 1}"
            rows.append([str(f.wasted_bytes), copies, display_path(f.path)])
        lines += _columns(rows)
    lines += ["", "largest files:"]
    if result.largest:
        rows = [["SIZE", "LAYER", "PATH"]]
        rows += [
            [str(f.size), str(f.layer + 1), display_path(f.path)] for f in result.largest[:top]
        ]
        lines += _columns(rows)
    return lines


async def _analyze(pool: ClientPool, args: argparse.Namespace) -> int:
    from regview.cli.layers import _image_for_layers, _ProgressLine, _toc_store
    from regview.registry.efficiency import analyze_efficiency
    from regview.registry.efficiency_rules import evaluate_rules
    from regview.registry.layers import LayerIndexer, verify_diff_ids

    if args.top < 0:
        raise UsageError("--top must be 0 or more")
    rules = _rules(args)
    ref, source, layers, fetched = await _image_for_layers(pool, args)
    indexer = LayerIndexer(source, store=_toc_store(pool))
    progress = _ProgressLine(len(layers))
    try:
        tocs = await indexer.index_all(ref.repository, layers, progress=progress)
    finally:
        progress.clear()
    await verify_diff_ids(source, ref.repository, fetched, list(enumerate(tocs)))
    result = analyze_efficiency(tocs, largest=max(args.top, 20))
    checks = evaluate_rules(result, rules) if rules is not None else None
    if args.json:
        print_json(_json(ref.display, fetched.digest, result, checks))
    elif checks is None:
        print_lines(_text(ref.display, fetched.digest, result, args.top))
    else:
        print_lines(
            [
                f"efficiency: {result.score * 100:.2f} %",
                f"wasted bytes: {result.wasted_bytes}",
                f"user wasted percent: {result.user_wasted_ratio * 100:.2f} %",
                *[f"{'PASS' if c.passed else 'FAIL'} {c.rule}" for c in checks],
            ]
        )
    failed = [c for c in checks or () if not c.passed]
    for c in failed:
        fail(f"CI rule {c.rule} failed: {c.message}")
    return 1 if failed else 0


COMMANDS = (
    Command(
        "analyze",
        "dive's efficiency score, wasted bytes and inefficient files of an image; --ci checks",
        _arguments,
        reference_registry,
        _analyze,
    ),
)
