"""``regview blob`` against the real registry: hand-written SBOMs, an attestation and
a cosign signature pushed as artifacts (tests.support.artifacts), read back byte for
byte, saved with ``-o``, decoded (compared with values written out by hand from the
fixtures); and a registry that serves other bytes than the digest (a fake: the real one
cannot be made to), refused with nothing left behind."""

from __future__ import annotations

import hashlib
import shlex
import sys
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.support import artifact_layout, artifacts
from tests.support.cli import Regview, base_env
from tests.support.quiet_handler import QuietHandler
from tests.support.registry import RegistryServer
from tests.support.serving import serving
from tests.support.terminal import Terminal

pytestmark = pytest.mark.integration

SUBJECT = "5a1f0c9e1b2d3c4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789"


@pytest.fixture(scope="module")
def published(
    registry: RegistryServer, tmp_path_factory: pytest.TempPathFactory
) -> artifacts.Published:
    return artifacts.publish(registry, tmp_path_factory.mktemp("artifacts"))


@pytest.mark.parametrize("name", ["spdx", "cyclonedx", "attestation", "signature"])
def test_blob_writes_the_exact_bytes_to_a_pipe(
    regview: Regview, published: artifacts.Published, name: str
) -> None:
    layer = published.layer(name)
    result = regview("blob", published.ref(layer.digest)).ok()
    assert result.stdout == layer.data


def test_blob_writes_a_layer_of_an_image_too(
    regview: Regview, published: artifacts.Published
) -> None:
    layer = published.subject.layers[0]
    assert regview("blob", published.ref(layer.digest)).ok().stdout == layer.data


def test_o_writes_the_file_and_refuses_to_overwrite_it(
    regview: Regview, published: artifacts.Published, tmp_path: Path
) -> None:
    layer = published.layer("spdx")
    out = tmp_path / "out" / "sbom.json"
    out.parent.mkdir()
    regview("blob", published.ref(layer.digest), "-o", str(out)).ok()
    assert hashlib.sha256(out.read_bytes()).hexdigest() == layer.digest.split(":")[1]
    assert sorted(p.name for p in out.parent.iterdir()) == ["sbom.json"]  # no temp file

    out.write_bytes(b"mine")
    refused = regview("blob", published.ref(layer.digest), "-o", str(out)).failed()
    assert refused.returncode == 2 and "exists: use --force" in refused.stderr
    assert out.read_bytes() == b"mine"
    regview("blob", published.ref(layer.digest), "-o", str(out), "--force").ok()
    assert out.read_bytes() == layer.data


def test_a_tag_is_not_a_digest(regview: Regview, published: artifacts.Published) -> None:
    result = regview("blob", published.registry.ref(artifacts.REPO, "latest")).failed()
    assert result.returncode == 2 and "blob needs a digest" in result.stderr


def test_an_unknown_blob_is_one_line(regview: Regview, published: artifacts.Published) -> None:
    missing = "sha256:" + "0" * 64
    result = regview("blob", published.ref(missing)).failed()
    assert result.returncode == 1 and "not found" in result.stderr


def test_spdx_decoded_as_json(regview: Regview, published: artifacts.Published) -> None:
    layer = published.layer("spdx")
    obj = regview("blob", published.ref(layer.digest), "--json").ok().json()
    assert obj["digest"] == layer.digest and obj["size"] == len(layer.data)
    assert obj["decoded"] == {
        "kind": "sbom",
        "format": "SPDX",
        "specVersion": "SPDX-2.3",
        "name": "acme-api-1.4.0",
        "creators": ["Tool: syft-1.4.1", "Organization: Acme Corp"],
        "created": "2024-05-06T07:08:09Z",
        "packages": [
            {
                "name": "openssl",
                "version": "3.0.11-1~deb12u2",
                "type": "deb",
                "license": "Apache-2.0",
                "purl": "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64",
                "supplier": "Organization: Debian OpenSSL Team",
            },
            {
                "name": "left-pad",
                "version": "1.3.0",
                "type": "npm",
                "license": "WTFPL",
                "purl": "pkg:npm/left-pad@1.3.0",
                "supplier": "Person: Cameron Westland",
            },
            {
                "name": "acme-api",
                "version": "1.4.0",
                "type": "application",
                "license": "",
                "purl": "",
                "supplier": "",
            },
        ],
        "problems": [],
    }


def test_cyclonedx_decoded_for_people(regview: Regview, published: artifacts.Published) -> None:
    layer = published.layer("cyclonedx")
    lines = regview("blob", published.ref(layer.digest), "--decode").ok().text.splitlines()
    assert lines[:4] == [
        "CycloneDX 1.5 SBOM: acme/api@1.4.0",
        "created: 2024-05-06T07:08:09Z",
        "creator: Tool: anchore syft 1.4.1",
        "3 packages",
    ]
    table = [line.split("  ") for line in lines[5:]]
    rows = [[cell.strip() for cell in row if cell.strip()] for row in table]
    assert rows == [
        ["NAME", "VERSION", "TYPE", "LICENSE", "PURL", "SUPPLIER"],
        ["@angular/core", "17.3.0", "library", "MIT", "pkg:npm/%40angular/core@17.3.0",
         "Google LLC"],
        ["tslib", "2.6.2", "library", "BSD Zero Clause", "pkg:npm/tslib@2.6.2"],
        ["debian", "12.5", "operating-system", "GPL-2.0-or-later AND MIT"],
    ]


