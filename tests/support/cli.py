"""Run regview's command line (``python -m regview``) as a subprocess, isolated.

:func:`run_regview` insists that the environment names a cache directory
(``REGVIEW_CACHE_DIR``, unless ``--no-cache`` is passed) and a Docker config directory
(``DOCKER_CONFIG``), so a test can never read the developer's own credentials or cache.
Proxy variables are dropped: the only network is loopback.

:class:`Regview` (the ``regview`` fixture) binds all that to one test's temporary
directories: its own cache, an empty ``DOCKER_CONFIG``, its own ``HOME`` and XDG dirs.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Variables of the parent environment that must not leak into regview under test.
_SCRUB_PREFIXES = ("REGVIEW_",)
_SCRUB = {
    "DOCKER_CONFIG",
    "REGISTRY_AUTH_FILE",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
}


@dataclass(frozen=True)
class CliResult:
    args: tuple[str, ...]
    returncode: int
    stdout: bytes
    stderr: str

    @property
    def text(self) -> str:
        return self.stdout.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.stdout)

    def describe(self) -> str:
        out = self.text
        if len(out) > 2000:
            out = out[:2000] + "..."
        return (
            f"regview {' '.join(self.args)} exited {self.returncode}\n"
            f"--- stdout ---\n{out}\n--- stderr ---\n{self.stderr[-4000:]}"
        )

    def ok(self) -> CliResult:
        """Assert exit status 0; return self for chaining."""
        assert self.returncode == 0, self.describe()
        return self

    def failed(self) -> CliResult:
        """Assert a clean failure: non-zero exit, a one-line error, no traceback."""
        assert self.returncode != 0, self.describe()
        assert "Traceback" not in self.stderr, self.describe()
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, f"expected a one-line error\n{self.describe()}"
        return self


def base_env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k.upper() not in _SCRUB and not k.upper().startswith(_SCRUB_PREFIXES)
    }
    env["NO_PROXY"] = "127.0.0.1,localhost"
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("PYTHONWARNINGS", None)
    return env


def run_regview(
    *args: str,
    env: Mapping[str, str],
    input: bytes | str | None = None,
    timeout: float = 180.0,
) -> CliResult:
    """``python -m regview ARGS`` with ``env`` laid over a scrubbed copy of os.environ."""
    if "DOCKER_CONFIG" not in env:
        raise ValueError("run_regview needs DOCKER_CONFIG pointing at an empty directory")
    if "REGVIEW_CACHE_DIR" not in env and "--no-cache" not in args:
        raise ValueError("run_regview needs REGVIEW_CACHE_DIR or --no-cache")
    full_env = {**base_env(), **env}
    data = input.encode() if isinstance(input, str) else input
    proc = subprocess.run(
        [sys.executable, "-m", "regview", *args],
        input=data,
        stdin=subprocess.DEVNULL if data is None else None,
        capture_output=True,
        env=full_env,
        timeout=timeout,
    )
    return CliResult(
        args=tuple(args),
        returncode=proc.returncode,
        stdout=proc.stdout,
        stderr=proc.stderr.decode("utf-8", errors="replace"),
    )


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str

    @property
    def pair(self) -> tuple[str, str]:
        return self.username, self.password

    @property
    def basic(self) -> str:
        """The ``auth`` value of a docker config.json entry: base64 of ``user:password``."""
        return base64.b64encode(f"{self.username}:{self.password}".encode()).decode()


class Regview:
    """Runs ``python -m regview`` with this test's own cache, Docker config and home."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.cache_dir = tmp / "cache"
        self.docker_config = tmp / "docker-config"  # stays empty
        self.home = tmp / "home"
        for d in (self.cache_dir, self.docker_config, self.home):
            d.mkdir(parents=True, exist_ok=True)

    def env(self, cache_dir: Path | None = None) -> dict[str, str]:
        return {
            "REGVIEW_CACHE_DIR": str(cache_dir or self.cache_dir),
            "DOCKER_CONFIG": str(self.docker_config),
            "HOME": str(self.home),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "XDG_CACHE_HOME": str(self.home / ".cache"),
            "XDG_DATA_HOME": str(self.home / ".local" / "share"),
            "XDG_STATE_HOME": str(self.home / ".local" / "state"),
            "XDG_RUNTIME_DIR": str(self.home / "run"),
        }

    def __call__(
        self,
        *args: str,
        input: bytes | str | None = None,
        plain_http: bool = True,
        cache_dir: Path | None = None,
    ) -> CliResult:
        """``regview [--plain-http] ARGS``; global flags go before the subcommand."""
        argv = ("--plain-http", *args) if plain_http else args
        return run_regview(*argv, env=self.env(cache_dir), input=input)

    def auth_file(self, auths: Mapping[str, Mapping[str, str]], name: str = "auth.json") -> Path:
        """A docker ``config.json``-format file (outside DOCKER_CONFIG) for ``--auth-file``."""
        path = self.tmp / name
        path.write_text(json.dumps({"auths": auths}, indent=2))
        return path

    def files_containing(self, needles: list[bytes], root: Path | None = None) -> list[Path]:
        """Files under ``root`` (default: the cache directory) containing any needle."""
        hits = []
        base = root or self.cache_dir
        for path in sorted(base.rglob("*")):
            if path.is_file():
                data = path.read_bytes()
                if any(n in data for n in needles):
                    hits.append(path)
        return hits
