"""A real registry (Debian ``docker-registry``, CNCF distribution 2.8.2) for tests.

:class:`RegistryServer` starts ``docker-registry serve CONFIG`` on 127.0.0.1 with a free
port and its own storage directory (deletes enabled), waits until ``/v2/`` answers, and
stops it again (terminate, then kill). Its access log, one line per request in Apache
combined format, goes to the process's **stdout** (the ``time=... level=...`` application
log goes to stderr); both are captured to files in the work directory::

    127.0.0.1 - - [22/Nov/2026:05:55:40 +0000] "GET /v2/_catalog?n=5 HTTP/1.1" 200 20 "" "curl/8"

The line is written when the handler returns, which can be a moment after the client got
its response. :meth:`RegistryServer.sync` closes that gap: it sends a marker request and
waits for it to appear in the log, so everything before it has been logged too.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.support.tls import LoopbackCertificate

REGISTRY_BINARY = "docker-registry"
SYNC_PATH = "/v2/"
SYNC_PARAM = "regview-test-sync"

# 127.0.0.1 - - [22/Nov/2026:05:55:40 +0000] "GET /v2/ HTTP/1.1" 200 2 "" "curl/7.88.1"
_LINE_RE = re.compile(
    r"^(?P<remote>\S+) \S+ (?P<user>\S+) \[(?P<time>[^\]]+)\] "
    r'"(?P<method>[A-Z]+) (?P<target>\S+) (?P<proto>[^"]+)" '
    r'(?P<status>\d{3}) (?P<bytes>\d+|-) "(?P<referer>[^"]*)" "(?P<agent>[^"]*)"'
)


@dataclass(frozen=True)
class AccessLogEntry:
    """One request as the registry's access log recorded it."""

    method: str
    target: str  # path and query, as sent
    status: int
    user_agent: str
    line: str
    #: Body bytes sent, as the log says (None for "-").
    sent: int | None = None

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.target).query, keep_blank_values=True)

    @property
    def is_sync(self) -> bool:
        return SYNC_PARAM in self.query

    def __str__(self) -> str:
        return f"{self.method} {self.target} {self.status}"


def parse_access_line(line: str) -> AccessLogEntry | None:
    match = _LINE_RE.match(line)
    if match is None:
        return None
    return AccessLogEntry(
        method=match["method"],
        target=match["target"],
        status=int(match["status"]),
        user_agent=match["agent"],
        line=line,
        sent=None if match["bytes"] == "-" else int(match["bytes"]),
    )


def binaries_missing() -> list[str]:
    """Names of the external programs the integration tests need but cannot find."""
    return [b for b in (REGISTRY_BINARY, "skopeo", "htpasswd") if shutil.which(b) is None]


def memory_tempdir(prefix: str) -> Path | None:
    """A new directory on tmpfs (``/dev/shm``), or None where there is none.

    Registry storage lives there when it can: every manifest PUT renames and links a few
    files, and on a journalled disk that makes bulk writes about three times slower.
    """
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        return None
    try:
        return Path(tempfile.mkdtemp(prefix=prefix, dir=shm))
    except OSError:
        return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _yaml(obj: Any, indent: int = 0) -> str:
    """Enough YAML for a registry config (nested mappings of scalars); JSON strings are YAML."""
    pad = "  " * indent
    out = []
    for key, value in obj.items():
        if isinstance(value, Mapping):
            out.append(f"{pad}{key}:\n{_yaml(value, indent + 1)}")
        else:
            out.append(f"{pad}{key}: {json.dumps(value)}\n")
    return "".join(out)


class RegistryError(RuntimeError):
    pass


