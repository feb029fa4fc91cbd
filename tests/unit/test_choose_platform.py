"""Which entry of an index is "the image": hand-written indexes, as ``soci convert`` and
buildx write them."""

from __future__ import annotations

import pytest

from regview.registry import Descriptor, ImageIndex, NotFound, Platform, choose_platform

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
IMAGE = "sha256:" + "1a" * 32
SOCI = "sha256:" + "2b" * 32
ARM64 = Platform("linux", "arm64", "v8")


def soci_converted(platform: Platform) -> ImageIndex:
    """``soci convert`` of a one-platform image: the SOCI index first here (the tool
    lists the image first; nothing says it must), with the image's platform."""
    return ImageIndex(
        OCI_INDEX,
        (
            Descriptor(
                OCI_MANIFEST,
                SOCI,
                900,
                platform=platform,
                artifact_type="application/vnd.amazon.soci.index.v2+json",
            ),
            Descriptor(OCI_MANIFEST, IMAGE, 1200, platform=platform),
        ),
    )


def test_the_only_image_is_chosen_over_a_soci_index_beside_it() -> None:
    assert choose_platform(soci_converted(ARM64), None).digest == IMAGE


def test_a_platform_asked_for_gets_the_image_not_the_artifact() -> None:
    assert choose_platform(soci_converted(ARM64), ARM64).digest == IMAGE
    amd64 = Platform("linux", "amd64")
    assert choose_platform(soci_converted(amd64), None).digest == IMAGE


def test_an_index_of_artifacts_only_has_no_image() -> None:
    only = ImageIndex(OCI_INDEX, soci_converted(ARM64).manifests[:1])
    with pytest.raises(NotFound, match="no image for platform"):
        choose_platform(only, None)
