"""Tags that hold what refers to an image (referrers tag schema, cosign) come last, dimmed,
labelled with their kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from regview.registry import media_types as mt
from regview.registry.oci_layout import LayoutWriter, descriptor_json
from regview.registry.tag_info import order_tags, referrer_tag_kind
from regview.tui.app import create_app
from tests.tui.fakes import FakeSource
from tests.tui.helpers import screen_text, settle
from tests.tui.layouts import DSSE, _image, _sbom, cosign, cosign_tag

HEX = "0123456789abcdef" * 4


@pytest.mark.parametrize(
    ("tag", "kind"),
    [
        (f"sha256-{HEX}", "referrers"),
        (f"sha512-{HEX}", "referrers"),  # the schema truncates any digest to 64 characters
        (f"sha256-{HEX}.sig", "signature"),
        (f"sha256-{HEX}.att", "attestation"),
        (f"sha256-{HEX}.sbom", "sbom"),
        (f"sha256-{HEX}.sig.bak", None),
        (f"sha256-{HEX[:-1]}.sig", None),
        (f"sha256-{HEX.upper()}", None),
        (f"sha256-{HEX}\n", None),
        ("sha256-abc.sig", None),
        ("latest", None),
        ("", None),
    ],
)
def test_referrer_tag_kind(tag: str, kind: str | None) -> None:
    assert referrer_tag_kind(tag) == kind


def test_referrer_tags_sort_after_the_ordinary_ones() -> None:
    tags = [f"sha256-{HEX}.sig", "v1.10", f"sha256-{HEX}", "sha256-abc.sig", "latest", "v1.9"]
    assert order_tags(tags) == [
        "latest", "sha256-abc.sig", "v1.9", "v1.10", f"sha256-{HEX}", f"sha256-{HEX}.sig",
    ]


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """team/signed: an image signed, attested and with an SBOM, from a registry without
    the referrers API (so the SBOM is listed under the referrers tag schema)."""
    root = tmp_path_factory.mktemp("signed")
    w = LayoutWriter(root / "team" / "signed")
    image = _image(w, "amd64", seed="signed")
    for tag in ("1.0", "1.10", "latest", "sha256-not-a-digest"):
        w.tag(image, tag)
    w.tag(cosign(w, image, mt.COSIGN_SIGNATURE, {"dev.cosignproject.cosign/signature": "x"}),
          cosign_tag(image, ".sig"))
    w.tag(cosign(w, image, DSSE, {"predicateType": "https://spdx.dev/Document"}),
          cosign_tag(image, ".att"))
    w.tag(cosign(w, image, mt.SPDX_JSON, {}), cosign_tag(image, ".sbom"))
    sbom = _sbom(w, image)
    referrers = w.add_json({"schemaVersion": 2, "mediaType": mt.OCI_INDEX,
                            "manifests": [descriptor_json(sbom)]}, mt.OCI_INDEX)
    w.tag(referrers, cosign_tag(image, ""))
    w.close()
    return root


@pytest.mark.parametrize("size", [(200, 50), (120, 40), (80, 24)],
                         ids=["200x50", "120x40", "80x24"])
async def test_referrer_tags_come_last_dimmed_with_their_kind(
    signed: Path, size: tuple[int, int]
) -> None:
    app = create_app(FakeSource(signed), repository="team/signed")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        tag_list = app.main.tags.list
        items = list(tag_list.items)
        subject = items[-1].removesuffix(".sig")
        assert items == ["latest", "1.0", "1.10", "sha256-not-a-digest",
                         subject, f"{subject}.att", f"{subject}.sbom", f"{subject}.sig"]
        width = tag_list.size.width
        rows = {tag: tag_list.render_row(i, width) for i, tag in enumerate(items)}
        digests = {tag: (tag_list.infos[tag].digest or "")[7:19] for tag in items}
        screen = screen_text(app)
    expected = {subject: "referrers", f"{subject}.att": "attestation",
                f"{subject}.sbom": "sbom", f"{subject}.sig": "signature"}
    for tag, kind in expected.items():
        row = rows[tag]
        assert row.plain.rstrip().endswith(kind), row.plain
        assert "dim" in str(row.style) or "dim" in str(row.spans[0].style)
        if size[0] >= 200:  # room for the digest too (narrower, the kind takes its place)
            assert digests[tag] and f" {digests[tag]} {kind}" in row.plain
    for tag in ("latest", "1.0", "sha256-not-a-digest"):
        assert not any(kind in rows[tag].plain for kind in expected.values())
    for kind in expected.values():
        assert kind in screen


async def test_a_referrer_tag_opens_like_any_other(signed: Path) -> None:
    app = create_app(FakeSource(signed), repository="team/signed")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("end", "enter")  # the .sig tag, last
        await settle(pilot)
        assert app.main.manifest.reference == app.main.tags.list.items[-1]
        assert app.main.manifest.reference.endswith(".sig")


async def test_the_breadcrumb_names_a_referrers_tag_at_80_columns(signed: Path) -> None:
    # A long source name, as an OCI layout's path is.
    source = FakeSource(signed, name="oci:/tmp/regview-demo-phcgpulr/demo-v1/layouts")
    app = create_app(source, repository="team/signed")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        subject = app.main.tags.list.items[-1].removesuffix(".sig")
        app.main.open_reference("team/signed", subject)
        await settle(pilot)
        assert app.main.manifest.reference == subject
        first = screen_text(app).splitlines()[0]
        assert "› team/signed › sha256-" in first, first
        assert subject[7:19] in first
