"""``regview --demo REPO[:TAG]`` opens that repository (and manifest) of the demo; it
used to ignore the target and open the first repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from regview.cli import build_explorer, parse_args
from regview.registry import InvalidReference
from regview.targets import split_local_reference
from tests.tui.helpers import settle


@pytest.fixture(autouse=True)
def _hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGVIEW_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))


@pytest.mark.parametrize(
    ("argv", "repository", "reference"),
    [
        (["--demo", "acme/web:1.9.0"], "acme/web", "1.9.0"),
        (["--demo", "tools/debug"], "tools/debug", None),
    ],
)
async def test_demo_with_a_target_opens_it(
    argv: list[str], repository: str, reference: str | None
) -> None:
    _command, args = parse_args(argv)
    app, pool = build_explorer(args)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.main.tags.repository == repository
        if reference is not None:  # a repository alone shows its highlighted tag
            assert app.main.manifest.reference == reference
    pool.cache.flush()


def test_split_local_reference() -> None:
    assert split_local_reference("acme/web") == ("acme/web", None)
    assert split_local_reference("acme/web:1.0") == ("acme/web", "1.0")
    assert split_local_reference("a/b@sha256:00") == ("a/b", "sha256:00")
    for bad in ("", ":x", "a@", "a/b:"):
        with pytest.raises(InvalidReference):
            split_local_reference(bad)
