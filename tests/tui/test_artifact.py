"""The blob screen (``b``; Enter on an artifact's layer), driven with Pilot over an OCI
layout holding the hand-written SBOMs, attestation and signature
(tests.support.artifact_layout). Expected values are written out from the fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Footer, Static

from regview.tui.app import RegviewApp, create_app
from regview.tui.screens.artifact import ArtifactScreen
from regview.tui.screens.files import FilesScreen
from regview.tui.widgets.filter_input import FilterInput
from regview.tui.widgets.manifest_tree import ManifestTree, NodeData
from regview.tui.widgets.package_list import PackageList
from tests.support import artifact_layout as al
from tests.support.artifacts import FIXTURES
from tests.tui.fakes import FakeSource
from tests.tui.helpers import screen_text, settle


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root, _subject, found = al.build(tmp_path_factory.mktemp("artifact-layouts"), big=100_000)
    return root, {name: m.digest for name, m in found.items()}


def _app(root: Path) -> RegviewApp:
    return create_app(FakeSource(root), repository=al.REPO, reference=al.TAG)


def tree_nodes(tree: ManifestTree) -> list[object]:
    out: list[object] = []
    stack = [tree.root]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(node.children))
    return out


async def cursor_to(pilot: Pilot[int], digest: str, kind: str = "manifest") -> None:
    """Put the manifest tree's cursor on the node for ``digest`` (a referrer, a layer)."""
    tree = pilot.app.screen.query_one(ManifestTree)
    for node in tree_nodes(tree):
        data = node.data  # type: ignore[attr-defined]
        if isinstance(data, NodeData) and data.kind == kind and data.digest == digest:
            tree.move_cursor(node)  # type: ignore[arg-type]
            await settle(pilot)
            return
    raise AssertionError(f"no {kind} node for {digest}")


async def open_referrer(pilot: Pilot[int], digest: str) -> ArtifactScreen:
    await settle(pilot)
    await cursor_to(pilot, digest)
    await pilot.press("b")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ArtifactScreen)
    return screen


def rows(screen: ArtifactScreen, width: int = 200) -> list[str]:
    """The rows shown, in order (under a filter, only the matching packages)."""
    plist = screen.query_one(PackageList)
    return [plist.render_row(plist.item_at(r), width).plain for r in range(plist.row_count)]


async def test_b_on_an_spdx_referrer_shows_its_packages(built: tuple[Path, dict[str, str]]) -> None:
    root, digests = built
    async with _app(root).run_test(size=(120, 40)) as pilot:
        screen = await open_referrer(pilot, digests["spdx"])
        plist = screen.query_one(PackageList)
        assert [p.name for p in plist.packages] == ["openssl", "left-pad", "acme-api"]
        first = rows(screen)[0].split()
        assert first[:4] == ["openssl", "3.0.11-1~deb12u2", "deb", "Apache-2.0"]
        assert "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64" in first
        text = screen_text(pilot.app)  # type: ignore[arg-type]
        assert "acme-api-1.4.0" in text and "Tool: syft-1.4.1, Organization: Acme Corp" in text
        assert "verified" in text
        await pilot.press("j")
        await settle(pilot)
        detail = str(screen.query_one("#artifact-package", Static).render())
        assert "Person: Cameron Westland" in detail and "pkg:npm/left-pad@1.3.0" in detail
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, ArtifactScreen)


async def test_the_attestation_is_decoded(built: tuple[Path, dict[str, str]]) -> None:
    root, digests = built
    async with _app(root).run_test(size=(120, 40)) as pilot:
        await open_referrer(pilot, digests["attestation"])
        text = screen_text(pilot.app)  # type: ignore[arg-type]
        for expected in (
            "Payload type   application/vnd.in-toto+json",
            "Predicate type https://slsa.dev/provenance/v1",
            "Statement      https://in-toto.io/Statement/v1",
            "registry.example.com/acme/api  sha256:5a1f0c9e1b2d3c4e5f6071829",
            '"id": "https://github.com/actions/runner"',
            "keyid SHA256:nbbbTjBYXkOv7Gn3MQUDHNNzSZqCRcvNnhvIU+qAbUE",
        ):
            assert expected in text, expected


async def test_the_signature_shows_its_descriptor_annotations(
    built: tuple[Path, dict[str, str]],
) -> None:
    root, digests = built
    async with _app(root).run_test(size=(120, 40)) as pilot:
        await open_referrer(pilot, digests["signature"])
        text = screen_text(pilot.app)  # type: ignore[arg-type]
        for expected in (
            "Type          cosign container image signature",
            "Reference     registry.example.com/acme/api",
            "Signed digest sha256:5a1f0c9e1b2d3c4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789",
            "Signature     MEUCIQDh4nd+wr1tten+s1gnature+bytes+",
            "-----BEGIN CERTIFICATE-----",
            "MIIBhandwrittenNotARealCertificate",
            '"logIndex": 31415',
            '"creator": "release-bot"',
        ):
            assert expected in text, expected


