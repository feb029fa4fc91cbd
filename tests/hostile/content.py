"""What the hostile registry serves: hostile text, images, indexes, schema1, big bodies.

Everything here is plain data or a generator of bytes; :mod:`tests.hostile.server` puts it
on the wire. Big bodies are generated lazily, chunk by chunk, so a client that stops at
its cap costs the server (and the test) only what it read.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from collections.abc import Iterator
from typing import Any

from regview.registry import media_types as mt

MiB = 1024 * 1024

#: Hostile strings, by name. Every one of them must reach a terminal as inert text.
TEXT_ATTACKS: dict[str, str] = {
    "markup-bold": "[bold red]bold[/bold red]",
    "markup-click": "[@click=app.quit]x[/]",
    "markup-link": "[link=https://evil.example/]click me[/link]",
    "markup-unbalanced": "unbalanced[/][/bold]",
    "osc52-clipboard": "\x1b]52;c;cHduZWQ=\x07",
    "csi-clear": "\x1b[2J\x1b[3J\x1b[H",
    "osc-title": "\x1b]0;pwned\x1b\\",
    "c1-controls": "\x9b31m\x85\x9d0;title\x9c",
    "rtl-override": "\u202egnp.exe",
    "zero-width": "zero\u200bwidth\u2060joiner\ufeff",
    "wide": "日本語-🐳-한국어-👩‍👩‍👧",
    "long-10000": "L" * 10_000,
    # JSON may escape a lone surrogate ("\udcff"): it decodes, but cannot be encoded back.
    "lone-surrogate": "bad\udcffname",
}

#: Characters that must never reach a terminal unescaped.
DANGEROUS_CHARS = frozenset(
    [chr(c) for c in range(0x20) if chr(c) not in "\n"]
    + ["\x7f"]
    + [chr(c) for c in range(0x80, 0xA0)]
    + list(
        "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff"
    )
)

#: Repository names in the catalog that are themselves attacks (served like text/attack).
HOSTILE_REPO_NAMES: list[str] = [f"text/{name}/{value}" for name, value in TEXT_ATTACKS.items()]

#: Tags of text/attack: every attack, plus a plain one.
HOSTILE_TAGS: list[str] = ["latest", *TEXT_ATTACKS.values()]


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def fake_digest(label: str) -> str:
    """A well-formed digest of bytes nobody serves."""
    return digest_of(b"never served: " + label.encode())


def dumps(obj: Any) -> bytes:
    """Compact JSON in UTF-8; a lone surrogate is written as its JSON escape."""
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8", "backslashreplace")


def descriptor(media_type: str, data: bytes, **extra: Any) -> dict[str, Any]:
    return {"mediaType": media_type, "digest": digest_of(data), "size": len(data), **extra}


class Image:
    """A small OCI image: manifest, config and layers, all consistent."""

    def __init__(
        self,
        label: str,
        *,
        config: dict[str, Any] | None = None,
        annotations: dict[str, str] | None = None,
        layer_media_type: str = mt.OCI_LAYER_GZIP,
    ) -> None:
        self.layers = [f"layer {label} {i}".encode() for i in range(2)]
        cfg: dict[str, Any] = {
            "architecture": "amd64",
            "os": "linux",
            "created": "2024-01-01T00:00:00Z",
            "config": {"Env": [f"IMAGE={label}"], "Cmd": ["sh"]},
            "rootfs": {"type": "layers", "diff_ids": [digest_of(b) for b in self.layers]},
            "history": [{"created_by": f"step {i}"} for i in range(2)],
        }
        if config:
            cfg.update(config)
        self.config = dumps(cfg)
        manifest: dict[str, Any] = {
            "schemaVersion": 2,
            "mediaType": mt.OCI_MANIFEST,
            "config": descriptor(mt.OCI_CONFIG, self.config),
            "layers": [descriptor(layer_media_type, b) for b in self.layers],
        }
        if annotations:
            manifest["annotations"] = annotations
        self.manifest = dumps(manifest)
        self.digest = digest_of(self.manifest)

    def blobs(self) -> dict[str, bytes]:
        return {digest_of(b): b for b in (self.config, *self.layers)}


def hostile_image() -> Image:
    """An image whose every displayed string is an attack."""
    values = list(TEXT_ATTACKS.values())
    return Image(
        "hostile",
        config={
            "author": TEXT_ATTACKS["osc-title"],
            "config": {
                "User": TEXT_ATTACKS["markup-click"],
                "WorkingDir": TEXT_ATTACKS["rtl-override"],
                "Entrypoint": [TEXT_ATTACKS["csi-clear"]],
                "Cmd": values,
                "Env": [
                    f"{name.upper().replace('-', '_')}={v}" for name, v in TEXT_ATTACKS.items()
                ],
                "Labels": {**TEXT_ATTACKS, TEXT_ATTACKS["osc52-clipboard"]: "key is hostile"},
                "ExposedPorts": {f"{TEXT_ATTACKS['markup-link']}/tcp": {}},
                "StopSignal": TEXT_ATTACKS["c1-controls"],
            },
            "history": [
                {"created_by": v, "comment": v, "author": v, "empty_layer": True} for v in values
            ]
            + [{"created_by": "real layer 0"}, {"created_by": "real layer 1"}],
        },
        annotations={**TEXT_ATTACKS, "org.opencontainers.image.title": TEXT_ATTACKS["wide"]},
    )


def index_of(*children: tuple[bytes, dict[str, Any] | None], annotations: Any = None) -> bytes:
    body: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": mt.OCI_INDEX,
        "manifests": [
            descriptor(mt.OCI_INDEX if b'"manifests"' in raw else mt.OCI_MANIFEST, raw)
            | ({"platform": p} if p else {})
            for raw, p in children
        ],
    }
    if annotations:
        body["annotations"] = annotations
    return dumps(body)


AMD64 = {"os": "linux", "architecture": "amd64"}


def index_listing(digests: list[str], media_type: str = mt.OCI_INDEX) -> bytes:
    """An index whose entries are the given digests (sizes are made up)."""
    return dumps(
        {
            "schemaVersion": 2,
            "mediaType": mt.OCI_INDEX,
            "manifests": [
                {"mediaType": media_type, "digest": d, "size": 1000, "platform": AMD64}
                for d in digests
            ],
        }
    )


def nested_indexes(depth: int, leaf: bytes) -> list[bytes]:
    """``depth`` indexes, each holding the next; the last one holds ``leaf``."""
    chain = [leaf]
    for _ in range(depth):
        chain.append(index_of((chain[-1], AMD64)))
    return chain[::-1]  # outermost first


def fanout_indexes(levels: int, width: int, leaf: bytes) -> list[bytes]:
    """A "billion laughs" DAG: each index lists the next one ``width`` times."""
    chain = [leaf]
    for _ in range(levels):
        chain.append(index_of(*[(chain[-1], AMD64)] * width))
    return chain[::-1]


def manifest_with_layers(count: int) -> bytes:
    config = dumps({"architecture": "amd64", "os": "linux"})
    layers = [
        {
            "mediaType": mt.OCI_LAYER_GZIP,
            "digest": "sha256:" + hashlib.sha256(str(i).encode()).hexdigest(),
            "size": i,
        }
        for i in range(count)
    ]
    return dumps(
        {
            "schemaVersion": 2,
            "mediaType": mt.OCI_MANIFEST,
            "config": descriptor(mt.OCI_CONFIG, config),
            "layers": layers,
        }
    )


def bad_manifest(**config_override: Any) -> bytes:
    """An OCI manifest whose config descriptor has the given (wrong) fields."""
    config = {"mediaType": mt.OCI_CONFIG, "digest": fake_digest("cfg"), "size": 10}
    config.update(config_override)
    return dumps({"schemaVersion": 2, "mediaType": mt.OCI_MANIFEST, "config": config, "layers": []})


# --- big bodies, lazily --------------------------------------------------------------------


def padded_manifest(total: int, chunk: int = MiB) -> Iterator[bytes]:
    """A valid OCI manifest of exactly ``total`` bytes (padding in an annotation)."""
    head = (
        b'{"schemaVersion":2,"mediaType":"'
        + mt.OCI_MANIFEST.encode()
        + b'","config":'
        + dumps({"mediaType": mt.OCI_CONFIG, "digest": fake_digest("c"), "size": 2})
        + b',"layers":[],"annotations":{"pad":"'
    )
    tail = b'"}}'
    pad = total - len(head) - len(tail)
    yield head
    block = b"x" * chunk
    while pad > 0:
        n = min(pad, chunk)
        yield block[:n]
        pad -= n
    yield tail


def zeros(total: int, chunk: int = MiB) -> Iterator[bytes]:
    block = bytes(chunk)
    while total > 0:
        n = min(total, chunk)
        yield block[:n]
        total -= n


def many_tags(count: int) -> Iterator[bytes]:
    """``{"name": ..., "tags": [...]}`` with ``count`` tags, in ~1 MiB chunks."""
    yield b'{"name":"big/tags-1m","tags":['
    batch: list[str] = []
    for i in range(count):
        batch.append(f'"tag-{i:07d}"')
        if len(batch) == 65536:
            yield ",".join(batch).encode() + (b"," if i + 1 < count else b"")
            batch = []
    if batch:
        yield ",".join(batch).encode()
    yield b"]}"


def gzip_bomb(inflated: int) -> Iterator[bytes]:
    """A gzip stream of a JSON document inflating to ``inflated`` bytes (~1000:1)."""
    co = zlib.compressobj(9, zlib.DEFLATED, 31)
    yield co.compress(b'{"schemaVersion":2,"annotations":{"pad":"')
    for block in padded_spaces(inflated):
        out = co.compress(block)
        if out:
            yield out
    yield co.compress(b'"}}') + co.flush()


def padded_spaces(total: int, chunk: int = MiB) -> Iterator[bytes]:
    block = b" " * chunk
    while total > 0:
        n = min(total, chunk)
        yield block[:n]
        total -= n


# --- a real signed schema1 manifest ------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def signed_schema1(name: str, tag: str) -> tuple[bytes, str]:
    """A schema1 manifest signed as libtrust does; returns (signed bytes, payload digest).

    The payload is the pretty-printed manifest; the signed form inserts ``"signatures"``
    before its closing brace. ``formatLength`` is where the payload is cut and
    ``formatTail`` what follows (``"\\n}"``): the digest is that of the payload alone.
    """
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    layer = b"schema1 layer"
    payload_obj = {
        "schemaVersion": 1,
        "name": name,
        "tag": tag,
        "architecture": "amd64",
        "fsLayers": [{"blobSum": digest_of(layer)}],
        "history": [
            {"v1Compatibility": json.dumps({"id": "a" * 64, "created": "2016-01-01T00:00:00Z"})}
        ],
    }
    payload = json.dumps(payload_obj, indent=3).encode()
    close = len(payload.rstrip()) - 1
    assert payload[close : close + 1] == b"}"
    format_length = len(payload[:close].rstrip())
    tail = payload[format_length:]
    protected = _b64url(
        json.dumps(
            {
                "formatLength": format_length,
                "formatTail": _b64url(tail),
                "time": "2016-01-01T00:00:00Z",
            }
        ).encode()
    )
    key = ec.generate_private_key(ec.SECP256R1())
    signing_input = f"{protected}.{_b64url(payload)}".encode()
    r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
    numbers = key.public_key().public_numbers()
    jwk = {
        "crv": "P-256",
        "kty": "EC",
        "x": _b64url(numbers.x.to_bytes(32, "big")),
        "y": _b64url(numbers.y.to_bytes(32, "big")),
    }
    signatures = [
        {
            "header": {"jwk": jwk, "alg": "ES256"},
            "signature": _b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big")),
            "protected": protected,
        }
    ]
    encoded = json.dumps(signatures, indent=3).replace("\n", "\n   ").encode()
    signed = payload[:format_length] + b',\n   "signatures": ' + encoded + tail
    return signed, digest_of(payload)
