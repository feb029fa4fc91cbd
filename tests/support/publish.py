"""Put test content into a registry: with skopeo where it copies byte for byte, else HTTP.

What Debian skopeo 1.9.3 does with each kind (measured against distribution 2.8.2):

* OCI image, OCI index (with attestation manifests), OCI artifacts with ``subject`` and
  ``artifactType``: ``skopeo copy --all --preserve-digests oci:LAYOUT:TAG docker://...``
  pushes them unchanged.
* Docker schema2 manifest and Docker manifest list: its ``oci:`` transport ignores
  ``index.json`` entries with Docker media types ("no descriptor found for reference"),
  so they go through a ``dir:`` layout (``manifest.json``, blobs named by hex digest,
  ``<hex>.manifest.json`` per instance), which it pushes unchanged.
* The referrers tag schema index (an OCI index of artifacts, no platforms): it refuses
  with ``--preserve-digests`` ("Manifest list must be converted to type ... but we cannot
  modify it"), because re-serialising the list would drop ``artifactType``. It is PUT
  over HTTP instead, after skopeo has pushed the artifacts it lists.

Bulk content (thousands of tags or repositories) is written over HTTP too: one image is
pushed with skopeo, the rest are cross-repository blob mounts and manifest PUTs.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import httpx

from tests.support.images import Manifest

SKOPEO = "skopeo"
T = TypeVar("T")


@cache
def _skopeo_home() -> Path:
    """An empty home for skopeo, so it never reads the developer's credentials."""
    home = Path(tempfile.mkdtemp(prefix="regview-skopeo-"))
    (home / "auth.json").write_text('{"auths": {}}')
    return home


def skopeo_env() -> dict[str, str]:
    home = _skopeo_home()
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


class SkopeoError(RuntimeError):
    pass


def skopeo_copy_args(
    source: str, dest_ref: str, *, creds: tuple[str, str] | None = None
) -> list[str]:
    """Arguments for ``skopeo copy --all --preserve-digests SOURCE docker://DEST``."""
    args = [
        SKOPEO,
        "--insecure-policy",
        "copy",
        "--all",
        "--preserve-digests",
        "--dest-tls-verify=false",
        "--retry-times=2",
    ]
    if creds is not None:
        args.append(f"--dest-creds={creds[0]}:{creds[1]}")
    return [*args, source, f"docker://{dest_ref}"]


def run_parallel(commands: Sequence[Sequence[str]], timeout: float = 120.0) -> None:
    """Run commands at the same time; raise with their stderr if any fails."""
    procs = [
        subprocess.Popen(
            list(cmd),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=skopeo_env(),
        )
        for cmd in commands
    ]
    failures = []
    for cmd, proc in zip(commands, procs, strict=True):
        try:
            _out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            _out, err = proc.communicate()
            failures.append(f"{' '.join(cmd)}: timed out")
            continue
        if proc.returncode != 0:
            failures.append(f"{' '.join(cmd)}: {err.decode(errors='replace').strip()}")
    if failures:
        raise SkopeoError("\n".join(failures))


