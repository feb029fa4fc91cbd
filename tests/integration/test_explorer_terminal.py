"""``echo PASSWORD | regview -u USER --password-stdin HOST`` at a real terminal: the
password comes from the pipe, then the keys come from the terminal.

Before the fix the explorer drew its panes, but every key was echoed by the terminal
(``R^[[Bitories``) instead of reaching it, and it spun on the finished pipe until
killed. Here a pseudo-terminal plays the person's terminal, against the htpasswd
registry of the fixtures.
"""

from __future__ import annotations

import shlex
import sys

from tests.support.cli import Credentials, Regview, base_env
from tests.support.registry import RegistryServer
from tests.support.terminal import Terminal


def test_keys_reach_the_explorer_after_password_stdin(
    regview: Regview, basic_registry: RegistryServer, basic_credentials: Credentials
) -> None:
    argv = shlex.join(
        [
            sys.executable,
            "-m",
            "regview",
            "--plain-http",
            "-u",
            basic_credentials.username,
            "--password-stdin",
            basic_registry.host,
        ]
    )
    env = {**base_env(), **regview.env(), "PW": basic_credentials.password}
    with Terminal(f'printf "%s\\n" "$PW" | {argv}', env, columns=120, rows=40) as term:
        # Logged in: the catalog is listed, the first repository opened.
        term.read_until("private/oci-image:latest")
        term.send("\x1b[B")  # Down: the next repository, and its manifest
        term.read_until("private/oci-index:latest")
        term.send("q")
        assert term.wait() == 0
    assert "^[[B" not in term.text  # the terminal did not echo the key
    assert basic_credentials.password not in term.text
