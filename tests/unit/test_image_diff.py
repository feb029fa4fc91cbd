"""diff_images on hand-made snapshots: entries, configs and layers written here, and the
expected differences written down by hand (never computed by the code under test)."""

from __future__ import annotations

from regview.diff_text import render_diff
from regview.registry import ImageSnapshot, diff_images
from regview.registry.layers.entry import Entry, EntryType
from regview.registry.layers.merge import merge_layers
from regview.registry.layers.toc import LayerToc
from regview.registry.models import Descriptor, HistoryEntry, ImageConfig

H1, H2 = "1" * 64, "2" * 64
CONFIG_TYPE = "application/vnd.oci.image.config.v1+json"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def toc(digest: str, *entries: Entry) -> LayerToc:
    return LayerToc(digest, entries, 100, 1000, "gzip")


def snapshot(
    name: str,
    layers: list[LayerToc],
    config: ImageConfig | None = None,
    *,
    media_type: str = MANIFEST,
    manifest_size: int = 500,
) -> ImageSnapshot:
    return ImageSnapshot(
        display=name,
        digest="sha256:" + name[0] * 64,
        media_type=media_type,
        manifest_size=manifest_size,
        config_descriptor=Descriptor(CONFIG_TYPE, "sha256:" + "c" * 64, 300),
        config=config or ImageConfig(),
        layers=tuple(Descriptor("application/vnd.oci.image.layer.v1.tar+gzip", t.digest, 100)
                     for t in layers),
        filesystem=merge_layers(layers),
    )


def f(path: str, sha: str | None = H1, size: int = 5, **kw: object) -> Entry:
    return Entry(path, EntryType.FILE, size, sha256=sha, **kw)  # type: ignore[arg-type]


L0 = "sha256:" + "a" * 64
L1 = "sha256:" + "b" * 64


def test_identical_snapshots_are_equal() -> None:
    layer = toc(L0, f("x"), Entry("d", EntryType.DIR, mode=0o755))
    d = diff_images(snapshot("a", [layer]), snapshot("b", [layer]))
    assert d.equal and d.files == () and d.config == () and d.history == ()
    assert render_diff(d)[-1] == "the images are equal"


def test_a_device_whose_numbers_change_and_an_owner_change() -> None:
    a = toc(L0, Entry("dev/x", EntryType.CHAR, devmajor=1, devminor=3), f("o", uid=0))
    b = toc(L1, Entry("dev/x", EntryType.CHAR, devmajor=1, devminor=5), f("o", uid=1000))
    d = diff_images(snapshot("a", [a]), snapshot("b", [b]))
    assert [(c.path, c.change, c.attributes) for c in d.files] == [
        ("dev/x", "changed", ("type",)),
        ("o", "changed", ("owner",)),
    ]


def test_content_without_a_hash_on_one_side_is_reported_as_not_compared() -> None:
    a = toc(L0, f("old", sha=None))
    b = toc(L1, f("old", sha=H2))
    d = diff_images(snapshot("a", [a]), snapshot("b", [b]))
    assert d.files == () and d.unhashed == ("old",)
    assert any("could not be compared by content" in line for line in render_diff(d))


def test_a_hardlink_carries_the_content_of_its_target() -> None:
    # A: x is a file of content H1; B: x is a hardlink to y, whose content is H2.
    a = toc(L0, f("x", sha=H1), f("y", sha=H1))
    b = toc(L1, f("y", sha=H2), Entry("x", EntryType.HARDLINK, link="y"))
    d = diff_images(snapshot("a", [a]), snapshot("b", [b]))
    changes = {c.path: c for c in d.files}
    assert changes["x"].attributes == ("type", "link", "content")
    assert (changes["x"].sha256_a, changes["x"].sha256_b) == (H1, H2)
    assert changes["y"].attributes == ("content",)


def test_config_keys_history_and_layers_by_hand() -> None:
    ca = ImageConfig(
        env=("A=1", "B=2", "EMPTY="),
        labels={"k": "v"},
        exposed_ports=("80/tcp",),
        history=(HistoryEntry(created_by="FROM x"), HistoryEntry(created_by="RUN a")),
        architecture="amd64",
        os="linux",
    )
    cb = ImageConfig(
        env=("B=3", "EMPTY=", "C=4"),
        labels={},
        exposed_ports=("80/tcp",),
        stop_signal="SIGTERM",
        history=(
            HistoryEntry(created_by="FROM x"),
            HistoryEntry(created_by="ENV C=4", empty_layer=True),
            HistoryEntry(created_by="RUN a"),
        ),
        architecture="arm64",
        os="linux",
    )
    base = toc(L0, f("x"))
    top = toc(L1, f("y"))
    d = diff_images(snapshot("a", [base], ca), snapshot("b", [top, base], cb))
    assert [(c.field, c.key, c.change, c.before, c.after) for c in d.config] == [
        ("platform", None, "changed", "linux/amd64", "linux/arm64"),
        ("stopSignal", None, "added", None, "SIGTERM"),
        ("env", "A", "removed", "1", None),
        ("env", "B", "changed", "2", "3"),
        ("env", "C", "added", None, "4"),
        ("labels", "k", "removed", "v", None),
    ]
    assert [(h.change, h.index, h.created_by, h.empty_layer) for h in d.history] == [
        ("added", 1, "ENV C=4", True),
    ]
    # The base moved from position 0 to 1 under a new layer.
    assert [(c.digest, c.change, c.position_a, c.position_b) for c in d.layers] == [
        (L0, "shared", 0, 1),
        (L1, "added", None, 0),
    ]
    assert d.layers_changed and not d.equal


def test_the_same_layers_in_another_order_are_a_difference() -> None:
    a_layers = [toc(L0, f("x")), toc(L1, f("y"))]
    b_layers = [toc(L1, f("y")), toc(L0, f("x"))]
    d = diff_images(snapshot("a", a_layers), snapshot("b", b_layers))
    assert d.files == () and d.layers_changed and not d.equal


def test_only_the_manifest_media_type_differs() -> None:
    layer = toc(L0, f("x"))
    docker = "application/vnd.docker.distribution.manifest.v2+json"
    d = diff_images(snapshot("a", [layer]), snapshot("b", [layer], media_type=docker))
    assert [(c.field, c.before, c.after) for c in d.media_types] == [("manifest", MANIFEST, docker)]
    assert not d.equal


def test_only_the_manifest_size_differs_is_still_equal() -> None:
    # Annotations or whitespace change the manifest, not the image.
    layer = toc(L0, f("x"))
    d = diff_images(snapshot("a", [layer]), snapshot("b", [layer], manifest_size=600))
    assert d.equal
    assert d.to_json()["sizes"][0] == {"name": "manifest", "a": 500, "b": 600, "delta": 100}


def test_names_that_are_not_utf8_are_shown_escaped_in_json() -> None:
    name = b"caf\xe9".decode("utf-8", "surrogateescape")
    d = diff_images(snapshot("a", [toc(L0)]), snapshot("b", [toc(L1, f(name))]))
    assert d.to_json()["files"][0]["path"] == "caf\\xe9"
