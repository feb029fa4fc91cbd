"""``regview serve --proxy http://user:PASSWORD@…``: no tab's app process has the
password on its command line (``/proc/PID/cmdline`` is readable by every user), yet
every tab goes through the proxy with it (it is in the app's environment, readable only
by its user); the server warns once, the apps not at all, and no log line shows it.

The real registry of the integration tests sits behind a fake name that only the test
proxy (which wants the password) knows how to reach.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.serve.processes import Served, cmdline
from tests.support.proxy import TestProxy
from tests.support.registry import RegistryServer

SECRET = "hunter2-serve-proxy"
NAME = "reg.example.test:5000"  # resolves nowhere: only the proxy reaches it
GUARD = 60.0  # seconds: hang guards only


@pytest.fixture
def proxy(registry: RegistryServer) -> Iterator[TestProxy]:
    routes = {NAME: ("127.0.0.1", registry.port)}
    with TestProxy(routes, credentials=("alice", SECRET)) as p:
        yield p


async def until(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + GUARD
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {GUARD:.0f} s")
        await asyncio.sleep(0.05)


def environ(pid: int) -> list[str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    return [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]


async def test_the_proxy_password_is_in_no_apps_command_line_yet_it_is_used(
    serve: Callable[..., Served], proxy: TestProxy
) -> None:
    url = proxy.url_with("alice", SECRET)
    served = serve("--plain-http", "--proxy", url, NAME)
    assert SECRET in "\0".join(cmdline(served.pid))  # the server's own (what it warns of)
    headers = {"Cookie": f"regview-serve-{served.port}={served.token}", "Origin": served.base}
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http,
        http.ws_connect(f"{served.base}/ws?width=100&height=30", headers=headers) as ws,
    ):
        await until(lambda: len(served.apps()) == 1, "the tab's app started")
        (pid,) = served.apps()
        argv = cmdline(pid)
        assert argv[1:3] == ["-m", "regview"] and argv[-2:] == ["--", NAME]
        assert not any(SECRET in part for part in argv), argv
        assert "--proxy" not in argv
        assert f"REGVIEW_SERVE_PROXY={url}" in environ(pid)
        # The app went through the proxy, with the password (the proxy refuses without).
        await until(
            lambda: any(t.startswith(f"http://{NAME}/v2/") for _, t in proxy.forwarded),
            "the app asked the registry through the proxy",
        )
        assert proxy.refused == []
        await ws.close()
        await until(lambda: served.apps() == [], "the tab's app ended")
    served.wait_out(r"^session 1 closed: exit 0 after")
    served.finish()
    served.exited()
    logs = served.out + served.err
    assert not any(SECRET in line for line in logs), logs
    warnings = [line for line in served.err if "warning" in line]
    assert len(warnings) == 1, served.err  # the server's, not the app's
    assert warnings[0].startswith("regview serve: warning: the password in --proxy")
