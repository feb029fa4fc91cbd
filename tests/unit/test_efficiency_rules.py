"""dive's CI rules: sizes as go-humanize reads them, .dive-ci files, verdicts.

Expected values are written by hand (go-humanize: 1 kB = 1000 B, 1 KiB = 1024 B).
"""

from __future__ import annotations

import pytest

from regview.registry import CiRules, Efficiency, evaluate_rules, parse_ci_config
from regview.registry.efficiency_rules import parse_byte_size


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0),
        ("1190", 1190),
        ("20MB", 20_000_000),
        ("20Mb", 20_000_000),  # dive's own example spells it so; go-humanize ignores case
        ("512 kB", 512_000),
        ("5MiB", 5 * 1024 * 1024),
        ("1.5GB", 1_500_000_000),
    ],
)
def test_byte_sizes(text: str, expected: int) -> None:
    assert parse_byte_size(text) == expected


@pytest.mark.parametrize("text", ["", "lots", "-5MB", "5 parsecs", "1e9"])
def test_bad_sizes_say_what_to_write(text: str) -> None:
    with pytest.raises(ValueError, match="20MB"):
        parse_byte_size(text)


def test_dive_ci_file_legacy_and_kebab_keys() -> None:
    text = """
plugins:
  - plugin1

rules:
  # If the efficiency is measured below X%, mark as failed.
  lowestEfficiency: 0.95
  highest-wasted-bytes: "20Mb"   # quoted
  highestUserWastedPercent: 0.5
  plugin1/rule1: error
other:
  lowest-efficiency: 0.1
"""
    assert parse_ci_config(text) == {
        "lowest_efficiency": "0.95",
        "highest_wasted_bytes": "20Mb",
        "highest_user_wasted_percent": "0.5",
    }


def test_defaults_are_dives_and_flags_override() -> None:
    assert CiRules() == CiRules(0.9, None, 0.1)
    base = CiRules.from_text("0.95", "20MB", "0.5")
    assert base == CiRules(0.95, 20_000_000, 0.5)
    assert CiRules.from_text(None, "disabled", "off", base=base) == CiRules(0.95, None, None)
    with pytest.raises(ValueError, match="between 0 and 1"):
        CiRules.from_text("95")


def _result(score: float, wasted: int, user_ratio: float) -> Efficiency:
    return Efficiency(score, 1000, 500, wasted, user_ratio, (), (), ())


def test_verdicts_at_and_across_the_thresholds() -> None:
    rules = CiRules(0.9, 100, 0.1)
    at = evaluate_rules(_result(0.9, 100, 0.1), rules)
    assert [(r.rule, r.passed) for r in at] == [
        ("lowest-efficiency", True),
        ("highest-wasted-bytes", True),
        ("highest-user-wasted-percent", True),
    ]
    over = evaluate_rules(_result(0.89, 101, 0.11), rules)
    assert [r.passed for r in over] == [False, False, False]
    assert over[1].message == "101 bytes wasted, more than the highest allowed 100"
    assert evaluate_rules(_result(0.1, 10**9, 1.0), CiRules(None, None, None)) == []
