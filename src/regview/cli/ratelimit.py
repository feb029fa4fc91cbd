"""``ratelimit``: the pull budget a registry grants us, read with one HEAD request.

Docker Hub answers every manifest request with ``RateLimit-Limit``/``-Remaining``;
a HEAD is not counted as a pull, so asking costs nothing. Registries that meter no
pulls send no such headers, and the command says so.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from regview.cli.common import (
    Command,
    UsageError,
    add_json_flag,
    parse_ref,
    print_json,
    print_lines,
    reference_registry,
    source_for,
)

if TYPE_CHECKING:
    from regview.registry import ClientPool, RateLimit

ORDER = 33
"""Where this command stands in ``regview -h`` (after cat, before delete and serve)."""


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "reference",
        metavar="REF",
        help="an image whose manifest is asked about (HEAD only), e.g. alpine or "
        "docker.io/library/alpine:latest",
    )
    add_json_flag(p)


def _window(seconds: int | None) -> str:
    if not seconds:
        return ""
    if seconds % 3600 == 0:
        return f" per {seconds // 3600} h"
    if seconds % 60 == 0:
        return f" per {seconds // 60} min"
    return f" per {seconds} s"


def _sentence(name: str, identity: str, budget: RateLimit | None, note: str) -> str:
    if budget is None:
        return f"{name} reports no pull limit for {identity} (no RateLimit headers)"
    left = "?" if budget.remaining is None else f"{budget.remaining:,}"
    limit = "?" if budget.limit is None else f"{budget.limit:,}"
    text = f"{name}: {left} of {limit} pulls left{_window(budget.window_seconds)} for {identity}"
    if not note and budget.remaining == 0:
        note = ": used up (log in for a larger limit, or wait)"
    return text + note


async def _ratelimit(pool: ClientPool, args: argparse.Namespace) -> int:
    from regview.registry import RateLimited, RegistryClient

    ref = parse_ref(args.reference)
    source = source_for(pool, ref.source_key)
    if not isinstance(source, RegistryClient):
        raise UsageError("an OCI layout has no pull limit: give a registry reference")
    note = ""
    try:
        budget = await source.pull_budget(ref.repository, ref.reference)
    except RateLimited as exc:
        # Over the limit, some registries refuse even the HEAD: the headers still tell.
        budget = source.stats.rate_limit
        if budget is None:
            raise
        wait = exc.retry_after
        note = ": used up" + (f", try again in {wait / 3600:.1f} h" if wait else "")
    if args.json:
        out: dict[str, Any] = {
            "reference": ref.display,
            "registry": source.name,
            "identity": source.identity,
            "metered": budget is not None,
            "limit": None if budget is None else budget.limit,
            "remaining": None if budget is None else budget.remaining,
            "window_seconds": None if budget is None else budget.window_seconds,
        }
        print_json(out)
    else:
        print_lines([_sentence(source.name, source.identity, budget, note)])
    return 0


COMMANDS = (
    Command(
        "ratelimit",
        "show the pull budget (RateLimit headers) with one HEAD request",
        _arguments,
        reference_registry,
        _ratelimit,
    ),
)
