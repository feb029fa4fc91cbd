"""``await regview.notebook.blob(ref)``: the hand-written SBOMs, attestation and signature
(tests/fixtures/artifacts) in a cell: over an OCI layout, and in a real kernel against
the real registry. Expected values are written out from the fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

import regview.notebook as rv
from regview.notebook import DOCUMENT_MIME
from tests.notebook.conftest import Kernel
from tests.notebook.test_cells_registry import table_rows
from tests.support import artifact_layout as al
from tests.support import artifacts
from tests.support.registry import RegistryServer


def package_rows(html: str) -> list[list[str]]:
    """The rows of the package table, not of the header's fields table above it."""
    return table_rows(html[html.index('class="regview-table"') :])


@pytest.fixture(scope="module")
def layout(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root, _subject, found = al.build(tmp_path_factory.mktemp("nb-blob"))
    return root / al.REPO, {name: m.layers[0].digest for name, m in found.items()}


async def test_an_spdx_sbom_is_a_package_table(
    layout: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    path, digests = layout
    sb = await rv.blob(f"oci:{path}@{digests['spdx']}", cache_dir=tmp_path)
    assert sb.kind == "sbom" and sb.verified and sb.size == 1944
    assert [(p.name, p.version, p.type, p.license) for p in sb] == [
        ("openssl", "3.0.11-1~deb12u2", "deb", "Apache-2.0"),
        ("left-pad", "1.3.0", "npm", "WTFPL"),
        ("acme-api", "1.4.0", "application", ""),
    ]
    frame = sb.to_pandas()
    assert list(frame.columns) == ["name", "version", "type", "license", "purl", "supplier"]
    assert frame.purl[1] == "pkg:npm/left-pad@1.3.0"
    html = sb._repr_html_()
    assert [r[0] for r in package_rows(html)] == ["openssl", "left-pad", "acme-api"]
    assert "SPDX-2.3 SBOM" in html and "Tool: syft-1.4.1" in html


async def test_an_attestation_and_a_signature(
    layout: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    path, digests = layout
    att = await rv.blob(f"oci:{path}@{digests['attestation']}", cache_dir=tmp_path)
    assert att.kind == "attestation" and len(att) == 0
    html = att._repr_html_()
    assert "https://slsa.dev/provenance/v1" in html
    assert "https://github.com/actions/runner" in html  # the predicate, as JSON
    assert "in-toto attestation (DSSE envelope)" in str(att)
    sig = await rv.blob(f"oci:{path}@{digests['signature']}", cache_dir=tmp_path)
    assert sig.kind == "signature"
    doc = sig.document()
    assert doc["decoded"]["dockerManifestDigest"] == (
        "sha256:5a1f0c9e1b2d3c4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789"
    )


async def test_a_hostile_sbom_is_escaped_in_html(
    layout: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    path, digests = layout
    sb = await rv.blob(f"oci:{path}@{digests['hostile']}", cache_dir=tmp_path)
    html = sb._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "\x1b" not in html and "\x07" not in html and "\u202e" not in html
    assert "\x1b" not in str(sb)


async def test_a_tag_is_refused(layout: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    from regview.registry import InvalidReference

    path, _ = layout
    with pytest.raises(InvalidReference, match="named by its digest"):
        await rv.blob(f"oci:{path}:{al.TAG}", cache_dir=tmp_path)


@pytest.mark.integration
def test_blob_in_a_kernel_against_the_registry(
    kernel: Kernel, registry: RegistryServer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    published = artifacts.publish(registry, tmp_path_factory.mktemp("nb-blob-registry"))
    layer = published.layer("cyclonedx")
    kernel.run("import regview.notebook as rv")
    out = kernel.run(f"sb = await rv.blob({published.ref(layer.digest)!r}, plain_http=True)\nsb")
    rows = package_rows(out.html)
    assert [r[0] for r in rows] == ["@angular/core", "tslib", "debian"]
    doc = out.first(DOCUMENT_MIME)
    assert doc["decoded"]["specVersion"] == "1.5" and doc["total"] == 3
    assert kernel.value("sb.verified") is True
