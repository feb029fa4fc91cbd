"""The content the integration tests expect in their registries, and how it gets there."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.support import images
from tests.support.images import Kinds, Manifest
from tests.support.publish import (
    HttpPusher,
    run_parallel,
    skopeo_copy_args,
    skopeo_inspect,
    write_dir_layout,
)
from tests.support.registry import RegistryServer

# Where each kind lives in the plain registry. The artifacts (e) and the referrers index
# (f) live next to the image they refer to, as they would on a real registry.
KIND_REPOS = {
    "oci-image": "kinds/oci-image",
    "docker-image": "kinds/docker-image",
    "oci-index": "kinds/oci-index",
    "docker-list": "kinds/docker-list",
    "sbom": "kinds/oci-image",
    "signature": "kinds/oci-image",
    "referrers": "kinds/oci-image",
}
TAGGED_KINDS = ("oci-image", "docker-image", "oci-index", "docker-list")

BULK_TAGS_REPO = "bulk/tags"
BULK_TAG_COUNT = 2000
CATALOG_PREFIX = "catalog/repo-"
CATALOG_COUNT = 2000
DELETED_REPO = "deleted/all-gone"

_NUM = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that orders digit runs by value: ``v2`` < ``v10``, ``1.9`` < ``1.10``."""
    return tuple(
        (1, int(part)) if part.isdigit() else (0, part) for part in _NUM.split(text) if part
    )


def bulk_tag_names() -> list[str]:
    """2,000 tags in two families whose natural order differs from their byte order."""
    builds = [f"build-{i}" for i in range(1, 1001)]
    versions = [f"v1.{minor}.{patch}" for minor in range(40) for patch in range(25)]
    names = builds + versions
    assert len(names) == BULK_TAG_COUNT
    return names


def catalog_repo_names() -> list[str]:
    return [f"{CATALOG_PREFIX}{i:04d}" for i in range(CATALOG_COUNT)]


@dataclass
class Published:
    """What :func:`publish_kinds` (and the bulk publishers) put in a registry."""

    registry: RegistryServer
    kinds: Kinds
    bulk_image: Manifest  # pushed with skopeo as bulk/tags:build-1; the bulk copies' source
    deleted_repo: str = DELETED_REPO
    timings: dict[str, float] = field(default_factory=dict)

    def manifest(self, kind: str) -> Manifest:
        return self.kinds.all()[kind]

    def repo(self, kind: str) -> str:
        return KIND_REPOS[kind]

    def ref(self, kind: str, *, by_digest: bool = False) -> str:
        """``HOST:PORT/repo:tag`` (or ``@digest``) of a kind."""
        m = self.manifest(kind)
        if kind in TAGGED_KINDS and not by_digest:
            return self.registry.ref(KIND_REPOS[kind], "latest")
        if kind == "referrers" and not by_digest:
            return self.registry.ref(KIND_REPOS[kind], images.referrers_tag(m.subject or ""))
        return self.registry.ref(KIND_REPOS[kind], m.digest)


def _layouts(workdir: Path, kinds: Kinds, bulk: Manifest) -> tuple[Path, Path]:
    oci = images.write_layout(
        workdir / "oci-layout",
        {
            "oci-image": kinds.oci_image,
            "oci-index": kinds.oci_index,
            "sbom": kinds.sbom,
            "signature": kinds.signature,
            "bulk": bulk,
        },
    )
    dirs = workdir / "dir-layouts"
    write_dir_layout(dirs / "docker-image", kinds.docker_image)
    write_dir_layout(dirs / "docker-list", kinds.docker_list)
    return oci, dirs


