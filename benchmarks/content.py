"""Generated registry content for the benchmark, pushed fast over HTTP.

* ``bench/images``: 100 distinct small OCI images (own config, own one-file gzip layer),
  tagged ``img-000`` … ``img-099`` — the 100 tags of operation (c);
* ``bench/tags``: 2,000 tags (two families, ``build-N`` and ``v1.M.P``) pointing at the
  100 images in turn — operation (b);
* ``catalog/repo-NNNN``: enough config-only repositories to make the catalog 5,000
  entries in all — operation (a).

Blobs are uploaded once and cross-mounted; everything else is manifest PUTs from a pool
of threads (``tests.support.publish.HttpPusher``), written straight to the registry (not
through the latency proxy).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # tests.support: the image builders and the pusher

from tests.support import images  # noqa: E402
from tests.support.images import Manifest  # noqa: E402
from tests.support.publish import HttpPusher  # noqa: E402

IMAGES_REPO = "bench/images"
TAGS_REPO = "bench/tags"
CATALOG_PREFIX = "catalog/repo-"


@dataclass(frozen=True)
class Sizes:
    images: int = 100
    tags: int = 2000
    catalog: int = 5000

    @classmethod
    def quick(cls) -> Sizes:
        return cls(images=20, tags=300, catalog=600)


@dataclass
class Content:
    host: str  # 127.0.0.1:PORT of the registry itself
    sizes: Sizes
    images: list[Manifest]
    image_tags: list[str]
    tag_names: list[str]
    catalog_repos: list[str]
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def all_repos(self) -> list[str]:
        return sorted([IMAGES_REPO, TAGS_REPO, *self.catalog_repos])


def tag_names(n: int) -> list[str]:
    """``n`` tags in two families whose natural order differs from their byte order."""
    half = n // 2
    builds = [f"build-{i}" for i in range(1, half + 1)]
    versions = [f"v1.{i // 25}.{i % 25}" for i in range(n - half)]
    return builds + versions


def config_only(image: Manifest) -> Manifest:
    """A manifest with the image's config and no layers: one mount + one PUT per repo."""
    assert image.config is not None
    raw = images.canonical_json(
        {
            "schemaVersion": 2,
            "mediaType": image.media_type,
            "config": image.config.descriptor(),
            "layers": [],
        }
    )
    return Manifest(kind="catalog", media_type=image.media_type, raw=raw, config=image.config)


def publish(registry_url: str, host: str, sizes: Sizes) -> Content:
    timings: dict[str, float] = {}
    t0 = time.monotonic()
    imgs = [images.small_image(f"regview-bench-{i:03d}") for i in range(sizes.images)]
    image_tags = [f"img-{i:03d}" for i in range(sizes.images)]
    names = tag_names(sizes.tags)
    catalog_count = max(0, sizes.catalog - 2)  # + bench/images + bench/tags
    catalog_repos = [f"{CATALOG_PREFIX}{i:04d}" for i in range(catalog_count)]
    timings["generate"] = time.monotonic() - t0

    with HttpPusher(registry_url) as pusher:
        t = time.monotonic()

        def push_image(i: int) -> None:
            image = imgs[i]
            for blob in image.blobs():
                pusher.upload_blob(IMAGES_REPO, blob.data, blob.digest)
            pusher.put_manifest(IMAGES_REPO, image_tags[i], image.raw, image.media_type)

        pusher.run_all(push_image, range(len(imgs)))
        timings["images"] = time.monotonic() - t

        t = time.monotonic()
        blobs = [b for image in imgs for b in image.blobs()]
        pusher.run_all(lambda b: pusher.mount_blob(TAGS_REPO, b.digest, IMAGES_REPO), blobs)

        def put_tag(i: int) -> None:
            image = imgs[i % len(imgs)]
            pusher.put_manifest(TAGS_REPO, names[i], image.raw, image.media_type)

        pusher.run_all(put_tag, range(len(names)))
        timings["tags"] = time.monotonic() - t

        t = time.monotonic()
        seed = config_only(imgs[0])
        assert seed.config is not None
        seed_config = seed.config.digest

        def put_repo(repo: str) -> None:
            pusher.mount_blob(repo, seed_config, IMAGES_REPO)
            pusher.put_manifest(repo, "latest", seed.raw, seed.media_type)

        pusher.run_all(put_repo, catalog_repos)
        timings["catalog"] = time.monotonic() - t
    timings["total"] = time.monotonic() - t0
    return Content(host, sizes, imgs, image_tags, names, catalog_repos, timings)
