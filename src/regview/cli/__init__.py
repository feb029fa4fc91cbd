"""regview's command line: scripting commands, or the explorer when none is named.

* :mod:`.common`: what every command shares (flags, settings, the client pool,
  output, failures, the :class:`~regview.cli.common.Command` record);
* :mod:`.dispatch`: finds the command groups, builds the parser, runs a command;
* command groups, one module each: :mod:`.listing` (catalog, tags), :mod:`.documents`
  (manifest, config, referrers, inspect; :mod:`.inspect_text` renders inspect as
  text), :mod:`.lint` (lint: the OCI image-spec's problems), :mod:`.layers` (files, cat);
* :mod:`.explore`: the explorer (the TUI).

Importing this package imports every module of it (to find the commands), and none of
them imports the registry, Textual or httpx at import time: ``regview --version`` and
the scripting commands start fast, and the TUI is imported only when it starts.
"""

from __future__ import annotations

from regview.cli.common import UsageError
from regview.cli.dispatch import find_command, main, parse_args
from regview.cli.explore import build_explorer

__all__ = ["UsageError", "build_explorer", "find_command", "main", "parse_args"]
