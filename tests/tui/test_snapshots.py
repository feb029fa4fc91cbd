"""Snapshot tests of every screen at 120x40 and 80x24 (look at each SVG before accepting).

Update with ``pytest tests/tui/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from regview.registry import DeletePlan, DeleteStep, Descriptor, FoundReferrer, Platform
from regview.registry.errors import Denied, ServerError
from regview.registry.settings import Settings
from regview.tui.app import RegviewApp, create_app
from tests.tui.fakes import FakeSource
from tests.tui.helpers import settle
from tests.tui.spec_layouts import build_spec_problems

SIZES = [pytest.param((120, 40), id="120x40"), pytest.param((80, 24), id="80x24")]

SnapCompare = Callable[..., bool]


@pytest.fixture(autouse=True)
def _fixed_config_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The help screen shows the keymap path: keep it the same on every machine."""
    monkeypatch.setenv("XDG_CONFIG_HOME", "/home/user/.config")


def _run_before(
    *keys: str, quiet: bool = False
) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot, rounds=2)
        await settle(pilot)
        if quiet:
            # Two workers fail at once here, so their toasts come in either order; the
            # inline markers are what this snapshot is about (pilot tests check toasts).
            pilot.app.clear_notifications()
            await pilot.pause()

    return run


def _check(snap_compare: SnapCompare, app: RegviewApp, size: tuple[int, int],
           keys: Iterable[str] = (), *, quiet: bool = False) -> None:
    assert snap_compare(app, terminal_size=size, run_before=_run_before(*keys, quiet=quiet))


@pytest.mark.parametrize("size", SIZES)
def test_repositories(snap_compare: SnapCompare, layouts: Path, size: tuple[int, int]) -> None:
    _check(snap_compare, create_app(FakeSource(layouts)), size)


@pytest.mark.parametrize("size", SIZES)
def test_tags(snap_compare: SnapCompare, layouts: Path, size: tuple[int, int]) -> None:
    _check(snap_compare, create_app(FakeSource(layouts)), size, ["j", "enter"])


@pytest.mark.parametrize("size", SIZES)
def test_manifest_index(snap_compare: SnapCompare, layouts: Path, size: tuple[int, int]) -> None:
    _check(snap_compare, create_app(FakeSource(layouts)), size, ["enter", "enter", "j", "l"])


@pytest.mark.parametrize("size", SIZES)
def test_image_details(snap_compare: SnapCompare, layouts: Path, size: tuple[int, int]) -> None:
    app = create_app(FakeSource(layouts), repository="team/app", reference="v1.10")
    _check(snap_compare, app, size, ["tab"])


@pytest.mark.parametrize("size", SIZES)
def test_layer_details(snap_compare: SnapCompare, layouts: Path, size: tuple[int, int]) -> None:
    app = create_app(FakeSource(layouts), repository="team/app", reference="v1.10")
    _check(snap_compare, app, size, ["j", "j", "j"])


@pytest.mark.parametrize("size", SIZES)
def test_filter(snap_compare: SnapCompare, layouts: Path, size: tuple[int, int]) -> None:
    app = create_app(FakeSource(layouts), repository="tools/many")
    _check(snap_compare, app, size, ["slash", "1", "2"])


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare: SnapCompare, layouts: Path, size: tuple[int, int]) -> None:
    _check(snap_compare, create_app(FakeSource(layouts)), size, ["question_mark"])


@pytest.mark.parametrize("size", SIZES)
def test_raw_json(snap_compare: SnapCompare, layouts: Path, size: tuple[int, int]) -> None:
    app = create_app(FakeSource(layouts), repository="team/app", reference="v1.10")
    _check(snap_compare, app, size, ["J"])


@pytest.mark.parametrize("size", SIZES)
def test_error(snap_compare: SnapCompare, layouts: Path, size: tuple[int, int]) -> None:
    source = FakeSource(layouts, fail={"manifest:team/app:v1.9": ServerError(
        "registry.test answered 503 Service Unavailable after 3 tries", status=503)})
    app = create_app(source, repository="team/app")
    _check(snap_compare, app, size, ["j"], quiet=True)


@pytest.mark.parametrize("size", SIZES)
def test_catalog_denied(snap_compare: SnapCompare, layouts: Path, size: tuple[int, int]) -> None:
    source = FakeSource(layouts, catalog_error=Denied(
        "registry.test does not allow listing repositories (_catalog): DENIED"))
    _check(snap_compare, create_app(source), size)


