"""An SBOM's packages as a :class:`~regview.tui.widgets.virtual_list.VirtualList`: one
row each, in columns that fit the width (a hundred thousand rows draw as fast as ten),
every field drawn as literal text."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from regview.artifacts import Package
from regview.tui.text import literal
from regview.tui.widgets.virtual_list import VirtualList

__all__ = [
    "PackageList",
    "package_columns",
    "package_detail",
    "package_header",
    "package_key",
]

_FIELDS = ("name", "version", "type", "license", "purl", "supplier")


def package_key(p: Package) -> str:
    """What ``/`` matches of a package: its name, version, purl and license, one to a
    line (a query typed in one line never matches across two fields)."""
    return "\n".join((p.name, p.version, p.purl, p.license))


def package_columns(width: int) -> list[tuple[str, int]]:
    """Which columns fit in ``width`` cells, and how wide each is (a space between)."""
    if width >= 110:
        wanted = [
            ("name", 28),
            ("version", 18),
            ("type", 12),
            ("license", 18),
            ("purl", 0),
            ("supplier", 20),
        ]
    elif width >= 70:
        wanted = [("name", 24), ("version", 14), ("type", 10), ("license", 14), ("purl", 0)]
    else:
        wanted = [("name", max(width // 2, 10)), ("version", 0)]
    used = sum(w + 1 for _, w in wanted if w)
    return [(name, w or max(width - used, 8)) for name, w in wanted]


def package_header(width: int) -> Text:
    """The column titles over the table, for ``width`` cells."""
    return _cells(None, width)


def _cells(values: dict[str, str] | None, width: int, style: str = "") -> Text:
    text = Text(end="", style=style)
    for i, (name, w) in enumerate(package_columns(width)):
        value = name.upper() if values is None else values[name]
        cell = literal(value, limit=w) if values is not None else Text(value)
        cell.truncate(w, overflow="ellipsis", pad=True)
        if i:
            text.append(" ")
        text.append_text(cell)
    return text


class PackageList(VirtualList):
    """An SBOM's packages, one row each, in columns that fit the width."""

    fuzzy = False

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(empty_text="no packages", id=id)
        self.packages: Sequence[Package] = ()

    def set_packages(self, packages: Sequence[Package]) -> None:
        self.packages = packages
        self.set_items([package_key(p) for p in packages])

    def render_row(self, index: int, width: int) -> Text:
        p = self.packages[index]
        return _cells({f: getattr(p, f) for f in _FIELDS}, width)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A package has nothing to open: the line under the table shows all of it.
        return action != "select"


def package_detail(p: Package) -> Text:
    """Every field of one package, in full (the table cuts them to their columns)."""
    text = Text(end="")
    for i, (key, value) in enumerate(
        (
            ("", p.name),
            ("version ", p.version),
            ("type ", p.type),
            ("license ", p.license),
            ("supplier ", p.supplier),
            ("", p.purl),
        )
    ):
        if not value:
            continue
        if i:
            text.append("  ")
        text.append(key, style="dim")
        text.append_text(literal(value, limit=300, style="bold" if i == 0 else ""))
    return text
