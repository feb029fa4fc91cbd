"""Reading untrusted JSON: a capped parse, and fields of the type they should be.

A field of the wrong type does not stop a decoder: it reads as "" (or is skipped) and
the decoder's :class:`Problems` counts it, to be said once in one line.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

__all__ = ["MAX_JSON_BYTES", "DecodeError", "Problems", "load_json", "mapping", "sequence"]

MAX_JSON_BYTES = 64 * 1024 * 1024
"""The largest JSON blob decoded (SBOM, attestation, signature payload)."""


class DecodeError(ValueError):
    """A blob that is not what it claims to be; ``str()`` is one line saying why."""


def load_json(data: bytes, what: str) -> Any:
    """``data`` parsed as JSON, or :class:`DecodeError` (too big, not UTF-8, not JSON,
    nested too deep)."""
    if len(data) > MAX_JSON_BYTES:
        raise DecodeError(
            f"{what} is {len(data):,} bytes, more than the {MAX_JSON_BYTES // 2**20} MiB "
            "regview decodes; save it with -o FILE and read it with another tool"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DecodeError(f"{what} is not UTF-8 text (byte {exc.start:,})") from None
    try:
        return json.loads(text)
    except RecursionError:
        raise DecodeError(f"{what} is JSON nested too deep to decode") from None
    except json.JSONDecodeError as exc:
        raise DecodeError(
            f"{what} is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None


class Problems:
    """Problems found while decoding, each said once with how many times it occurred."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()

    def add(self, message: str) -> None:
        self._counts[message] += 1

    def text(self, where: str, key: str, value: Any) -> str:
        """``value`` as a string: itself when it is one, a number written out (counted as
        a problem), "" for anything else (counted too) and for null."""
        if isinstance(value, str):
            return value
        if value is None:
            return ""
        self.add(f"{where}: {key} is not a string")
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        return ""

    def object(self, key: str, value: Any) -> dict[str, Any]:
        """An optional object field: itself, or {} when absent (or, counted as a problem,
        when it is not an object)."""
        if isinstance(value, dict):
            return value
        if value is not None:
            self.add(f"{key} is not an object")
        return {}

    def result(self) -> tuple[str, ...]:
        return tuple(
            message if n == 1 else f"{message} ({n:,} times)" for message, n in self._counts.items()
        )


def mapping(value: Any, what: str) -> dict[str, Any]:
    """``value`` when it is a JSON object, else :class:`DecodeError`."""
    if not isinstance(value, dict):
        raise DecodeError(f"{what} is {_kind(value)}, not a JSON object")
    return value


def sequence(value: Any, what: str, problems: Problems) -> list[Any]:
    """``value`` when it is a JSON array; null or absent is empty; anything else is a
    problem and empty."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    problems.add(f"{what} is {_kind(value)}, not an array")
    return []


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