def publish_kinds(registry: RegistryServer, workdir: Path) -> Published:
    """Push every kind (a)-(f), the bulk seed image, and a repository with no tags left.

    Checks that ``skopeo inspect --raw`` gives back every generated manifest unchanged.
    """
    timings: dict[str, float] = {}
    t0 = time.monotonic()
    kinds = images.build_all()
    bulk = images.small_image("regview-bulk")
    oci, dirs = _layouts(workdir, kinds, bulk)
    timings["generate"] = time.monotonic() - t0

    t = time.monotonic()
    host = registry.host
    commands = [
        skopeo_copy_args(f"oci:{oci}:oci-image", f"{host}/{KIND_REPOS['oci-image']}:latest"),
        skopeo_copy_args(f"oci:{oci}:oci-index", f"{host}/{KIND_REPOS['oci-index']}:latest"),
        skopeo_copy_args(
            f"dir:{dirs / 'docker-image'}", f"{host}/{KIND_REPOS['docker-image']}:latest"
        ),
        skopeo_copy_args(
            f"dir:{dirs / 'docker-list'}", f"{host}/{KIND_REPOS['docker-list']}:latest"
        ),
        skopeo_copy_args(f"oci:{oci}:bulk", f"{host}/{BULK_TAGS_REPO}:build-1"),
    ]
    run_parallel(commands)
    # The artifacts go in by digest (untagged, as cosign and oras push them); after the
    # image, so the subject exists when they arrive.
    run_parallel(
        [
            skopeo_copy_args(
                f"oci:{oci}:{kind}", f"{host}/{KIND_REPOS[kind]}@{kinds.all()[kind].digest}"
            )
            for kind in ("sbom", "signature")
        ]
    )
    timings["skopeo"] = time.monotonic() - t

    t = time.monotonic()
    with HttpPusher(registry.url) as pusher:
        # (f): skopeo 1.9.3 cannot push this index unchanged (see tests.support.publish).
        pusher.put_manifest(
            KIND_REPOS["referrers"],
            images.referrers_tag(kinds.referrers.subject or ""),
            kinds.referrers.raw,
            kinds.referrers.media_type,
        )
        # A repository whose only manifest was deleted: tags/list answers {"tags": null}.
        pusher.copy_image(bulk, BULK_TAGS_REPO, DELETED_REPO, "old")
        pusher.delete_manifest(DELETED_REPO, bulk.digest)
    timings["http"] = time.monotonic() - t

    t = time.monotonic()
    published = Published(registry, kinds, bulk, timings=timings)
    for kind in kinds.all():
        got = skopeo_inspect(published.ref(kind))
        if got != published.manifest(kind).raw:
            raise AssertionError(f"skopeo inspect --raw of {kind} differs from what was pushed")
    timings["verify"] = time.monotonic() - t
    timings["total"] = time.monotonic() - t0
    return published


def publish_bulk_tags(published: Published) -> list[str]:
    """Tag the seed image 1,999 more times in ``bulk/tags`` (one manifest PUT each)."""
    tags = bulk_tag_names()
    with HttpPusher(published.registry.url) as pusher:
        pusher.tag_many(published.bulk_image, BULK_TAGS_REPO, [x for x in tags if x != "build-1"])
    return tags


def catalog_image(bulk: Manifest) -> Manifest:
    """The seed image's config alone (no layers): one mount and one PUT per repository."""
    assert bulk.config is not None
    manifest = {
        "schemaVersion": 2,
        "mediaType": bulk.media_type,
        "config": bulk.config.descriptor(),
        "layers": [],
    }
    return Manifest(
        kind="catalog-image",
        media_type=bulk.media_type,
        raw=images.canonical_json(manifest),
        config=bulk.config,
    )


def publish_catalog(published: Published) -> list[str]:
    """2,000 repositories ``catalog/repo-NNNN:latest``: a blob mount and a manifest PUT each."""
    repos = catalog_repo_names()
    image = catalog_image(published.bulk_image)
    with HttpPusher(published.registry.url) as pusher:
        pusher.copy_image_to_many(image, BULK_TAGS_REPO, repos, "latest")
    return repos


# What publish_private puts in the auth registries: layout tag -> repository.
PRIVATE_REPOS = {
    "oci-image": "private/oci-image",
    "oci-index": "private/oci-index",
    "public-image": "public/oci-image",
}


def publish_private(registry: RegistryServer, workdir: Path, creds: tuple[str, str]) -> Kinds:
    """Push the OCI image and the OCI index to an auth-protected registry (as ``creds``)."""
    kinds = images.build_all()
    oci = images.write_layout(
        workdir / "oci-layout",
        {
            "oci-image": kinds.oci_image,
            "oci-index": kinds.oci_index,
            "public-image": kinds.oci_image,
        },
    )
    host = registry.host
    run_parallel(
        [
            skopeo_copy_args(f"oci:{oci}:{tag}", f"{host}/{repo}:latest", creds=creds)
            for tag, repo in PRIVATE_REPOS.items()
        ]
    )
    return kinds