@pytest.mark.parametrize("size", SIZES)
def test_hostile(snap_compare: SnapCompare, layouts: Path, size: tuple[int, int]) -> None:
    source = FakeSource(
        layouts,
        repositories=["[bold]x[/]", "[@click=app.quit]x[/]", "team/app"],
        extra_tags={"[bold]x[/]": ["t\x1b]52;c;aGk=\x07\u202eevil", "[red]tag[/red]"]},
        fail={"manifest:[bold]x[/]": ServerError("[b]boom[/b]\x1b[2J from\u202eserver",
                                                 status=500)},
    )
    _check(snap_compare, create_app(source), size, quiet=True)


_SUBJECT = "sha256:" + "3f" * 32
_TAG_SCHEMA = "sha256-" + "3f" * 32
_OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
_PLAN = DeletePlan(
    registry="registry.test",
    repository="team/app",
    reference="v1.2",
    digest=_SUBJECT,
    media_type="application/vnd.oci.image.index.v1+json",
    size=1_234,
    tags=("[bold]x[/]", "latest", "stable", "v1.2"),
    referrers=(
        FoundReferrer(
            Descriptor(
                _OCI_MANIFEST,
                "sha256:" + "a1" * 32,
                700,
                artifact_type="application/vnd.dev.cosign.simplesigning.v1+json",
            ),
            "cosign-tag",
            _TAG_SCHEMA + ".sig",
        ),
        FoundReferrer(
            Descriptor(
                _OCI_MANIFEST, "sha256:" + "b2" * 32, 800, artifact_type="application/spdx+json"
            ),
            "referrers-tag",
            _TAG_SCHEMA,
        ),
        FoundReferrer(
            Descriptor(_OCI_MANIFEST, "sha256:" + "c3" * 32, 900, artifact_type="[red]evil[/]"),
            "referrers-tag",
            _TAG_SCHEMA,
        ),
    ),
    children=(
        Descriptor(_OCI_MANIFEST, "sha256:" + "d4" * 32, 500, platform=Platform("linux", "amd64")),
        Descriptor(
            _OCI_MANIFEST, "sha256:" + "e5" * 32, 500, platform=Platform("linux", "arm64", "v8")
        ),
    ),
)


@pytest.mark.parametrize("size", SIZES)
def test_confirm_delete(snap_compare: SnapCompare, layouts: Path, size: tuple[int, int]) -> None:
    """The question names the digest, every tag that goes (a hostile one as text), the
    artifacts that refer to it and the index's children, which stay (a hostile artifact
    type as text)."""
    from regview.tui.screens.confirm_delete import ConfirmDeleteScreen

    app = create_app(FakeSource(layouts), repository="team/app")

    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        pilot.app.push_screen(ConfirmDeleteScreen(_PLAN))
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run)


def _with_referrers(plan: DeletePlan) -> DeletePlan:
    """``_PLAN`` as ``plan_delete`` finds it when it can follow the referrers: a signature
    of the SBOM (depth 2) first, then the SBOM, its tag-schema index, the image."""
    sbom, evil = "sha256:" + "b2" * 32, "sha256:" + "c3" * 32
    return dataclasses.replace(
        plan,
        referrer_deletes=(
            DeleteStep(
                "sha256:" + "f6" * 32,
                _OCI_MANIFEST,
                "referrer",
                subject=sbom,
                depth=2,
                artifact_type="application/vnd.dev.cosign.simplesigning.v1+json",
                found_by="referrers-tag",
            ),
            DeleteStep(sbom, _OCI_MANIFEST, "referrer", subject=_SUBJECT, depth=1,
                       artifact_type="application/spdx+json", found_by="referrers-tag"),
            DeleteStep(evil, _OCI_MANIFEST, "referrer", subject=_SUBJECT, depth=1,
                       artifact_type="[red]evil[/]", found_by="referrers-tag"),
            DeleteStep("sha256:" + "a9" * 32, "application/vnd.oci.image.index.v1+json",
                       "referrers-index", subject=_SUBJECT, depth=1, tags=(_TAG_SCHEMA,)),
        ),
    )


@pytest.mark.parametrize("size", SIZES)
def test_confirm_delete_with_referrers(
    snap_compare: SnapCompare, layouts: Path, size: tuple[int, int]
) -> None:
    """When the referrers can be followed, the question lists what ``r`` deletes, in
    order (a hostile artifact type as text), and the border offers ``r``."""
    from regview.tui.screens.confirm_delete import ConfirmDeleteScreen

    app = create_app(FakeSource(layouts), repository="team/app")

    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        pilot.app.push_screen(ConfirmDeleteScreen(_with_referrers(_PLAN)))
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run)