async def test_r_opens_all_the_bytes_in_the_viewer_and_back(
    built: tuple[Path, dict[str, str]],
) -> None:
    from regview.tui.screens.content import ContentScreen

    root, digests = built
    async with _app(root).run_test(size=(120, 40)) as pilot:
        screen = await open_referrer(pilot, digests["cyclonedx"])
        assert screen.has_class("-table")
        await pilot.press("r")
        await settle(pilot)
        viewer = pilot.app.screen
        assert isinstance(viewer, ContentScreen)
        # Every byte of the blob, as written in tests/fixtures/artifacts/bom.cdx.json.
        fixture = (FIXTURES / "bom.cdx.json").read_bytes()
        assert viewer.source.done and viewer.source.error is None
        assert await viewer.source.read(0, len(fixture) + 1) == fixture
        text = screen_text(pilot.app)  # type: ignore[arg-type]
        assert '"bomFormat": "CycloneDX",' in text and '"specVersion": "1.5",' in text
        await pilot.press("escape")
        await settle(pilot)
        assert pilot.app.screen is screen and screen.has_class("-table")


async def test_enter_on_an_artifact_layer_opens_it_and_on_an_image_layer_the_files(
    built: tuple[Path, dict[str, str]],
) -> None:
    root, digests = built
    layer = al.artifacts.fixture("simplesigning.json")
    from tests.support.images import sha256_digest

    async with _app(root).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, digests["signature"])
        tree = pilot.app.screen.query_one(ManifestTree)
        assert tree.cursor_node is not None
        tree.cursor_node.expand()
        await settle(pilot)
        await cursor_to(pilot, sha256_digest(layer), kind="layer")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ArtifactScreen)
        assert "cosign container image signature" in screen_text(pilot.app)  # type: ignore[arg-type]
        await pilot.press("escape")
        await settle(pilot)
        node = pilot.app.screen.query_one(ManifestTree).root.children[1]  # layer 1 of the image
        assert isinstance(node.data, NodeData) and node.data.kind == "layer"
        pilot.app.screen.query_one(ManifestTree).move_cursor(node)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, FilesScreen)


async def test_b_on_an_image_layer_says_the_files_view_is_better(
    built: tuple[Path, dict[str, str]],
) -> None:
    root, _ = built
    async with _app(root).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tree = pilot.app.screen.query_one(ManifestTree)
        tree.move_cursor(tree.root.children[1])
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        text = screen_text(pilot.app)  # type: ignore[arg-type]
        assert "the files view (f) lists its files" in text
        assert "00000000  1f 8b 08" in text  # a gzip stream's magic, as hexdump -C shows it


async def test_a_hostile_sbom_is_shown_as_text(built: tuple[Path, dict[str, str]]) -> None:
    root, digests = built
    async with _app(root).run_test(size=(120, 40)) as pilot:
        screen = await open_referrer(pilot, digests["hostile"])
        plist = screen.query_one(PackageList)
        first = plist.render_row(0, 200)
        name = "[bold red]not markup[/]"
        assert first.plain.startswith(name)
        assert not [s for s in first.spans if s.start < len(name)]  # no style from "markup"
        shown = [plist.render_row(i, 200).plain for i in range(plist.row_count)]
        assert all("\x1b" not in r and "\x07" not in r and "\u202e" not in r for r in shown)
        assert shown[2].startswith("<script>alert(1)</script>")
        text = screen_text(pilot.app)  # type: ignore[arg-type]
        assert "[link=https://evil.example]click[/link]" in text
        assert "\x1b" not in text


async def test_a_hundred_thousand_packages(built: tuple[Path, dict[str, str]]) -> None:
    root, digests = built
    async with _app(root).run_test(size=(80, 24)) as pilot:
        screen = await open_referrer(pilot, digests["big"])
        plist = screen.query_one(PackageList)
        assert plist.row_count == 100_000
        await pilot.press("end")
        await settle(pilot)
        assert plist.highlighted == 99_999
        assert "pkg-099999" in screen_text(pilot.app)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["spdx", "attestation", "signature"])
async def test_the_footer_fits_80_columns(built: tuple[Path, dict[str, str]], name: str) -> None:
    root, digests = built
    async with _app(root).run_test(size=(80, 24)) as pilot:
        await open_referrer(pilot, digests[name])
        footer = pilot.app.screen.query_one(Footer)
        line = screen_text(pilot.app).splitlines()[footer.region.y]  # type: ignore[arg-type]
        assert "esc Back" in line and "r Raw" in line and "? Keys" in line, line


