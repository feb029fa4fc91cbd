"""Formatting of the benchmark's table and target lines (plain text, fixed width)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

OPS = {
    "a": "(a) catalog",
    "b": "(b) tags of one repo",
    "c": "(c) manifest+config",
}
REGVIEW_TOOLS = ("regview API", "regview CLI")


@dataclass
class Row:
    op: str  # "a" | "b" | "c"
    rtt_ms: float
    cache: str  # "cold" | "warm"
    tool: str
    seconds: list[float] = field(default_factory=list)
    requests: list[int] = field(default_factory=list)
    first: list[float] = field(default_factory=list)  # time to the first page / result
    items: int = 0
    note: str = ""

    @property
    def median(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds else None

    @property
    def median_first(self) -> float | None:
        return statistics.median(self.first) if self.first else None

    @property
    def median_requests(self) -> int | None:
        return int(statistics.median(self.requests)) if self.requests else None


def _s(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 10:
        return f"{value:.3f}"
    return f"{value:.1f}"


def _ratio(mine: float | None, peer: float | None) -> str:
    if mine is None or peer is None or peer <= 0:
        return "—"
    r = mine / peer
    return f"{r:.3f}" if r < 0.1 else f"{r:.2f}"


def table(rows: Sequence[Row], sizes: dict[str, str]) -> str:
    """One table: operation x latency x cache, a line per tool, with ratios to regview."""
    head = (
        f"{'operation':<30} {'RTT':>5} {'cache':<5} {'tool':<28} {'seconds':>8} "
        f"{'first':>7} {'reqs':>5} {'API/peer':>8} {'CLI/peer':>8}  note"
    )
    out = [head, "-" * len(head)]
    groups: dict[tuple[str, float, str], list[Row]] = {}
    for r in rows:
        groups.setdefault((r.op, r.rtt_ms, r.cache), []).append(r)
    last_op = None
    for (op, rtt, cache), group in groups.items():
        if last_op is not None:
            out.append("")
        last_op = op
        api = next((r for r in group if r.tool == "regview API"), None)
        cli = next((r for r in group if r.tool == "regview CLI"), None)
        for i, r in enumerate(group):
            label = f"{OPS[op]} {sizes.get(op, '')}" if i == 0 else ""
            is_regview = r.tool in REGVIEW_TOOLS
            api_ratio = "" if is_regview else _ratio(api.median if api else None, r.median)
            cli_ratio = "" if is_regview else _ratio(cli.median if cli else None, r.median)
            reqs = r.median_requests
            out.append(
                f"{label:<30} {rtt if i == 0 else '':>5} {cache if i == 0 else '':<5} "
                f"{r.tool:<28} {_s(r.median):>8} {_s(r.median_first):>7} "
                f"{reqs if reqs is not None else '—':>5} {api_ratio:>8} {cli_ratio:>8}  {r.note}"
            )
    return "\n".join(out)


@dataclass
class Target:
    name: str
    passed: bool | None  # None: not measured
    measured: str

    def line(self) -> str:
        verdict = {True: "PASS", False: "FAIL", None: "n/a "}[self.passed]
        return f"  [{verdict}] {self.name}: {self.measured}"
