"""The tools regview is measured against, each in its best realistic usage.

* skopeo (Debian 1.9.3): one process per command, as people script it:
  ``skopeo inspect --tls-verify=false --no-tags docker://HOST/REPO:TAG`` (manifest and
  config: the summary it prints needs both) and, as asked, the same with ``--config``;
  ``skopeo list-tags`` for (b). It has no catalog command and no cache.
* python-dxf: one ``DXFBase``/``DXF`` used as a context manager, so a single
  ``requests.Session`` keeps its connections alive; ``list_repos(batch_size=1000)``,
  ``list_aliases()``, ``get_manifest()`` + ``pull_blob(config)``. Sequential, no cache.
* oras-py: one ``oras.provider.Registry`` (it holds one ``requests.Session``);
  ``get_tags``, ``get_manifest`` + ``get_blob``. It has no catalog call; sequential,
  no cache.

Every function returns the number of items it got, so the caller can check it.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Sequence
from functools import cache
from pathlib import Path

SKOPEO = "skopeo"


@cache
def _isolated_home() -> Path:
    """An empty home for the peers, so none reads the developer's credentials."""
    home = Path(tempfile.mkdtemp(prefix="regview-bench-home-"))
    (home / "auth.json").write_text('{"auths": {}}')
    (home / "config.json").write_text('{"auths": {}}')
    return home


def isolated_env() -> dict[str, str]:
    home = _isolated_home()
    env = {
        k: v
        for k, v in os.environ.items()
        if k.upper() not in {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"}
    }
    env.update(
        REGISTRY_AUTH_FILE=str(home / "auth.json"),
        DOCKER_CONFIG=str(home),
        HOME=str(home),
        NO_PROXY="127.0.0.1,localhost",
    )
    return env


def use_isolated_home_in_process() -> None:
    """Point this process's DOCKER_CONFIG at the empty home (oras reads it).

    Not ``REGISTRY_AUTH_FILE``: ``docker-registry`` reads ``REGISTRY_*`` variables as
    configuration overrides (``auth.file``) and would refuse to start.
    """
    os.environ["DOCKER_CONFIG"] = str(_isolated_home())


# --- skopeo ----------------------------------------------------------------------------


def _skopeo(args: Sequence[str]) -> bytes:
    proc = subprocess.run(
        [SKOPEO, *args],
        capture_output=True,
        env=isolated_env(),
        timeout=120,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"skopeo {' '.join(args)}: {proc.stderr.decode(errors='replace')}")
    return proc.stdout


def skopeo_inspect(host: str, repo: str, tags: Sequence[str], *, config_too: bool) -> int:
    """``skopeo inspect --no-tags`` per tag (and ``--config`` per tag when asked)."""
    for tag in tags:
        ref = f"docker://{host}/{repo}:{tag}"
        out = json.loads(_skopeo(["inspect", "--tls-verify=false", "--no-tags", ref]))
        assert out["Digest"].startswith("sha256:")
        if config_too:
            args = ["inspect", "--tls-verify=false", "--no-tags", "--config", ref]
            cfg = json.loads(_skopeo(args))
            assert "rootfs" in cfg
    return len(tags)


def skopeo_list_tags(host: str, repo: str) -> int:
    out = json.loads(_skopeo(["list-tags", "--tls-verify=false", f"docker://{host}/{repo}"]))
    return len(out["Tags"])


# --- python-dxf --------------------------------------------------------------------------


def dxf_catalog(host: str) -> int:
    from dxf import DXFBase

    with DXFBase(host, insecure=True) as base:
        return len(base.list_repos(batch_size=1000))


def dxf_tags(host: str, repo: str) -> int:
    from dxf import DXF

    with DXF(host, repo, insecure=True) as d:
        return len(d.list_aliases())


def dxf_inspect(host: str, repo: str, tags: Sequence[str]) -> int:
    from dxf import DXF

    n = 0
    with DXF(host, repo, insecure=True) as d:
        for tag in tags:
            manifest = json.loads(d.get_manifest(tag))  # verifies Docker-Content-Digest
            config = b"".join(d.pull_blob(manifest["config"]["digest"]))  # verifies digest
            json.loads(config)
            n += 1
    return n


# --- oras-py ------------------------------------------------------------------------------


class OrasSession:
    """One ``oras.provider.Registry`` reused across calls (its best usage)."""

    def __init__(self, host: str) -> None:
        import oras.provider

        self.host = host
        self.registry = oras.provider.Registry(hostname=host, insecure=True)

    def tags(self, repo: str) -> int:
        return len(self.registry.get_tags(f"{self.host}/{repo}"))

    def inspect(self, repo: str, tags: Sequence[str]) -> int:
        n = 0
        for tag in tags:
            container = self.registry.get_container(f"{self.host}/{repo}:{tag}")
            manifest = self.registry.get_manifest(container)
            blob = self.registry.get_blob(container, manifest["config"]["digest"])
            blob.raise_for_status()
            json.loads(blob.content)
            n += 1
        return n

    def close(self) -> None:
        self.registry.session.close()
