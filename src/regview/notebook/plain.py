"""Plain text for results shown in a terminal (``print(result)``, ``repr`` in a REPL).

Every registry string goes through :func:`regview.textsafe.visible`: escape sequences,
bidi overrides and zero-width characters are written as visible escapes, so printing a
result can never act on the terminal; credentials the kernel used are hidden
(:mod:`regview.notebook.secrets`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from regview.notebook.secrets import hide
from regview.textsafe import visible

__all__ = ["safe", "text_table"]


def safe(value: object, *, limit: int | None = 200) -> str:
    """``value`` as one line of terminal-safe text."""
    return visible(hide(str(value)), limit=limit)


def text_table(
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    numeric: Sequence[bool] | None = None,
    max_width: int = 48,
) -> list[str]:
    """Aligned columns, each cell terminal-safe and clipped to ``max_width``."""
    numeric = numeric or [False] * len(headers)
    cells = [[safe("" if c is None else c, limit=max_width) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, c in enumerate(row):
            widths[i] = max(widths[i], len(c))

    def line(values: Sequence[str]) -> str:
        parts = [
            v.rjust(w) if n else v.ljust(w)
            for v, w, n in zip(values, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    return [line(list(headers)), *(line(row) for row in cells)]
