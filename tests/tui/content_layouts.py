"""``view/app:v1``: one image whose files exercise the viewer (text with a lexer, binary,
hostile content, a file of many lines, an empty file). The contents are module constants:
tests compare what the viewer shows with these bytes, never with the viewer's output."""

from __future__ import annotations

from pathlib import Path

from regview.registry.oci_layout import LayoutWriter
from tests.tui.layouts import TarEntry, _tar_image

PYTHON = b'''"""A module."""

import os


def main(argv: list[str]) -> int:
    name = os.environ.get("NAME", "world")
    print(f"hello {name}")  # [bold]not markup[/bold]
    return 0
'''

#: Rich markup, terminal escapes (clear screen, OSC 52 clipboard write, title), bidi.
HOSTILE = (
    b"[bold red]not bold[/bold red] [@click=app.quit]click me[/]\n"
    b"clear:\x1b[2J title:\x1b]0;pwned\x07 clip:\x1b]52;c;Zm9v\x07 bell:\x07\n"
    b"tab:\there cr:\rover\n"
    + "rtl:\u202eevil.txt zero\u200bwidth\n".encode()
    + b"bad utf-8:\xff\xfe end\n"
)

BINARY = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + bytes(range(256)) * 4 + b"NEEDLE" + bytes(10)

#: 100 000 numbered lines (about 3.5 MB): streamed, never read whole.
BIG_LINES = 100_000
BIG = b"".join(b"line %06d of the log: some text\n" % i for i in range(BIG_LINES))

#: One line of 20 000 characters (minified code), then a short one.
MINIFIED = b"var a=" + b"1+" * 10_000 + b"0;\nshort\n"

VIEW_FILES: list[TarEntry] = [
    ("app/main.py", PYTHON),
    ("bin/tool", BINARY),
    ("etc/hostile.txt", HOSTILE),
    ("etc/os-release", b"ID=test\nVERSION=1\n"),
    ("etc/empty", b""),
    ("var/log/big.log", BIG),
    ("web/app.min.js", MINIFIED),
]


def build_content_layouts(root: Path) -> Path:
    w = LayoutWriter(root / "view" / "app")
    w.tag(_tar_image(w, "amd64", [VIEW_FILES]), "v1")
    w.close()
    return root