async def test_b_where_there_is_no_blob_says_so(built: tuple[Path, dict[str, str]]) -> None:
    root, _ = built
    async with _app(root).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tree = pilot.app.screen.query_one(ManifestTree)
        group = next(n for n in tree.root.children if n.data and n.data.kind == "group")
        tree.move_cursor(group)
        await settle(pilot)
        assert pilot.app.screen.check_action("blob", ()) is False  # not offered here
        await pilot.press("b")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, ArtifactScreen)


async def test_a_blob_that_does_not_match_its_digest_is_refused(
    built: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    import shutil

    from tests.support.images import sha256_digest

    root, digests = built
    copy = tmp_path / "layout"
    shutil.copytree(root, copy)
    layer = sha256_digest(al.artifacts.fixture("sbom.spdx.json"))
    blob = copy / al.REPO / "blobs" / "sha256" / layer.split(":")[1]
    blob.write_bytes(blob.read_bytes().replace(b"openssl", b"evilssl"))
    async with _app(copy).run_test(size=(120, 40)) as pilot:
        screen = await open_referrer(pilot, digests["spdx"])
        text = screen_text(pilot.app)  # type: ignore[arg-type]
        assert "does not match its digest" in text
        assert "evilssl" not in text and screen.decoded is None


async def test_slash_filters_the_packages_and_escape_clears(
    built: tuple[Path, dict[str, str]],
) -> None:
    root, digests = built
    async with _app(root).run_test(size=(120, 40)) as pilot:
        screen = await open_referrer(pilot, digests["spdx"])
        plist = screen.query_one(PackageList)
        await pilot.press("slash")
        assert isinstance(pilot.app.focused, FilterInput)
        assert "3 packages" in screen_text(pilot.app)  # type: ignore[arg-type]
        # By purl, any case: only left-pad is an npm package (sbom.spdx.json).
        await pilot.press(*"NPM")
        await settle(pilot)
        assert [r.split()[0] for r in rows(screen)] == ["left-pad"]
        assert "1 of 3 packages" in screen_text(pilot.app)  # type: ignore[arg-type]
        assert "left-pad  version 1.3.0" in screen_text(pilot.app)  # type: ignore[arg-type]
        # By license (openssl's is Apache-2.0), and by version (acme-api's is 1.4.0).
        for query, names in (("apache", ["openssl"]), ("1.4", ["acme-api"])):
            screen.filter_input.value = query
            await settle(pilot)
            assert [r.split()[0] for r in rows(screen)] == names, query
        screen.filter_input.value = "nothing like it"
        await settle(pilot)
        assert plist.row_count == 0
        text = screen_text(pilot.app)  # type: ignore[arg-type]
        assert "0 of 3 packages" in text and "no match" in text
        await pilot.press("escape")  # in the input: clears and hides it
        await settle(pilot)
        assert plist.row_count == 3 and pilot.app.focused is plist
        assert not screen.has_class("-filtering")
        # Enter keeps the filter and goes to the table; Esc there clears it, then leaves.
        await pilot.press("slash", *"left", "enter")
        await settle(pilot)
        assert pilot.app.focused is plist and plist.row_count == 1
        await pilot.press("escape")
        await settle(pilot)
        assert pilot.app.screen is screen and plist.row_count == 3
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, ArtifactScreen)


async def test_the_filter_of_a_hundred_thousand_packages_counts_them(
    built: tuple[Path, dict[str, str]],
) -> None:
    root, digests = built
    async with _app(root).run_test(size=(80, 24)) as pilot:
        screen = await open_referrer(pilot, digests["big"])
        await pilot.press("slash", *"pkg-09999")
        await settle(pilot)
        # pkg-099990 to pkg-099999: ten of the 100,000 names (big_sbom).
        assert [r.split()[0] for r in rows(screen)] == [f"pkg-0{n}" for n in range(99990, 100_000)]
        assert "10 of 100,000 packages" in screen_text(pilot.app)  # type: ignore[arg-type]


async def test_a_hostile_package_found_by_the_filter_is_shown_as_text(
    built: tuple[Path, dict[str, str]],
) -> None:
    root, digests = built
    async with _app(root).run_test(size=(120, 40)) as pilot:
        screen = await open_referrer(pilot, digests["hostile"])
        await pilot.press("slash", *"script")
        await settle(pilot)
        shown = rows(screen)
        assert len(shown) == 1 and shown[0].startswith("<script>alert(1)</script>")
        text = screen_text(pilot.app)  # type: ignore[arg-type]
        assert "1 of " in text and "\x1b" not in text
