"""A bare word where the explorer's target goes: a mistyped command is a usage error
with the suggestion; a Docker Hub image (and any target with a dot, colon or slash)
is still a target."""

from __future__ import annotations

import subprocess
import sys

import pytest

from regview.cli import parse_args

# Typos a person makes, and what regview should suggest (written by hand).
TYPOS = {
    "tgas": "tags",
    "tag": "tags",
    "TAGS": "tags",
    "catlog": "catalog",
    "cta": "cat",
    "inpsect": "inspect",
    "manfiest": "manifest",
    "referers": "referrers",
    "fils": "files",
    "conifg": "config",
}

# Official Docker Hub images (hub.docker.com/u/library), some of them a few letters
# from a command name, and targets that are not bare words.
TARGETS = [
    "alpine",
    "tomcat",
    "crate",
    "scratch",
    "kong",
    "alt",
    "caddy",
    "consul",
    "convertigo",
    "dart",
    "demo",
    "tags.example.com",
    "tags:1.0",
    "library/tags",
    "127.0.0.1:5000/files",
    "oci:./cat",
    "cat@sha256:" + "0" * 64,
]


@pytest.mark.parametrize(("typo", "command"), TYPOS.items())
def test_a_mistyped_command_is_a_usage_error_with_the_suggestion(
    typo: str, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        parse_args([typo])
    assert info.value.code == 2
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]
    assert last.startswith("regview: error: ")
    assert f"did you mean {command}" in last


def test_flags_before_the_mistyped_command_change_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as info:
        parse_args(["--plain-http", "--cache-dir", "/tmp/x", "tgas", "127.0.0.1:5000/repo"])
    assert info.value.code == 2
    assert "did you mean tags?" in capsys.readouterr().err


@pytest.mark.parametrize("target", TARGETS)
def test_targets_stay_targets(target: str) -> None:
    command, args = parse_args([target])
    assert command is None and args.target == target


def test_after_a_double_dash_a_word_is_a_target() -> None:
    command, args = parse_args(["--", "tags"])
    assert command is None and args.target == "tags"


def test_regview_blob_does_not_open_docker_hub() -> None:
    """The reported case, as a process: it must exit at once, not start the explorer."""
    proc = subprocess.run(
        [sys.executable, "-m", "regview", "blob"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,  # a hang guard: before the fix the explorer started and never ended
        start_new_session=True,
    )
    assert proc.returncode == 2, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    # Now a command of its own: it asks for its argument.
    assert last == "regview: error: the following arguments are required: HOST/REPO@DIGEST"
    assert proc.stdout == ""


def test_a_planned_command_is_not_a_docker_hub_image(monkeypatch: pytest.MonkeyPatch) -> None:
    from regview.cli import dispatch

    monkeypatch.setattr(dispatch, "PLANNED", ("frobnicate",))
    why = dispatch.mistyped_command("frobnicate")
    assert why is not None and why.startswith("'frobnicate' is not a regview command")
    assert "catalog, tags" in why and "docker.io/frobnicate" in why
