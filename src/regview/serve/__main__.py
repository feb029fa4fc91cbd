"""``python -m regview.serve [FLAGS] [TARGET]``: ``regview serve`` without the CLI."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from regview.serve.command import run
from regview.serve.options import add_arguments, add_passthrough_flags


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m regview.serve",
        description="Serve the regview explorer to web browsers (one app per tab).",
    )
    add_arguments(parser)
    add_passthrough_flags(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
