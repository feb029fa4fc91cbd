"""``scripts/test`` installs into a virtual environment of its own and runs pytest from
it; the Python it was started with is never asked to install anything.

The script runs for real, in a copy of the checkout, with stand-ins on PATH for the
tools it drives (a Python that records what it is asked, apt-get, the Debian tools).
Before the fix it ran ``python3 -m pip install -e '.[test]'`` in the user's own Python,
turning their ``pip install .`` into an editable install of this checkout.
"""

from __future__ import annotations

import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FAKE_PYTHON = """#!/bin/sh
echo "$0 $*" >>"$LOG"
if [ "$1" = "-c" ]; then echo "/fake/python 3.11.99"; exit 0; fi
if [ "$1 $2" = "-m venv" ]; then mkdir -p "$3/bin" && cp "$0" "$3/bin/python"; exit 0; fi
exit 0
"""
RECORDER = '#!/bin/sh\necho "$(basename "$0") $*" >>"$LOG"\n'
SYSTEM_TOOLS = ("sh", "bash", "dirname", "sha256sum", "cat", "id", "rm", "mkdir", "cp", "basename")
DEBIAN_TOOLS = (
    "docker-registry", "skopeo", "htpasswd", "tmux", "zstd", "gzip", "tar", "chromium",
    "chromedriver",
)


def _executable(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    shutil.copy2(ROOT / "scripts" / "test", repo / "scripts" / "test")
    shutil.copy2(ROOT / "pyproject.toml", repo / "pyproject.toml")
    return repo


def run_script(
    checkout: Path, tmp_path: Path, *args: str, missing: tuple[str, ...] = ()
) -> list[str]:
    """Run scripts/test; return what the stand-ins were asked, one line each."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for tool in (*DEBIAN_TOOLS, "apt-get", "sudo"):
        path = bin_dir / tool
        if tool in missing:
            path.unlink(missing_ok=True)
        elif not path.exists():
            _executable(path, RECORDER + ('exec "$@"\n' if tool == "sudo" else ""))
    python = tmp_path / "user-python"
    _executable(python, FAKE_PYTHON)
    log = tmp_path / "log"
    log.write_text("")
    for tool in SYSTEM_TOOLS:  # only these of the system: its own tmux is not seen
        link = bin_dir / tool
        found = shutil.which(tool)
        if found and not link.exists():
            link.symlink_to(found)
    env = {
        "PATH": str(bin_dir),
        "PYTHON": str(python),
        "LOG": str(log),
        "HOME": str(tmp_path),
    }
    subprocess.run(
        ["bash", str(checkout / "scripts" / "test"), *args],
        env=env,
        check=True,
        timeout=60,
        capture_output=True,
        stdin=subprocess.DEVNULL,
    )
    calls = []
    for line in log.read_text().splitlines():  # the program as an absolute path
        program, _, rest = line.partition(" ")
        if "/" in program:
            program = str((checkout / program).resolve())
        calls.append(f"{program} {rest}".strip())
    return calls


def test_installs_into_its_own_venv_and_runs_pytest_there(
    checkout: Path, tmp_path: Path
) -> None:
    calls = run_script(checkout, tmp_path, "-q", "tests/unit")
    user = str(tmp_path / "user-python")
    venv_python = str(checkout / ".venv-test" / "bin" / "python")
    asked_user = [c.removeprefix(user + " ") for c in calls if c.startswith(user + " ")]
    assert [a.split()[:2] for a in asked_user] == [["-c", "import"], ["-m", "venv"]]
    assert f"{venv_python} -m pip install -q --disable-pip-version-check -e .[test]" in calls
    assert calls[-1] == f"{venv_python} -m pytest -q tests/unit"
    assert not [c for c in calls if c.startswith(("apt-get", "sudo"))]


def test_a_current_venv_is_reused_and_a_changed_pyproject_rebuilds_it(
    checkout: Path, tmp_path: Path
) -> None:
    run_script(checkout, tmp_path)
    again = run_script(checkout, tmp_path)
    assert not [c for c in again if " pip install " in c or " venv " in c]
    assert again[-1] == f"{checkout / '.venv-test' / 'bin' / 'python'} -m pytest"
    with (checkout / "pyproject.toml").open("a") as f:
        f.write("\n# a new dependency\n")
    rebuilt = run_script(checkout, tmp_path)
    assert [c for c in rebuilt if " -m venv " in c]
    assert [c for c in rebuilt if " -m pip install " in c]


def test_missing_debian_packages_are_installed(checkout: Path, tmp_path: Path) -> None:
    calls = run_script(checkout, tmp_path, missing=("tmux", "chromedriver", "htpasswd"))
    installs = [c for c in calls if c.startswith("apt-get") and " install " in c]
    assert len(installs) == 1
    assert installs[0].split()[-3:] == ["apache2-utils", "tmux", "chromium-driver"]
