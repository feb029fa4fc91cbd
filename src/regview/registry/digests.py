"""Content digests: validation, computation and verification (sha256 and sha512).

The image-spec allows any algorithm that matches its grammar (``sha256+b64``,
``multihash+base58``, ...). :func:`parse_descriptor_digest` accepts them all, so a document
that uses one can still be shown; :func:`parse_digest` accepts only what regview can verify,
and is what guards every fetch of content by digest.
"""

from __future__ import annotations

import hashlib
import re

from regview.registry.errors import DigestMismatch, InvalidReference

_HEX_LENGTH = {"sha256": 64, "sha512": 128}
_DIGEST_RE = re.compile(r"^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$")
"""The image-spec's digest grammar (``algorithm:encoded``), as in its JSON schema."""
_LOWER_HEX_RE = re.compile(r"[0-9a-f]+")


def parse_digest(value: object) -> str:
    """Return ``value`` if it is a well-formed digest we can verify, else raise.

    Only ``sha256`` and ``sha512`` with lower-case hex of the right length are accepted:
    anything else could not be verified, and unverifiable content is never trusted.
    """
    if not isinstance(value, str):
        raise InvalidReference(f"digest must be a string, got {type(value).__name__}")
    value = parse_descriptor_digest(value)
    reason = unverifiable_reason(value, why=True)
    if reason is not None:
        raise InvalidReference(reason)
    return value


def parse_descriptor_digest(value: object) -> str:
    """Return ``value`` if it matches the image-spec's digest grammar, else raise.

    Any algorithm the grammar allows is accepted (see :func:`is_verifiable`); the
    registered ones, ``sha256`` and ``sha512``, must have lower-case hex of their length.
    """
    if not isinstance(value, str):
        raise InvalidReference(f"digest must be a string, got {type(value).__name__}")
    match = _DIGEST_RE.match(value)
    if match is None:
        raise InvalidReference(f"invalid digest {_clip(value)!r}: expected sha256:<64 hex>")
    algorithm, encoded = match.groups()
    expected_length = _HEX_LENGTH.get(algorithm)
    if expected_length is not None and (
        len(encoded) != expected_length or not _LOWER_HEX_RE.fullmatch(encoded)
    ):
        raise InvalidReference(
            f"invalid {algorithm} digest {_clip(value)!r}: expected {expected_length} hex digits"
        )
    return value


def is_verifiable(digest: str) -> bool:
    """True when regview can check content against ``digest`` (sha256 or sha512)."""
    return digest.partition(":")[0] in _HEX_LENGTH


def unverifiable_reason(digest: str, *, why: bool = False) -> str | None:
    """``"ALG: not verifiable by regview"`` for a digest it cannot check, else None;
    ``why`` adds why its content is not fetched."""
    if is_verifiable(digest):
        return None
    reason = f"{_clip(digest.partition(':')[0], 40)}: not verifiable by regview"
    if why:
        reason += (
            ": it checks only sha256 and sha512 digests, "
            "and content it cannot check is never fetched"
        )
    return reason


def is_digest(value: str) -> bool:
    """True when ``value`` is a well-formed digest (``algorithm:encoded``)."""
    try:
        parse_digest(value)
    except InvalidReference:
        return False
    return True


def compute_digest(data: bytes, algorithm: str = "sha256") -> str:
    """``algorithm:hex`` of ``data`` (sha256 unless told otherwise)."""
    return f"{algorithm}:{hashlib.new(algorithm, data).hexdigest()}"


def verify_digest(data: bytes, expected: str, *, what: str = "content") -> None:
    """Raise :class:`DigestMismatch` unless ``data`` hashes to ``expected``."""
    algorithm = parse_digest(expected).split(":", 1)[0]
    actual = compute_digest(data, algorithm)
    if actual != expected:
        raise DigestMismatch(
            f"{what} does not match its digest: expected {short_digest(expected)}, "
            f"got {short_digest(actual)}; the registry or a proxy served other bytes",
            expected=expected,
            actual=actual,
        )


def short_digest(digest: str, length: int = 12) -> str:
    """``sha256:0123456789ab`` style abbreviation."""
    algorithm, _, encoded = digest.partition(":")
    if not encoded:
        return _clip(digest, length)
    return f"{algorithm}:{encoded[:length]}"


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