def test_attestation_decoded_as_json(regview: Regview, published: artifacts.Published) -> None:
    layer = published.layer("attestation")
    decoded = regview("blob", published.ref(layer.digest), "--json").ok().json()["decoded"]
    assert decoded["kind"] == "attestation" and decoded["envelope"] is True
    assert decoded["payloadType"] == "application/vnd.in-toto+json"
    assert decoded["statementType"] == "https://in-toto.io/Statement/v1"
    assert decoded["predicateType"] == "https://slsa.dev/provenance/v1"
    assert decoded["subjects"] == [
        {"name": "registry.example.com/acme/api", "digest": {"sha256": SUBJECT}}
    ]
    assert decoded["signatures"] == [
        {
            "keyid": "SHA256:nbbbTjBYXkOv7Gn3MQUDHNNzSZqCRcvNnhvIU+qAbUE",
            "sig": "MEQCIBvSuxtZ0cNTmoeHsgtRXOeCq0B1N4h7OoRZjKkmuZ3jAiBELQfI",
        }
    ]
    assert decoded["predicate"]["buildDefinition"]["externalParameters"] == {
        "workflow": {"ref": "refs/heads/main", "path": ".github/workflows/release.yml"}
    }


def test_signature_payload_decoded(regview: Regview, published: artifacts.Published) -> None:
    layer = published.layer("signature")
    decoded = regview("blob", published.ref(layer.digest), "--json").ok().json()["decoded"]
    assert decoded["kind"] == "signature"
    assert decoded["dockerReference"] == "registry.example.com/acme/api"
    assert decoded["dockerManifestDigest"] == f"sha256:{SUBJECT}"
    assert decoded["type"] == "cosign container image signature"
    assert decoded["optional"] == {"creator": "release-bot", "run": "4711"}


def test_a_gzip_layer_decodes_to_a_bounded_hex_dump(
    regview: Regview, published: artifacts.Published
) -> None:
    layer = published.subject.layers[0]
    lines = regview("blob", published.ref(layer.digest), "--decode").ok().text.splitlines()
    assert lines[0] == f"binary data, {len(layer.data):,} bytes"
    first = layer.data[:16]
    # ``hexdump -C`` layout, computed here from the served bytes with bytes.hex.
    assert lines[2].startswith("00000000  " + first[:8].hex(" ") + "  " + first[8:].hex(" "))


# --- a registry that serves other bytes ------------------------------------------------


WRONG = b'{"spdxVersion": "SPDX-2.3", "name": "tampered", "packages": []}'
CLAIMED = "sha256:" + hashlib.sha256(b"the real document").hexdigest()


class _WrongBytes(QuietHandler):
    def do_GET(self) -> None:
        if self.path == "/v2/":
            self.send(200, b"{}")
        elif self.path.startswith("/v2/liar/app/blobs/"):
            self.send(200, WRONG, {"Content-Type": "application/octet-stream"})
        else:
            self.send(404, b'{"errors": [{"code": "NOT_FOUND", "message": "no"}]}')

    do_HEAD = do_GET


@pytest.fixture
def liar() -> Iterator[str]:
    with serving(ThreadingHTTPServer(("127.0.0.1", 0), _WrongBytes)) as host:
        yield host


def test_o_leaves_nothing_behind_when_the_bytes_do_not_match(
    regview: Regview, liar: str, tmp_path: Path
) -> None:
    out = tmp_path / "out" / "sbom.json"
    out.parent.mkdir()
    result = regview("blob", f"{liar}/liar/app@{CLAIMED}", "-o", str(out)).failed()
    assert result.returncode == 1 and "does not match its digest" in result.stderr
    assert list(out.parent.iterdir()) == []


def test_decode_refuses_bytes_that_do_not_match(regview: Regview, liar: str) -> None:
    result = regview("blob", f"{liar}/liar/app@{CLAIMED}", "--json").failed()
    assert "does not match its digest" in result.stderr
    assert result.stdout == b""


# --- on a terminal ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_layout(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root, subject, found = artifact_layout.build(tmp_path_factory.mktemp("blob-tty"))
    digests = {name: m.layers[0].digest for name, m in found.items()}
    digests["layer"] = subject.layers[0].digest
    return root / artifact_layout.REPO, digests


def _in_terminal(regview: Regview, *args: str) -> tuple[int, bytes, str]:
    argv = " ".join(shlex.quote(a) for a in (sys.executable, "-m", "regview", *args))
    with Terminal(argv, {**base_env(), **regview.env()}, columns=200, rows=30) as term:
        status = term.wait()
        return status, term.raw, term.text


def test_binary_is_refused_on_a_terminal_unless_forced(
    regview: Regview, hostile_layout: tuple[Path, dict[str, str]]
) -> None:
    path, digests = hostile_layout
    ref = f"oci:{path}@{digests['layer']}"
    status, _raw, text = _in_terminal(regview, "blob", ref)
    assert status == 2
    assert "refusing to write binary data to a terminal (redirect it, or use --force)" in text
    status, raw, _text = _in_terminal(regview, "blob", ref, "--force")
    assert status == 0 and b"\x1f\x8b\x08" in raw  # the gzip magic, as --force asked


def test_escapes_in_a_blob_do_not_reach_the_terminal(
    regview: Regview, hostile_layout: tuple[Path, dict[str, str]]
) -> None:
    path, digests = hostile_layout
    ref = f"oci:{path}@{digests['hostile']}"
    for extra in ((), ("--decode",)):
        status, raw, text = _in_terminal(regview, "blob", ref, *extra)
        assert status == 0, text
        # The SBOM holds ESC ] 0 ; ... BEL (set the window title) and ESC [ 2 J (clear).
        assert b"\x1b]0;pwned" not in raw and b"\x1b[2J" not in raw and b"\x07" not in raw
        assert "[bold red]not markup[/]" in text
