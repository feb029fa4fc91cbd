"""dive's CI rules over an :class:`~regview.registry.efficiency.Efficiency`.

The three rules and their spelling are dive's (``cmd/dive/cli/internal/command/ci``):
``lowest-efficiency`` (a ratio 0–1; fails when the score is below it),
``highest-wasted-bytes`` (a byte count such as ``20MB`` or ``5MiB``; fails when more is
wasted) and ``highest-user-wasted-percent`` (a ratio 0–1; fails when the user wasted
ratio is above it). ``disabled``, ``off``, ``false`` or an empty value turns a rule off.
With no value given, dive's defaults apply: 0.9, disabled, 0.1.

A ``.dive-ci`` file is YAML; only its ``rules:`` mapping of scalar values is read, in
the kebab-case or the legacy camelCase keys, without a YAML library (anything else in
the file is ignored).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from regview.registry.efficiency import Efficiency

__all__ = [
    "CiRules",
    "RuleResult",
    "evaluate_rules",
    "parse_byte_size",
    "parse_ci_config",
]

_DISABLED = ("", "disabled", "off", "false")
_KEYS = {
    "lowest-efficiency": "lowest_efficiency",
    "lowestefficiency": "lowest_efficiency",
    "highest-wasted-bytes": "highest_wasted_bytes",
    "highestwastedbytes": "highest_wasted_bytes",
    "highest-user-wasted-percent": "highest_user_wasted_percent",
    "highestuserwastedpercent": "highest_user_wasted_percent",
}
_UNITS = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "m": 1000**2,
    "mb": 1000**2,
    "g": 1000**3,
    "gb": 1000**3,
    "t": 1000**4,
    "tb": 1000**4,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
}
_SIZE = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*")


def parse_byte_size(text: str) -> int:
    """``20MB`` → 20,000,000; ``5MiB`` → 5,242,880 (as go-humanize, which dive uses)."""
    m = _SIZE.fullmatch(text)
    unit = m.group(2).lower() if m else ""
    if m is None or unit not in _UNITS:
        raise ValueError(f"{text!r} is not a size (write e.g. 20MB, 512kB or 5MiB)")
    return int(float(m.group(1)) * _UNITS[unit])


def _ratio(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name} must be a ratio between 0 and 1, not {text!r}") from None
    if not 0 <= value <= 1:
        raise ValueError(f"{name} must be a ratio between 0 and 1, not {text!r}")
    return value


def _off(text: str | None) -> bool:
    return text is not None and text.strip().lower() in _DISABLED


@dataclass(frozen=True, slots=True)
class CiRules:
    """The thresholds; None turns a rule off."""

    lowest_efficiency: float | None = 0.9
    highest_wasted_bytes: int | None = None
    highest_user_wasted_percent: float | None = 0.1

    @classmethod
    def from_text(
        cls,
        lowest_efficiency: str | None = None,
        highest_wasted_bytes: str | None = None,
        highest_user_wasted_percent: str | None = None,
        *,
        base: CiRules | None = None,
    ) -> CiRules:
        """Rules from their text values (None keeps ``base``'s, or dive's default).
        Raises ValueError, saying what to write, for a value that is not valid."""
        start = base or cls()
        low = start.lowest_efficiency
        if lowest_efficiency is not None:
            low = (
                None if _off(lowest_efficiency) else _ratio("lowest-efficiency", lowest_efficiency)
            )
        wasted = start.highest_wasted_bytes
        if highest_wasted_bytes is not None:
            if _off(highest_wasted_bytes):
                wasted = None
            else:
                try:
                    wasted = parse_byte_size(highest_wasted_bytes)
                except ValueError as exc:
                    raise ValueError(f"highest-wasted-bytes: {exc}") from None
        user = start.highest_user_wasted_percent
        if highest_user_wasted_percent is not None:
            user = (
                None
                if _off(highest_user_wasted_percent)
                else _ratio("highest-user-wasted-percent", highest_user_wasted_percent)
            )
        return cls(low, wasted, user)


def parse_ci_config(text: str) -> dict[str, str]:
    """The rule values of a ``.dive-ci`` file's ``rules:`` section, by attribute name of
    :class:`CiRules` (``lowest_efficiency``...), as text."""
    found: dict[str, str] = {}
    in_rules = False
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        indented = line[0] in " \t"
        key, colon, value = line.strip().partition(":")
        if not indented:
            in_rules = key.strip() == "rules" and colon == ":"
            continue
        if in_rules and colon:
            name = _KEYS.get(key.strip().lower())
            if name is not None:
                found[name] = value.strip().strip("\"'")
    return found


@dataclass(frozen=True, slots=True)
class RuleResult:
    """One rule: its name, whether it passed, and the line that says why it failed."""

    rule: str
    passed: bool
    message: str


def evaluate_rules(result: Efficiency, rules: CiRules) -> list[RuleResult]:
    """Each enabled rule's verdict, in dive's order."""
    out: list[RuleResult] = []
    if rules.lowest_efficiency is not None:
        ok = result.score >= rules.lowest_efficiency
        out.append(
            RuleResult(
                "lowest-efficiency",
                ok,
                f"efficiency {result.score:.4f} is below the lowest allowed "
                f"{rules.lowest_efficiency:g}",
            )
        )
    if rules.highest_wasted_bytes is not None:
        ok = result.wasted_bytes <= rules.highest_wasted_bytes
        out.append(
            RuleResult(
                "highest-wasted-bytes",
                ok,
                f"{result.wasted_bytes} bytes wasted, more than the highest allowed "
                f"{rules.highest_wasted_bytes}",
            )
        )
    if rules.highest_user_wasted_percent is not None:
        ok = result.user_wasted_ratio <= rules.highest_user_wasted_percent
        out.append(
            RuleResult(
                "highest-user-wasted-percent",
                ok,
                f"user wasted ratio {result.user_wasted_ratio:.4f} is above the highest "
                f"allowed {rules.highest_user_wasted_percent:g}",
            )
        )
    return out
