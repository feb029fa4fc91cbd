"""regview.artifacts against hand-written documents (tests/fixtures/artifacts, written
from the SPDX 2.3, CycloneDX 1.5, in-toto v1 / DSSE v1 and cosign simple signing specs):
every expected value below is written out by hand from those files."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from regview.artifacts import (
    MAX_JSON_BYTES,
    Attestation,
    Package,
    Raw,
    Sbom,
    Signature,
    decode_blob,
    decoded_lines,
    hex_dump,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "artifacts"
SPDX_TYPE = "application/spdx+json"
CDX_TYPE = "application/vnd.cyclonedx+json"
DSSE_TYPE = "application/vnd.dsse.envelope.v1+json"
INTOTO_TYPE = "application/vnd.in-toto+json"
COSIGN_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json"
SUBJECT = "5a1f0c9e1b2d3c4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


SPDX_PACKAGES = [
    Package(
        "openssl",
        "3.0.11-1~deb12u2",
        "deb",
        "Apache-2.0",
        "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64",
        "Organization: Debian OpenSSL Team",
    ),
    Package("left-pad", "1.3.0", "npm", "WTFPL", "pkg:npm/left-pad@1.3.0",
            "Person: Cameron Westland"),
    Package("acme-api", "1.4.0", "application", "", "", ""),
]

CDX_PACKAGES = [
    Package("@angular/core", "17.3.0", "library", "MIT", "pkg:npm/%40angular/core@17.3.0",
            "Google LLC"),
    Package("tslib", "2.6.2", "library", "BSD Zero Clause", "pkg:npm/tslib@2.6.2", ""),
    Package("debian", "12.5", "operating-system", "GPL-2.0-or-later AND MIT", "", ""),
]


def test_spdx_23_package_table_and_header() -> None:
    got = decode_blob(fixture("sbom.spdx.json"), media_type=SPDX_TYPE)
    assert isinstance(got, Sbom)
    assert (got.format, got.spec_version, got.name, got.created) == (
        "SPDX", "SPDX-2.3", "acme-api-1.4.0", "2024-05-06T07:08:09Z")
    assert got.creators == ("Tool: syft-1.4.1", "Organization: Acme Corp")
    assert list(got.packages) == SPDX_PACKAGES
    assert got.problems == ()


def test_cyclonedx_15_components_nested_and_tools_in_the_15_form() -> None:
    got = decode_blob(fixture("bom.cdx.json"), media_type=CDX_TYPE)
    assert isinstance(got, Sbom)
    assert (got.format, got.spec_version, got.name, got.created) == (
        "CycloneDX", "1.5", "acme/api@1.4.0", "2024-05-06T07:08:09Z")
    assert got.creators == ("Tool: anchore syft 1.4.1",)
    assert list(got.packages) == CDX_PACKAGES


def test_cyclonedx_14_tools_list() -> None:
    doc = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.4",
        "metadata": {"tools": [{"vendor": "aquasecurity", "name": "trivy", "version": "0.50.1"}]},
        "components": [{"type": "library", "name": "zlib", "version": "1.3"}],
    }
    got = decode_blob(json.dumps(doc).encode(), media_type=CDX_TYPE)
    assert isinstance(got, Sbom)
    assert got.creators == ("Tool: aquasecurity trivy 0.50.1",)
    assert got.packages == (Package("zlib", "1.3", "library"),)


def test_a_dsse_envelope_is_decoded_into_its_statement() -> None:
    got = decode_blob(fixture("attestation.dsse.json"), media_type=DSSE_TYPE)
    assert isinstance(got, Attestation)
    assert got.envelope
    assert got.payload_type == "application/vnd.in-toto+json"
    assert [(s.keyid, s.sig) for s in got.signatures] == [
        ("SHA256:nbbbTjBYXkOv7Gn3MQUDHNNzSZqCRcvNnhvIU+qAbUE",
         "MEQCIBvSuxtZ0cNTmoeHsgtRXOeCq0B1N4h7OoRZjKkmuZ3jAiBELQfI")
    ]
    assert got.statement_type == "https://in-toto.io/Statement/v1"
    assert got.predicate_type == "https://slsa.dev/provenance/v1"
    assert [(s.name, s.digests) for s in got.subjects] == [
        ("registry.example.com/acme/api", (("sha256", SUBJECT),))
    ]
    assert got.predicate["runDetails"] == {"builder": {"id": "https://github.com/actions/runner"}}
    assert got.sbom is None


def test_a_bare_statement_with_an_spdx_predicate_has_its_package_table() -> None:
    statement = {
        "_type": "https://in-toto.io/Statement/v0.1",
        "predicateType": "https://spdx.dev/Document",
        "subject": [{"name": "pkg:docker/acme/api", "digest": {"sha256": SUBJECT}}],
        "predicate": json.loads(fixture("sbom.spdx.json")),
    }
    got = decode_blob(json.dumps(statement).encode(), media_type=INTOTO_TYPE)
    assert isinstance(got, Attestation)
    assert not got.envelope
    assert got.sbom is not None
    assert list(got.sbom.packages) == SPDX_PACKAGES


def test_a_cosign_payload_takes_its_signature_from_the_descriptor() -> None:
    annotations = {
        "dev.cosignproject.cosign/signature": "MEUCIQC0ffee==",
        "dev.sigstore.cosign/certificate": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END "
        "CERTIFICATE-----\n",
        "dev.sigstore.cosign/bundle": '{"SignedEntryTimestamp":"MEY=","Payload":{"logIndex":42}}',
    }
    got = decode_blob(fixture("simplesigning.json"), media_type=COSIGN_TYPE,
                      annotations=annotations)
    assert isinstance(got, Signature)
    assert got.docker_reference == "registry.example.com/acme/api"
    assert got.manifest_digest == f"sha256:{SUBJECT}"
    assert got.type == "cosign container image signature"
    assert got.optional == {"creator": "release-bot", "run": "4711"}
    assert got.signature == "MEUCIQC0ffee=="
    assert got.certificate.startswith("-----BEGIN CERTIFICATE-----")
    assert got.bundle == {"SignedEntryTimestamp": "MEY=", "Payload": {"logIndex": 42}}


def test_the_json_form_of_an_sbom() -> None:
    got = decode_blob(fixture("bom.cdx.json"))
    assert got.to_json()["packages"][1] == {
        "name": "tslib", "version": "2.6.2", "type": "library", "license": "BSD Zero Clause",
        "purl": "pkg:npm/tslib@2.6.2", "supplier": "",
    }


# --- problems: one line each, never an exception -------------------------------------


@pytest.mark.parametrize(
    ("data", "media_type", "problem"),
    [
        (b'{"spdxVersion": "SPDX-2.3", "packages": ', SPDX_TYPE, "not valid JSON"),
        (b"\xff\xfe{}", SPDX_TYPE, "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, SPDX_TYPE, "nested too deep"),
        (b'{"payloadType": "application/vnd.in-toto+json", "payload": "%%%not base64",'
         b' "signatures": []}', DSSE_TYPE, "not base64"),
        (b'{"payloadType": "text/plain", "payload": "aGk=", "signatures": []}', DSSE_TYPE,
         "not an in-toto statement"),
        (b'{"payloadType": "application/vnd.in-toto+json", "payload": "aGk=",'
         b' "signatures": []}', DSSE_TYPE, "the DSSE payload is not valid JSON"),
        (b'{"hello": "world"}', SPDX_TYPE, "not the sbom its media type says"),
        (b"SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\n", "text/spdx", "should be JSON"),
        (b'{"critical": "x"}', COSIGN_TYPE, "not the signature its media type says"),
    ],
)
def test_a_blob_that_is_not_what_it_claims_is_shown_raw_with_one_line(
    data: bytes, media_type: str, problem: str
) -> None:
    got = decode_blob(data, media_type=media_type)
    assert isinstance(got, Raw)
    assert got.problem is not None and problem in got.problem, got.problem
    assert "\n" not in got.problem


def test_fields_of_the_wrong_type_are_counted_not_fatal() -> None:
    doc = {
        "spdxVersion": "SPDX-2.3",
        "name": ["not", "a", "string"],
        "creationInfo": "yesterday",
        "packages": [{"name": 7, "versionInfo": {"x": 1}}, "a string", {"name": "ok"}],
    }
    got = decode_blob(json.dumps(doc).encode(), media_type=SPDX_TYPE)
    assert isinstance(got, Sbom)
    assert got.packages == (Package("7"), Package("ok"))
    assert got.name == ""
    assert set(got.problems) == {
        "document: name is not a string",
        "creationInfo is not an object",
        "package 1: name is not a string",
        "package 1: versionInfo is not a string",
        "a package is not an object",
    }


def test_deeply_nested_cyclonedx_components_decode_without_recursion() -> None:
    inner: dict[str, object] = {"type": "library", "name": "leaf"}
    for i in range(300):  # 600 levels of JSON: a recursive walk would be at risk
        inner = {"type": "library", "name": f"n{i}", "components": [inner]}
    doc = {"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [inner]}
    got = decode_blob(json.dumps(doc).encode())
    assert isinstance(got, Sbom)
    assert len(got.packages) == 301
    assert got.packages[-1].name == "leaf"


def test_json_over_the_cap_is_refused_in_one_line() -> None:
    head = b'{"spdxVersion": "SPDX-2.3", "packages": []}'
    got = decode_blob(head, media_type=SPDX_TYPE, size=MAX_JSON_BYTES + 1)
    assert isinstance(got, Raw)
    assert got.problem is not None and "64 MiB" in got.problem and "-o FILE" in got.problem


def test_a_hundred_thousand_packages_decode() -> None:
    packages = [
        {"name": f"pkg-{i}", "SPDXID": f"SPDXRef-{i}", "versionInfo": f"1.{i}",
         "externalRefs": [{"referenceType": "purl", "referenceLocator": f"pkg:pypi/p{i}@1"}]}
        for i in range(100_000)
    ]
    doc = {"spdxVersion": "SPDX-2.3", "name": "big", "packages": packages}
    got = decode_blob(json.dumps(doc).encode())
    assert isinstance(got, Sbom)
    assert len(got.packages) == 100_000
    assert got.packages[99_999] == Package("pkg-99999", "1.99999", "pypi", "",
                                           "pkg:pypi/p99999@1")


# --- raw -------------------------------------------------------------------------------


def test_hex_dump_matches_hexdump_c_layout() -> None:
    # Written out by hand as ``hexdump -C`` prints these 18 bytes.
    data = bytes(range(0x41, 0x41 + 16)) + b"\x00\xff"
    assert hex_dump(data) == (
        "00000000  41 42 43 44 45 46 47 48  49 4a 4b 4c 4d 4e 4f 50  |ABCDEFGHIJKLMNOP|\n"
        "00000010  00 ff                                             |..|"
    )


def test_binary_blobs_are_a_bounded_hex_dump_and_text_is_text() -> None:
    binary = decode_blob(b"\x00\x01" * 100_000, media_type="application/octet-stream")
    assert isinstance(binary, Raw) and binary.kind == "binary"
    assert binary.shown_bytes == 4096 and binary.size == 200_000 and binary.truncated
    text = decode_blob(b"hello\nworld\n", media_type="text/plain")
    assert isinstance(text, Raw) and (text.kind, text.preview) == ("text", "hello\nworld\n")
    assert not text.truncated


def test_a_layer_says_the_files_view_is_the_better_tool() -> None:
    got = decode_blob(b"\x1f\x8b\x08\x00" + bytes(100),
                      media_type="application/vnd.oci.image.layer.v1.tar+gzip")
    assert isinstance(got, Raw) and got.kind == "binary"
    assert got.note is not None and "files view (f)" in got.note


def test_package_table_cells_are_escaped_before_they_are_aligned() -> None:
    doc = {"spdxVersion": "SPDX-2.3", "name": "x",
           "packages": [{"name": "[bold red]evil\x1b]0;pwned\x07", "versionInfo": "1"},
                        {"name": "plain", "versionInfo": "2"}]}
    lines = list(decoded_lines(decode_blob(json.dumps(doc).encode())))
    assert lines[0] == "SPDX-2.3 SBOM: x"
    assert lines[-3].split() == ["NAME", "VERSION", "TYPE", "LICENSE", "PURL", "SUPPLIER"]
    # Counted by hand: the escaped name is 30 characters, so VERSION starts at 32.
    assert lines[-2] == "[bold red]evil\\x1b]0;pwned\\x07  1"
    assert lines[-1] == "plain" + " " * 27 + "2"
    assert lines[-3].index("VERSION") == 32


def test_dsse_payload_in_url_safe_base64() -> None:
    # Twelve "?" in a row hold an aligned "???", which base64 writes "Pz8/" ("Pz8_").
    statement = fixture("statement.intoto.json").replace(b"refs/heads/main", b"?" * 12)
    payload = base64.urlsafe_b64encode(statement).decode().rstrip("=")
    assert "-" in payload or "_" in payload  # (else this would test standard base64)
    envelope = {"payloadType": "application/vnd.in-toto+json", "signatures": [],
                "payload": payload}
    got = decode_blob(json.dumps(envelope).encode())
    assert isinstance(got, Attestation)
    assert got.predicate_type == "https://slsa.dev/provenance/v1"
