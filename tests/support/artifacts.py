"""Hand-written SBOM, attestation and signature documents (tests/fixtures/artifacts) as
OCI artifacts whose ``subject`` is a small image, pushed unchanged with skopeo.

The documents follow the SPDX 2.3, CycloneDX 1.5, in-toto v1 / DSSE v1 and cosign
simple signing specs; nothing here is produced by regview.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from regview.registry import media_types as mt
from tests.support import images
from tests.support.images import Blob, Manifest
from tests.support.publish import run_parallel, skopeo_copy_args
from tests.support.registry import RegistryServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "artifacts"
REPO = "artifacts/app"
DSSE = "application/vnd.dsse.envelope.v1+json"
SIGNATURE = "MEUCIQDh4nd+wr1tten+s1gnature+bytes+AAAAAAAAAAAAAAAAAAAAAAAAAA=="
CERTIFICATE = (
    "-----BEGIN CERTIFICATE-----\nMIIBhandwrittenNotARealCertificate\n-----END CERTIFICATE-----\n"
)
BUNDLE = (
    '{"SignedEntryTimestamp":"MEYCIQ==","Payload":{"logIndex":31415,"integratedTime":1714979289}}'
)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@dataclass(frozen=True)
class Published:
    registry: RegistryServer
    subject: Manifest
    artifacts: dict[str, Manifest]  # "spdx", "cyclonedx", "attestation", "signature"

    def layer(self, name: str) -> Blob:
        return self.artifacts[name].layers[0]

    def ref(self, digest: str) -> str:
        return self.registry.ref(REPO, digest)


def build(subject: Manifest) -> dict[str, Manifest]:
    def one(kind: str, artifact_type: str, media_type: str, name: str, **ann: str) -> Manifest:
        layer = Blob(media_type, fixture(name), ann)
        return images.artifact(kind, subject, artifact_type, layer, {})

    return {
        "spdx": one("sbom", mt.SPDX_JSON, mt.SPDX_JSON, "sbom.spdx.json"),
        "cyclonedx": one("sbom", mt.CYCLONEDX_JSON, mt.CYCLONEDX_JSON, "bom.cdx.json"),
        "attestation": one("attestation", mt.IN_TOTO, DSSE, "attestation.dsse.json"),
        "signature": one(
            "signature",
            mt.COSIGN_ARTIFACT_SIG,
            mt.COSIGN_SIGNATURE,
            "simplesigning.json",
            **{
                "dev.cosignproject.cosign/signature": SIGNATURE,
                "dev.sigstore.cosign/certificate": CERTIFICATE,
                "dev.sigstore.cosign/bundle": BUNDLE,
            },
        ),
    }


def publish(registry: RegistryServer, workdir: Path) -> Published:
    """The subject image (tag ``latest``), then the artifacts by digest, as cosign and
    oras push them."""
    subject = images.small_image("artifact-subject")
    artifacts = build(subject)
    layout = images.write_layout(workdir / "layout", {"subject": subject, **artifacts})
    run_parallel([skopeo_copy_args(f"oci:{layout}:subject", registry.ref(REPO, "latest"))])
    run_parallel(
        [
            skopeo_copy_args(f"oci:{layout}:{name}", registry.ref(REPO, m.digest))
            for name, m in artifacts.items()
        ]
    )
    return Published(registry, subject, artifacts)