def skopeo_inspect(
    ref: str,
    *,
    config: bool = False,
    platform: str | None = None,
    creds: tuple[str, str] | None = None,
) -> bytes:
    """``skopeo inspect --raw [--config]``: the bytes the registry serves for ``ref``."""
    args = [SKOPEO]
    if platform is not None:
        parts = platform.split("/")
        args += [f"--override-os={parts[0]}", f"--override-arch={parts[1]}"]
        if len(parts) == 3:
            args.append(f"--override-variant={parts[2]}")
    args += ["inspect", "--raw", "--tls-verify=false"]
    if config:
        args.append("--config")
    if creds is not None:
        args.append(f"--creds={creds[0]}:{creds[1]}")
    args.append(f"docker://{ref}")
    proc = subprocess.run(
        args, capture_output=True, env=skopeo_env(), timeout=60, stdin=subprocess.DEVNULL
    )
    if proc.returncode != 0:
        raise SkopeoError(f"{' '.join(args)}: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout


def write_dir_layout(path: Path, manifest: Manifest) -> Path:
    """A ``dir:`` layout (transport version 1.1) of ``manifest``, for skopeo."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "version").write_text("Directory Transport Version: 1.1\n")
    for blob in manifest.blobs():
        (path / blob.digest.split(":", 1)[1]).write_bytes(blob.data)
    for child in manifest.children:
        (path / f"{child.digest.split(':', 1)[1]}.manifest.json").write_bytes(child.raw)
    (path / "manifest.json").write_bytes(manifest.raw)
    return path


class PushError(RuntimeError):
    pass


def default_concurrency() -> int:
    """Parallel requests for bulk writes. The registry needs ~2 ms of CPU per write and
    httpx ~1.3 ms: on 2 cores 4 in flight is the measured optimum; more only adds churn."""
    return max(4, min(16, 2 * (os.cpu_count() or 2)))


class HttpPusher:
    """Write to a registry over the distribution API with httpx, from a pool of threads.

    (A thread pool over one ``httpx.Client`` costs about 30 % less CPU per request than
    ``httpx.AsyncClient`` here, and CPU is what bounds bulk writes on a small machine.)
    """

    def __init__(
        self, base_url: str, *, auth: httpx.Auth | None = None, concurrency: int | None = None
    ) -> None:
        self.base_url = base_url
        self.concurrency = concurrency or default_concurrency()
        self.client = httpx.Client(
            base_url=base_url,
            auth=auth,
            timeout=30.0,
            trust_env=False,
            limits=httpx.Limits(
                max_connections=self.concurrency, max_keepalive_connections=self.concurrency
            ),
        )
        self.pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="pusher")

    def __enter__(self) -> HttpPusher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.client.close()

    def run_all(self, fn: Callable[[T], object], items: Iterable[T]) -> None:
        """Call ``fn`` on every item, ``concurrency`` at a time; re-raise the first error."""
        for future in [self.pool.submit(fn, item) for item in items]:
            future.result()

    def _request(
        self, method: str, url: str | httpx.URL, expect: Iterable[int], **kwargs: Any
    ) -> httpx.Response:
        r = self.client.request(method, url, **kwargs)
        if r.status_code not in set(expect):
            raise PushError(f"{method} {url}: {r.status_code} {r.text[:300]}")
        return r

    def upload_blob(self, repo: str, data: bytes, digest: str) -> None:
        """Monolithic upload: POST to start, PUT the bytes with ``?digest=``."""
        r = self._request("POST", f"/v2/{repo}/blobs/uploads/", (202,))
        location = httpx.URL(self.base_url).join(r.headers["Location"])
        self._request(
            "PUT",
            location.copy_merge_params({"digest": digest}),
            (201,),
            content=data,
            headers={"Content-Type": "application/octet-stream"},
        )

    def mount_blob(self, repo: str, digest: str, from_repo: str) -> None:
        """Cross-repository mount; the blob must exist in ``from_repo``."""
        self._request(
            "POST",
            f"/v2/{repo}/blobs/uploads/",
            (201,),
            params={"mount": digest, "from": from_repo},
        )

    def put_manifest(self, repo: str, reference: str, raw: bytes, media_type: str) -> str:
        r = self._request(
            "PUT",
            f"/v2/{repo}/manifests/{reference}",
            (201,),
            content=raw,
            headers={"Content-Type": media_type},
        )
        return str(r.headers.get("Docker-Content-Digest", ""))

    def delete_manifest(self, repo: str, digest: str) -> None:
        self._request("DELETE", f"/v2/{repo}/manifests/{digest}", (202,))

    def copy_image(self, image: Manifest, from_repo: str, repo: str, tag: str) -> None:
        """Mount an image's blobs from ``from_repo`` into ``repo`` and tag its manifest."""
        for blob in image.blobs():
            self.mount_blob(repo, blob.digest, from_repo)
        self.put_manifest(repo, tag, image.raw, image.media_type)

    def copy_image_to_many(
        self, image: Manifest, from_repo: str, repos: Iterable[str], tag: str
    ) -> None:
        self.run_all(lambda repo: self.copy_image(image, from_repo, repo, tag), repos)

    def tag_many(self, image: Manifest, repo: str, tags: Iterable[str]) -> None:
        self.run_all(lambda t: self.put_manifest(repo, t, image.raw, image.media_type), tags)
