"""Media types of the OCI image spec and the Docker registry formats, and how to classify them."""

from __future__ import annotations

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_EMPTY = "application/vnd.oci.empty.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd"
OCI_LAYER_ND = "application/vnd.oci.image.layer.nondistributable.v1.tar"
OCI_LAYER_ND_GZIP = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
OCI_LAYER_ND_ZSTD = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"

DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+json"
DOCKER_SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
DOCKER_FOREIGN_LAYER = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
DOCKER_PLUGIN_CONFIG = "application/vnd.docker.plugin.v1+json"

# Well-known artifact types, for labelling referrers.
COSIGN_SIGNATURE = "application/vnd.dev.cosign.simplesigning.v1+json"
COSIGN_ARTIFACT_SIG = "application/vnd.dev.cosign.artifact.sig.v1+json"
SIGSTORE_BUNDLE = "application/vnd.dev.sigstore.bundle.v0.3+json"
NOTARY_SIGNATURE = "application/vnd.cncf.notary.signature"
IN_TOTO = "application/vnd.in-toto+json"
SPDX_JSON = "application/spdx+json"
CYCLONEDX_JSON = "application/vnd.cyclonedx+json"

INDEX_TYPES = frozenset({OCI_INDEX, DOCKER_MANIFEST_LIST})
IMAGE_MANIFEST_TYPES = frozenset({OCI_MANIFEST, DOCKER_MANIFEST})
SCHEMA1_TYPES = frozenset({DOCKER_SCHEMA1, DOCKER_SCHEMA1_SIGNED})
MANIFEST_TYPES = INDEX_TYPES | IMAGE_MANIFEST_TYPES | SCHEMA1_TYPES
IMAGE_CONFIG_TYPES = frozenset({OCI_CONFIG, DOCKER_CONFIG})
#: Media types that say nothing of the content (Docker 1.12-era configs were pushed so).
GENERIC_TYPES = frozenset({"application/octet-stream"})

#: What we send in ``Accept`` when asking for a manifest: every format we can read.
MANIFEST_ACCEPT: tuple[str, ...] = (
    OCI_INDEX,
    OCI_MANIFEST,
    DOCKER_MANIFEST_LIST,
    DOCKER_MANIFEST,
    DOCKER_SCHEMA1_SIGNED,
    DOCKER_SCHEMA1,
)

#: Annotation keys used to recognise attestation manifests inside an index (buildx).
DOCKER_REFERENCE_TYPE = "vnd.docker.reference.type"
DOCKER_REFERENCE_DIGEST = "vnd.docker.reference.digest"
ATTESTATION_MANIFEST = "attestation-manifest"

ANNOTATION_REF_NAME = "org.opencontainers.image.ref.name"
ANNOTATION_CREATED = "org.opencontainers.image.created"


def is_index(media_type: str | None) -> bool:
    return media_type in INDEX_TYPES


def is_image_manifest(media_type: str | None) -> bool:
    return media_type in IMAGE_MANIFEST_TYPES


def is_schema1(media_type: str | None) -> bool:
    return media_type in SCHEMA1_TYPES


def is_manifest(media_type: str | None) -> bool:
    return media_type in MANIFEST_TYPES


def is_image_config(media_type: str | None) -> bool:
    return media_type in IMAGE_CONFIG_TYPES


def is_layer(media_type: str | None) -> bool:
    if media_type is None:
        return False
    return media_type.startswith(
        ("application/vnd.oci.image.layer.", "application/vnd.docker.image.rootfs.")
    )


def layer_compression(media_type: str | None) -> str | None:
    """``"gzip"``, ``"zstd"``, ``"none"`` for a layer type, or ``None`` when unknown."""
    if media_type is None or not is_layer(media_type):
        return None
    if media_type.endswith("+gzip") or media_type.endswith(".tar.gzip"):
        return "gzip"
    if media_type.endswith("+zstd"):
        return "zstd"
    if media_type.endswith(".tar"):
        return "none"
    return None


_SHORT_NAMES = {
    OCI_INDEX: "OCI index",
    OCI_MANIFEST: "OCI manifest",
    OCI_CONFIG: "OCI config",
    OCI_EMPTY: "empty",
    DOCKER_MANIFEST_LIST: "Docker manifest list",
    DOCKER_MANIFEST: "Docker manifest v2",
    DOCKER_SCHEMA1: "Docker schema1",
    DOCKER_SCHEMA1_SIGNED: "Docker schema1 (signed)",
    DOCKER_CONFIG: "Docker config",
    DOCKER_LAYER: "Docker layer (gzip)",
    DOCKER_FOREIGN_LAYER: "Docker foreign layer",
    OCI_LAYER: "OCI layer (tar)",
    OCI_LAYER_GZIP: "OCI layer (gzip)",
    OCI_LAYER_ZSTD: "OCI layer (zstd)",
    COSIGN_SIGNATURE: "cosign signature",
    SIGSTORE_BUNDLE: "sigstore bundle",
    NOTARY_SIGNATURE: "notary signature",
    IN_TOTO: "in-toto attestation",
    SPDX_JSON: "SPDX SBOM",
    CYCLONEDX_JSON: "CycloneDX SBOM",
}


def short_name(media_type: str | None) -> str:
    """A human label for a media type; the type itself when we have no better name."""
    if not media_type:
        return "unknown"
    return _SHORT_NAMES.get(media_type, media_type)


def referrer_kind(artifact_type: str | None) -> str:
    """Classify a referrer as ``signature``, ``sbom``, ``attestation`` or ``artifact``."""
    t = (artifact_type or "").lower()
    if "sig" in t or "notary" in t:
        return "signature"
    if "spdx" in t or "cyclonedx" in t or "sbom" in t or "syft" in t:
        return "sbom"
    if any(k in t for k in ("in-toto", "intoto", "dsse", "attestation", "provenance")):
        return "attestation"
    return "artifact"
