"""Manifest, config and challenge parsers: right answers, and only documented errors."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regview.registry import media_types as mt
from regview.registry.auth import parse_challenges
from regview.registry.errors import MalformedContent, RegistryError
from regview.registry.models import (
    Artifact,
    ImageIndex,
    ImageManifest,
    Platform,
    Schema1Manifest,
    parse_timestamp,
)
from regview.registry.parsers import parse_config, parse_manifest

D1 = "sha256:" + "1" * 64
D2 = "sha256:" + "2" * 64


def desc(media_type: str = mt.OCI_MANIFEST, digest: str = D1, size: int = 10, **extra: Any) -> Any:
    return {"mediaType": media_type, "digest": digest, "size": size, **extra}


def dumps(obj: Any) -> bytes:
    return json.dumps(obj).encode()


def test_index_with_platforms_and_attestations() -> None:
    raw = dumps(
        {
            "schemaVersion": 2,
            "mediaType": mt.OCI_INDEX,
            "manifests": [
                desc(platform={"os": "linux", "architecture": "arm64", "variant": "v8"}),
                desc(
                    digest=D2,
                    platform={"os": "unknown", "architecture": "unknown"},
                    annotations={
                        "vnd.docker.reference.type": "attestation-manifest",
                        "vnd.docker.reference.digest": D1,
                    },
                ),
            ],
        }
    )
    index = parse_manifest(raw)
    assert isinstance(index, ImageIndex)
    assert [str(d.platform) for d in index.images] == ["linux/arm64/v8"]
    assert [d.attests for d in index.attestations] == [D1]


def test_media_type_comes_from_the_body_then_the_header_then_the_shape() -> None:
    body = {"schemaVersion": 2, "config": desc(mt.OCI_CONFIG), "layers": []}
    assert parse_manifest(dumps(body)).media_type == mt.OCI_MANIFEST
    assert parse_manifest(dumps(body), mt.DOCKER_MANIFEST).media_type == mt.DOCKER_MANIFEST
    assert parse_manifest(dumps({"manifests": []})).media_type == mt.OCI_INDEX


def test_artifact_by_artifact_type_or_by_config_media_type() -> None:
    by_field = parse_manifest(
        dumps(
            {
                "mediaType": mt.OCI_MANIFEST,
                "artifactType": mt.SPDX_JSON,
                "config": desc(mt.OCI_EMPTY),
                "layers": [],
                "subject": desc(),
            }
        )
    )
    assert isinstance(by_field, Artifact) and by_field.kind == "sbom"
    assert by_field.subject is not None and by_field.subject.digest == D1
    by_config = parse_manifest(
        dumps(
            {
                "mediaType": mt.OCI_MANIFEST,
                "config": desc("application/vnd.cncf.helm.config.v1+json"),
                "layers": [],
            }
        )
    )
    assert isinstance(by_config, Artifact)
    assert by_config.artifact_type == "application/vnd.cncf.helm.config.v1+json"
    image = parse_manifest(
        dumps(
            {
                "mediaType": mt.OCI_MANIFEST,
                "config": desc(mt.OCI_CONFIG),
                "layers": [desc(mt.OCI_LAYER_GZIP, size=5), desc(mt.OCI_LAYER_GZIP, D2, 7)],
            }
        )
    )
    assert type(image) is ImageManifest and image.layers_size == 12


def test_schema1_is_read_only_but_readable() -> None:
    raw = dumps(
        {
            "schemaVersion": 1,
            "name": "old/app",
            "tag": "v1",
            "architecture": "amd64",
            "fsLayers": [{"blobSum": D1}, {"blobSum": D2}],
            "history": [{"v1Compatibility": "{}"}, {"v1Compatibility": "{}"}],
            "signatures": [{"header": {}, "signature": "x", "protected": "y"}],
        }
    )
    m = parse_manifest(raw)
    assert isinstance(m, Schema1Manifest)
    assert m.signed and m.fs_layers == (D1, D2) and m.media_type == mt.DOCKER_SCHEMA1_SIGNED


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "not valid JSON"),
        (b"[]", "must be a JSON object"),
        (dumps({"mediaType": mt.OCI_INDEX, "manifests": {}}), "manifests must be an array"),
        (
            dumps({"mediaType": mt.OCI_INDEX, "manifests": [desc(size="10")]}),
            "size must be an integer",
        ),
        (dumps({"mediaType": mt.OCI_INDEX, "manifests": [desc(size=-1)]}), "non-negative"),
        (dumps({"mediaType": mt.OCI_INDEX, "manifests": [desc(size=True)]}), "must be an integer"),
        (dumps({"mediaType": mt.OCI_INDEX, "manifests": [desc(digest="sha256:zzz")]}), "64 hex"),
        (dumps({"mediaType": mt.OCI_INDEX, "manifests": [desc(digest="MD5:abc")]}), "invalid"),
        (
            dumps({"mediaType": mt.OCI_INDEX, "manifests": [{"digest": D1, "size": 1}]}),
            "mediaType is missing",
        ),
        (dumps({"mediaType": mt.OCI_MANIFEST, "layers": []}), "config is missing"),
        (dumps({"mediaType": "application/x-whatever"}), "unsupported manifest media type"),
        (
            dumps({"mediaType": mt.OCI_INDEX, "manifests": [], "annotations": {"a": 1}}),
            "must be a string",
        ),
        (b"[" * 100_000, "nested too deeply"),
    ],
)
def test_malformed_manifests_name_the_problem(body: bytes, message: str) -> None:
    with pytest.raises(MalformedContent, match=message):
        parse_manifest(body)


def test_config_history_is_mapped_onto_layers() -> None:
    raw = dumps(
        {
            "architecture": "arm",
            "os": "linux",
            "variant": "v7",
            "created": "2024-05-01T12:00:00.123456789Z",
            "config": {
                "User": "app",
                "WorkingDir": "/srv",
                "Entrypoint": ["/bin/app"],
                "Cmd": None,
                "Env": ["A=1"],
                "ExposedPorts": {"80/tcp": {}},
                "Volumes": {"/data": {}},
                "Labels": {"k": "v"},
                "StopSignal": "SIGINT",
            },
            "history": [
                {"created_by": "ADD"},
                {"created_by": "ENV", "empty_layer": True},
                {"created_by": "RUN"},
            ],
        }
    )
    c = parse_config(raw)
    assert c.platform == Platform("linux", "arm", "v7")
    assert c.entrypoint == ("/bin/app",) and c.cmd is None
    assert (c.exposed_ports, c.volumes, dict(c.labels)) == (("80/tcp",), ("/data",), {"k": "v"})
    assert [(h.created_by, h.layer_index) for h in c.history] == [
        ("ADD", 0),
        ("ENV", None),
        ("RUN", 1),
    ]
    assert c.created_at is not None and c.created_at.microsecond == 123456


def test_config_with_wrong_types_is_a_clear_error() -> None:
    with pytest.raises(MalformedContent, match=r"config.config.Env\[1\] must be a string"):
        parse_config(dumps({"config": {"Env": ["A=1", 2]}}))
    with pytest.raises(MalformedContent, match="empty_layer must be true or false"):
        parse_config(dumps({"history": [{"empty_layer": "yes"}]}))


def test_timestamps() -> None:
    assert parse_timestamp("garbage") is None
    assert parse_timestamp(None) is None
    parsed = parse_timestamp("2024-01-02T03:04:05+02:00")
    assert parsed is not None and parsed.hour == 3


def test_platform_matching() -> None:
    assert Platform("linux", "arm64", "v8").matches(Platform("linux", "arm64"))
    assert Platform("linux", "arm64").matches(Platform("linux", "arm64", "v8"))
    assert not Platform("linux", "arm", "v6").matches(Platform("linux", "arm", "v7"))
    assert Platform.parse("linux/arm/v7") == Platform("linux", "arm", "v7")
    with pytest.raises(RegistryError):
        Platform.parse("linux")


# --- challenges --------------------------------------------------------------------------


def test_bearer_challenge_with_quoted_commas() -> None:
    [c] = parse_challenges(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",'
        'scope="repository:library/alpine:pull,push"'
    )
    assert c.scheme == "bearer"
    assert c.params == {
        "realm": "https://auth.docker.io/token",
        "service": "registry.docker.io",
        "scope": "repository:library/alpine:pull,push",
    }


def test_several_challenges_in_one_header() -> None:
    cs = parse_challenges(
        'Basic realm="a, b", Bearer realm="https://x/token", error="invalid_token"'
    )
    assert [(c.scheme, c.realm) for c in cs] == [("basic", "a, b"), ("bearer", "https://x/token")]
    assert cs[1].params["error"] == "invalid_token"


def test_escaped_quotes_and_token68() -> None:
    [c] = parse_challenges(r'Bearer realm="say \"hi\""')
    assert c.realm == 'say "hi"'
    [n] = parse_challenges("Negotiate YIIB5wYJKoZIhvcSAQICAQBuggHW==")
    assert n.params == {"token68": "YIIB5wYJKoZIhvcSAQICAQBuggHW=="}


@pytest.mark.parametrize("header", ["", ",,,", '"', "Bearer realm=", "=,=,", "Bearer ,,realm"])
def test_malformed_challenges_do_not_raise(header: str) -> None:
    parse_challenges(header)


# --- properties: nothing but documented errors escape ------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
manifest_keys = st.sampled_from(
    [
        "mediaType",
        "schemaVersion",
        "manifests",
        "config",
        "layers",
        "subject",
        "annotations",
        "artifactType",
        "digest",
        "size",
        "platform",
        "fsLayers",
        "history",
        "signatures",
    ]
)
manifest_like = st.recursive(
    json_values,
    lambda children: (
        st.dictionaries(manifest_keys, children, max_size=6) | st.lists(children, max_size=3)
    ),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(manifest_like, st.sampled_from([None, mt.OCI_INDEX, mt.OCI_MANIFEST, mt.DOCKER_SCHEMA1]))
def test_parse_manifest_raises_only_documented_errors(obj: Any, hint: str | None) -> None:
    with contextlib.suppress(RegistryError):
        parse_manifest(json.dumps(obj).encode(), hint)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_parse_manifest_on_arbitrary_bytes(data: bytes) -> None:
    with contextlib.suppress(RegistryError):
        parse_manifest(data)


config_keys = st.sampled_from(
    [
        "config",
        "history",
        "rootfs",
        "os",
        "architecture",
        "created",
        "Env",
        "Cmd",
        "Entrypoint",
        "Labels",
        "ExposedPorts",
        "Volumes",
        "User",
        "diff_ids",
        "empty_layer",
        "created_by",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    st.recursive(
        json_values,
        lambda c: st.dictionaries(config_keys, c, max_size=6) | st.lists(c, max_size=3),
        max_leaves=25,
    )
)
def test_parse_config_raises_only_documented_errors(obj: Any) -> None:
    with contextlib.suppress(RegistryError):
        parse_config(json.dumps(obj).encode())


@settings(max_examples=500, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list('Bearer Basic realm=service="scope,\\ \t=abc/:'))
        | st.characters(),
        max_size=80,
    )
)
def test_parse_challenges_never_raises(header: str) -> None:
    for c in parse_challenges(header):
        assert c.scheme == c.scheme.lower()