class RegistryServer:
    """A ``docker-registry`` process; use as a context manager or call start()/stop()."""

    def __init__(
        self,
        workdir: Path,
        *,
        name: str = "registry",
        auth: Mapping[str, Any] | None = None,
        log_level: str = "warn",
        extra_env: Mapping[str, str] | None = None,
        storage_in_memory: bool = True,
        tls: LoopbackCertificate | None = None,
    ) -> None:
        self.workdir = workdir
        self.tls = tls
        self.name = name
        self.auth = dict(auth) if auth else None
        self.log_level = log_level
        self.extra_env = dict(extra_env or {})
        self.storage_in_memory = storage_in_memory
        self.storage = workdir / "storage"
        self._tmpfs_storage: Path | None = None
        self.config_path = workdir / "config.yml"
        self.access_log_path = workdir / "access.log"
        self.app_log_path = workdir / "registry.log"
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._sync_counter = itertools.count(1)
        self._client: httpx.Client | None = None

    # ------------------------------------------------------------------ addresses

    @property
    def host(self) -> str:
        """``127.0.0.1:PORT``: the registry part of a reference."""
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}"

    def ref(self, repository: str, reference: str | None = None) -> str:
        """``HOST:PORT/repository[:tag|@digest]``."""
        if reference is None:
            return f"{self.host}/{repository}"
        sep = "@" if ":" in reference else ":"
        return f"{self.host}/{repository}{sep}{reference}"

    # ------------------------------------------------------------------ lifecycle

    def config(self) -> dict[str, Any]:
        cfg: dict[str, Any] = {
            "version": 0.1,
            "log": {"level": self.log_level, "accesslog": {"disabled": False}},
            "storage": {
                "filesystem": {"rootdirectory": str(self.storage)},
                "delete": {"enabled": True},
                "cache": {"blobdescriptor": "inmemory"},
                "maintenance": {"uploadpurging": {"enabled": False}},
            },
            "http": {"addr": f"127.0.0.1:{self.port}", "secret": "regview-integration-tests"},
            "health": {"storagedriver": {"enabled": False}},
        }
        if self.auth:
            cfg["auth"] = self.auth
        if self.tls:
            cfg["http"]["tls"] = {
                "certificate": str(self.tls.cert_path),
                "key": str(self.tls.key_path),
            }
        return cfg

    def start(self, timeout: float = 15.0) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self.storage_in_memory and self._tmpfs_storage is None:
            self._tmpfs_storage = memory_tempdir("regview-registry-")
            if self._tmpfs_storage is not None:
                self.storage = self._tmpfs_storage
        self.storage.mkdir(exist_ok=True)
        last_error = ""
        for _attempt in range(3):  # the free port may be taken between probe and bind
            self.port = free_port()
            self.config_path.write_text(_yaml(self.config()))
            with self.access_log_path.open("ab") as out, self.app_log_path.open("ab") as err:
                self._proc = subprocess.Popen(
                    [REGISTRY_BINARY, "serve", str(self.config_path)],
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=err,
                    env={**os.environ, "OTEL_SDK_DISABLED": "true", **self.extra_env},
                )
            try:
                self._wait_ready(timeout)
                self._client = httpx.Client(
                    base_url=self.url, timeout=10.0, trust_env=False, verify=self._verify()
                )
                return
            except RegistryError as exc:
                last_error = str(exc)
                self.stop()
        raise RegistryError(f"{self.name} did not start: {last_error}")

    def _wait_ready(self, timeout: float) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RegistryError(f"exited with {self._proc.returncode}: {self.app_log_tail()}")
            try:
                r = httpx.get(
                    f"{self.url}/v2/", timeout=1.0, trust_env=False, verify=self._verify()
                )
                if r.status_code in (200, 401):
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise RegistryError(f"/v2/ did not answer within {timeout} s: {self.app_log_tail()}")

    def _verify(self) -> ssl.SSLContext | bool:
        return self.tls.client_context() if self.tls else True

    def app_log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.app_log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""

    def stop(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)

    def cleanup(self) -> None:
        """Stop, and remove the storage if it was on tmpfs (tmp_path is pytest's to clean)."""
        self.stop()
        if self._tmpfs_storage is not None:
            shutil.rmtree(self._tmpfs_storage, ignore_errors=True)
            self._tmpfs_storage = None

    def __enter__(self) -> RegistryServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs (benchmarks read its CPU time)."""
        return self._proc.pid if self.running and self._proc is not None else None

    # ------------------------------------------------------------------ access log

    def access_log(self) -> list[AccessLogEntry]:
        """Every request logged so far (marker requests from :meth:`sync` left out)."""
        return [e for e in self._all_entries() if not e.is_sync]

    def access_log_lines(self) -> list[str]:
        """The raw access-log lines (marker requests included)."""
        try:
            text = self.access_log_path.read_text(errors="replace")
        except FileNotFoundError:
            return []
        return [line for line in text.splitlines() if _LINE_RE.match(line)]

    def _all_entries(self) -> list[AccessLogEntry]:
        entries = (parse_access_line(line) for line in self.access_log_lines())
        return [e for e in entries if e is not None]

    def sync(self, timeout: float = 5.0) -> int:
        """Wait until every request answered so far is in the log; return the entry count."""
        token = f"{os.getpid()}-{next(self._sync_counter)}"
        try:
            httpx.get(
                f"{self.url}{SYNC_PATH}",
                params={SYNC_PARAM: token},
                timeout=5.0,
                trust_env=False,
                verify=self._verify(),
            )
        except httpx.TransportError as exc:
            raise RegistryError(f"{self.name} is not answering: {exc}") from exc
        deadline = time.monotonic() + timeout
        while True:
            entries = self._all_entries()
            for i, e in enumerate(entries):
                if e.is_sync and e.query[SYNC_PARAM] == [token]:
                    return i + 1
            if time.monotonic() > deadline:
                raise RegistryError(f"marker request {token} never reached the access log")
            time.sleep(0.02)

    def mark(self) -> int:
        """A position in the access log; pass it to :meth:`requests_since`."""
        return self.sync()

    def requests_since(self, mark: int) -> list[AccessLogEntry]:
        """The requests logged after ``mark`` (waits for stragglers; no marker requests)."""
        end = self.sync()
        return [e for e in self._all_entries()[mark:end] if not e.is_sync]

    @contextlib.contextmanager
    def recording(self) -> Iterator[list[AccessLogEntry]]:
        """``with registry.recording() as reqs: ...``: ``reqs`` filled in on exit."""
        start = self.mark()
        found: list[AccessLogEntry] = []
        yield found
        found.extend(self.requests_since(start))

    # ------------------------------------------------------------------ HTTP

    @property
    def client(self) -> httpx.Client:
        """A plain httpx client for this registry (no credentials)."""
        if self._client is None:
            raise RegistryError(f"{self.name} is not running")
        return self._client


def registry_config_for_htpasswd(
    htpasswd_file: Path, realm: str = "regview-test"
) -> dict[str, Any]:
    return {"htpasswd": {"realm": realm, "path": str(htpasswd_file)}}


def registry_config_for_token(
    realm: str, service: str, issuer: str, rootcertbundle: Path
) -> dict[str, Any]:
    return {
        "token": {
            "realm": realm,
            "service": service,
            "issuer": issuer,
            "rootcertbundle": str(rootcertbundle),
        }
    }


def make_htpasswd(path: Path, username: str, password: str) -> None:
    """Write an htpasswd file with one bcrypt entry, made by ``htpasswd -Bbn``."""
    out = subprocess.run(
        ["htpasswd", "-Bbn", username, password],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path.write_text(out.strip() + "\n")
