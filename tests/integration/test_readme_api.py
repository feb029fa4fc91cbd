"""The README's Python API example, run exactly as written against a real registry.

The demo's ``acme/web`` is pushed with skopeo to a registry of this module's own; the
example then runs in a fresh interpreter with only its host (``127.0.0.1:5000``) changed.
What it prints is checked against skopeo's view of the same images.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from regview.demo import demo_path
from tests.support.cli import base_env
from tests.support.publish import run_parallel, skopeo_copy_args, skopeo_env, skopeo_inspect
from tests.support.registry import RegistryServer

pytestmark = pytest.mark.integration

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_example() -> str:
    """The first ```python block of the README's "Python API" section."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Python API") :]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match is not None, "the Python API section has no python block"
    return match.group(1)


@pytest.fixture(scope="module")
def demo_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryServer]:
    server = RegistryServer(tmp_path_factory.mktemp("readme-registry"), name="readme registry")
    server.start()
    try:
        demo = demo_path(tmp_path_factory.mktemp("demo-cache"))
        run_parallel(
            [
                skopeo_copy_args(
                    f"oci:{demo / 'acme' / 'web'}:latest", server.ref("acme/web", "latest")
                )
            ]
        )
        yield server
    finally:
        server.cleanup()


def test_the_readme_example_runs_as_written(demo_registry: RegistryServer, tmp_path: Path) -> None:
    code = readme_example()
    assert 'RegistryClient("127.0.0.1:5000"' in code
    assert "from regview.registry import (" in code
    assert "from regview.registry." not in code  # only the public face
    code = code.replace("127.0.0.1:5000", demo_registry.host)
    env = {**base_env(), "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout

    ref = demo_registry.ref("acme/web", "latest")
    raw = skopeo_inspect(ref)
    index = json.loads(raw)
    digest = "sha256:" + hashlib.sha256(raw).hexdigest()
    assert "['acme/web']" in out  # the catalog page
    assert f"{digest} index" in out  # read_tag_info: digest and kind
    for entry in index["manifests"]:
        assert entry["digest"] in out
    arm64 = json.loads(skopeo_inspect(ref, config=True, platform="linux/arm64"))
    assert arm64["architecture"] == "arm64"
    entrypoint = arm64["config"].get("Entrypoint")
    assert repr(tuple(entrypoint)) in out
    assert "'mediaType':" in out and "'manifests':" in out  # the inspect document
    assert written_files(tmp_path) == []  # Settings(use_cache=False): nothing on disk
    # The merged filesystem, "LAYER STATUS PATH SIZE": the files GNU tar lists in the
    # layers skopeo pulls for linux/arm64.
    listed = {
        (m.group(2), int(m.group(3)))
        for m in re.finditer(r"^(\d+) (?:added|changed|opaque) (\S+) (\d+)$", out, re.M)
    }
    assert files_in_layers(ref, "linux/arm64", tmp_path / "pulled") <= listed


def files_in_layers(ref: str, platform: str, dest: Path) -> set[tuple[str, int]]:
    """(path, size) of every regular file in the image's layers, as GNU tar lists them."""
    os_, arch = platform.split("/")[:2]
    subprocess.run(
        [
            "skopeo",
            f"--override-os={os_}",
            f"--override-arch={arch}",
            "copy",
            "--src-tls-verify=false",
            f"docker://{ref}",
            f"dir:{dest}",
        ],
        check=True,
        capture_output=True,
        env=skopeo_env(),
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    manifest = json.loads((dest / "manifest.json").read_text())
    files: set[tuple[str, int]] = set()
    for layer in manifest["layers"]:
        blob = dest / layer["digest"].split(":")[1]
        listing = subprocess.run(
            ["tar", "-tvzf", str(blob)], check=True, capture_output=True, text=True
        ).stdout
        for line in listing.splitlines():
            fields = line.split(maxsplit=5)
            if line.startswith("-"):
                files.add((fields[5].removeprefix("./"), int(fields[2])))
    assert files, "GNU tar found no files"
    return files


def written_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]
