"""``lint``: check a reference against the OCI image-spec (recursively through an index).

Every document the reference leads to is checked: the index or manifest, each manifest an
index lists, each image's config, and an OCI layout's ``oci-layout`` file. Exits 1 when
any problem is found (or the reference cannot be read), 0 when everything is valid.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from regview.cli.common import (
    Command,
    add_json_flag,
    parse_ref,
    print_json,
    print_lines,
    reference_registry,
    source_for,
)
from regview.inspect_text import problem_text

if TYPE_CHECKING:
    from regview.registry import ClientPool, LintReport

ORDER = 25
"""Right after the documents commands in ``regview -h``."""


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("reference", metavar="REF")
    add_json_flag(p)


async def _lint(pool: ClientPool, args: argparse.Namespace) -> int:
    from regview.registry import lint

    ref = parse_ref(args.reference)
    report = await lint(
        source_for(pool, ref.source_key),
        ref.repository,
        ref.reference,
        display=ref.display,
        max_depth=pool.settings.max_index_depth,
    )
    if args.json:
        print_json(report.to_json())
    else:
        print_lines(render_lint(report))
    return 1 if report.problem_count else 0


def render_lint(report: LintReport) -> list[str]:
    """The text ``lint`` prints: each document, its problems (⚠) and notes."""
    bad = sum(1 for d in report.documents if d.problems)
    total = len(report.documents)
    if report.problem_count:
        plural = "s" if report.problem_count != 1 else ""
        head = f"{report.reference}: {report.problem_count} problem{plural}"
        lines = [f"{head} in {bad} of {total} documents"]
    else:
        lines = [f"{report.reference}: no problems in {total} documents"]
    for d in report.documents:
        lines.append(f"{d.kind:<10} {d.name}")
        for p in d.problems:
            lines.append(f"  ⚠ {problem_text(p.to_json())}  [{p.rule}]")
        for note in d.notes:
            lines.append(f"  note: {note}")
    return lines


COMMANDS = (
    Command(
        "lint",
        "check a reference against the OCI image-spec; exit 1 on any problem",
        _arguments,
        reference_registry,
        _lint,
    ),
)
