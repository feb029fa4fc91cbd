"""``regview serve``: the explorer in a browser, one app process per tab (textual-serve).

The CLI registers the command with :func:`add_arguments` and runs it with :func:`run`;
:func:`run_serve` is the same without argparse. Importing this package imports neither
aiohttp nor textual-serve.
"""

from regview.serve.command import run, run_serve
from regview.serve.options import ServeUsageError, add_arguments, settings_argv, settings_env

__all__ = [
    "ServeUsageError",
    "add_arguments",
    "run",
    "run_serve",
    "settings_argv",
    "settings_env",
]