def _picker(layouts: Path) -> RegviewApp:
    from regview.targets import open_target
    from regview.tui.screens.start import StartChoice

    return create_app(
        None,
        opener=lambda text: open_target(
            text, lambda registry: FakeSource(layouts, name=registry), Settings()
        ),
        start_choices=[
            StartChoice("demo", "the embedded demo"),
            StartChoice("registry.test/team/app:v1.9", "recent"),
            StartChoice("ghcr.io", "in your auth files"),
        ],
    )


@pytest.mark.parametrize("size", SIZES)
def test_start_picker(snap_compare: SnapCompare, layouts: Path, size: tuple[int, int]) -> None:
    _check(snap_compare, _picker(layouts), size, ["N", "O", "T", "space", "A", "enter"])


# --- the files views (layers that are real tars) ----------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_files_layer(snap_compare: SnapCompare, file_layouts: Path, size: tuple[int, int]) -> None:
    app = create_app(FakeSource(file_layouts), repository="files/app", reference="v1")
    # amd64, layer 1 (Enter opens its files), then open bin/ and etc/.
    _check(snap_compare, app, size, ["j", "l", "j", "j", "enter", "l", "j", "j", "j", "l"])


@pytest.mark.parametrize("size", SIZES)
def test_files_merged(snap_compare: SnapCompare, file_layouts: Path, size: tuple[int, int]) -> None:
    app = create_app(FakeSource(file_layouts), repository="files/app", reference="v1")
    # The amd64 image's merged filesystem; open etc/, opt/old/ (opaque), usr/bin/, usr/share/.
    keys = ["j", "f", "j", "l", "j", "j", "j", "l", "j", "l", "j", "j", "j", "j", "l",
            "j", "l", "j", "j", "l"]
    _check(snap_compare, app, size, keys)


@pytest.mark.parametrize("size", SIZES)
def test_files_error(snap_compare: SnapCompare, file_layouts: Path, size: tuple[int, int]) -> None:
    app = create_app(FakeSource(file_layouts), repository="files/app", reference="broken")
    _check(snap_compare, app, size, ["j", "j", "j", "enter"], quiet=True)


@pytest.mark.parametrize("size", SIZES)
def test_files_changes(snap_compare: SnapCompare, file_layouts: Path,
                       size: tuple[int, int]) -> None:
    app = create_app(FakeSource(file_layouts), repository="files/app", reference="v1")
    # The amd64 image's merged filesystem, then what each layer changed (c).
    _check(snap_compare, app, size, ["j", "f", "c", "j"])


@pytest.mark.parametrize("size", SIZES)
def test_files_wasted(snap_compare: SnapCompare, file_layouts: Path,
                      size: tuple[int, int]) -> None:
    app = create_app(FakeSource(file_layouts), repository="files/app", reference="v1")
    # The amd64 image's merged filesystem, then dive's inefficient files (w).
    _check(snap_compare, app, size, ["j", "f", "w", "j"])


@pytest.mark.parametrize("size", SIZES)
def test_files_find_opens_a_file(snap_compare: SnapCompare, file_layouts: Path,
                                 size: tuple[int, int]) -> None:
    app = create_app(FakeSource(file_layouts), repository="files/app", reference="v1")
    # Find "bin/" in the merged filesystem; Enter on /usr/bin/app opens the viewer.
    keys = ["j", "f", "slash", "b", "i", "n", "/", "enter", "end", "enter"]
    _check(snap_compare, app, size, keys)


@pytest.mark.parametrize("size", SIZES)
def test_files_one_layer(snap_compare: SnapCompare, file_layouts: Path,
                         size: tuple[int, int]) -> None:
    app = create_app(FakeSource(file_layouts), repository="files/app", reference="v1")
    # Enter on layer 2 of the changes: the tree of only what it wrote, usr/ opened.
    _check(snap_compare, app, size, ["j", "f", "c", "j", "enter", "end", "l"])


@pytest.fixture(scope="module")
def spec_layout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_spec_problems(tmp_path_factory.mktemp("spec"))


@pytest.mark.parametrize("size", SIZES)
def test_image_problems(snap_compare: SnapCompare, spec_layout: Path,
                        size: tuple[int, int]) -> None:
    app = create_app(FakeSource(spec_layout), repository="spec/problems", reference="v1")
    _check(snap_compare, app, size, ["tab"])
