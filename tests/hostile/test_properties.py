"""Property tests for the parsers the unit suite does not fuzz yet.

Whatever a registry sends, only the documented errors may escape (or nothing at all,
for helpers documented never to raise); and ``textsafe.visible`` never lets a control
character through. The manifest, config, challenge and reference parsers are fuzzed in
``tests/unit/test_parsers.py`` and ``tests/unit/test_reference.py``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import math
import unicodedata
from pathlib import Path
from typing import Any

import httpx
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from regview.registry.auth import Authenticator
from regview.registry.cache import ContentCache
from regview.registry.credential import Credential
from regview.registry.digests import parse_digest
from regview.registry.errors import (
    InvalidReference,
    MalformedContent,
    RegistryError,
    describe_oci_errors,
)
from regview.registry.link_header import next_link as _next_link
from regview.registry.manifests import schema1_digest as _schema1_digest
from regview.registry.pagination import parse_page as _parse_page
from regview.registry.parsers import parse_descriptor
from regview.registry.responses import Response, error_for
from regview.registry.responses import rate_number as _rate_number
from regview.registry.responses import retry_after as _retry_after
from regview.textsafe import visible
from tests.hostile.content import DANGEROUS_CHARS

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(["sha256:" + "a" * 64, "sha256:zzz", "md5:00", "linux", "amd64"])
)
descriptor_keys = st.sampled_from(
    [
        "mediaType",
        "digest",
        "size",
        "platform",
        "annotations",
        "artifactType",
        "urls",
        "os",
        "architecture",
        "variant",
        "os.version",
        "os.features",
        "features",
    ]
)
json_like = st.recursive(
    json_scalars,
    lambda children: (
        st.dictionaries(descriptor_keys | st.text(max_size=5), children, max_size=6)
        | st.lists(children, max_size=3)
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(json_like)
@example({"mediaType": "x", "digest": "sha256:" + "a" * 64, "size": 2**64})
@example({"mediaType": "x", "digest": "sha256:" + "a" * 64, "size": 1, "platform": {"os": 1}})
def test_parse_descriptor_raises_only_malformed_content(obj: Any) -> None:
    try:
        d = parse_descriptor(obj)
    except MalformedContent:
        return
    assert parse_digest(d.digest) == d.digest
    assert isinstance(d.size, int) and d.size >= 0


@settings(max_examples=150, deadline=None)
@given(json_like, st.sampled_from(["repositories", "tags"]))
def test_parse_page_returns_strings_or_malformed_content(obj: Any, key: str) -> None:
    body = json.dumps(obj).encode()
    try:
        items = _parse_page(body, key, "listing")
    except MalformedContent:
        return
    assert all(isinstance(x, str) for x in items)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300))
def test_parse_page_on_arbitrary_bytes(body: bytes) -> None:
    with contextlib.suppress(MalformedContent):
        _parse_page(body, "tags", "tag list")


link_text = st.lists(
    st.sampled_from([*list('<>;,= "relnxt/?&a'), "rel", "next", "rel=next", '"next"']), max_size=30
).map("".join)


@settings(max_examples=150, deadline=None)
@given(st.lists(link_text | st.text(max_size=40), max_size=4))
@example(["<" * 8000])
@example(["<>;" * 2700])
@example(['<a>; rel="prev", <b>; rel="next"'])
def test_next_link_never_raises(values: list[str]) -> None:
    result = _next_link(values)
    assert result is None or isinstance(result, str)


@settings(max_examples=150, deadline=None)
@given(
    st.text(alphabet=st.characters(blacklist_characters="<>"), max_size=30),
    st.sampled_from(['rel="next"', "rel=next", 'rel="prev next"', 'REL="Next"', ' rel = "next" ']),
    st.sampled_from(["", '; title="x"', "; type=a"]),
)
def test_next_link_finds_the_next_target(target: str, rel: str, extra: str) -> None:
    header = f'<ignored>; rel="prev", <{target}>;{extra}; {rel}'
    assert _next_link([header]) == target.strip()


@settings(max_examples=150, deadline=None)
@given(json_like | st.builds(lambda e: {"errors": e}, json_like))
def test_describe_oci_errors_never_raises(body: Any) -> None:
    text, codes = describe_oci_errors(body)
    assert isinstance(text, str) and all(isinstance(c, str) for c in codes)
    assert len(codes) <= 5


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=100, max_value=599), st.binary(max_size=200), st.text(max_size=30))
def test_error_for_always_builds_a_one_line_registry_error(
    status: int, body: bytes, retry_after: str
) -> None:
    headers = httpx.Headers([(b"retry-after", retry_after.encode("utf-8", "surrogatepass"))])
    error = error_for(Response(status, headers, body, httpx.URL("http://r/"), 0.0), "manifest")
    assert isinstance(error, RegistryError)
    assert "\n" not in str(error) and "\x1b" not in str(error)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=40))
@example("1e999")
@example("nan")
@example("-5")
@example("Mon, 01 Jan 0001 00:00:00 GMT")
@example("Fri, 31 Dec 9999 23:59:59 GMT")
@example("Thu, 01 Jan 1970 00:00:00 +9999")
def test_retry_after_is_a_non_negative_number_or_none(value: str) -> None:
    seconds = _retry_after(value)
    assert seconds is None or (seconds >= 0 and not math.isnan(seconds))


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=40))
@example("9" * 5000)
def test_rate_limit_numbers_never_raise(value: str) -> None:
    _rate_number(value)


def _protected(header: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(header).encode()).decode().rstrip("=")


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=100),
        st.builds(
            lambda h, extra: json.dumps(
                {"signatures": [{"protected": _protected(h)}], **extra}
            ).encode(),
            st.fixed_dictionaries({"formatLength": json_scalars, "formatTail": json_scalars})
            | json_like,
            st.dictionaries(st.text(max_size=3), json_scalars, max_size=2),
        ),
    )
)
@example(
    json.dumps(
        {"signatures": [{"protected": _protected({"formatLength": 1e999, "formatTail": ""})}]}
    ).encode()
)
def test_schema1_digest_never_raises(raw: bytes) -> None:
    assert parse_digest(_schema1_digest(raw)).startswith("sha256:")


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=200) | st.builds(lambda o: json.dumps(o).encode(), json_like))
def test_a_corrupt_reference_cache_file_is_a_miss(data: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        cache = ContentCache(Path(tmp))
        cache.put_ref("tags:r/x", ["a"])
        [path] = Path(tmp).rglob("refs/*/*")
        path.write_bytes(data)
        entry = ContentCache(Path(tmp)).get_ref("tags:r/x")
        assert entry is None or isinstance(entry.fetched_at, float)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=50), st.none() | st.integers(min_value=0, max_value=40), st.booleans())
@example("\x1b]52;c;eA==\x07", None, False)
@example("\u202e\u2066\u200b\ufeff\x85\x9b", None, True)
@example("a\nb\rc\td", 3, True)
def test_visible_never_emits_control_characters(
    text: str, limit: int | None, keep_newlines: bool
) -> None:
    shown = visible(text, limit=limit, keep_newlines=keep_newlines)
    allowed = {"\n"} if keep_newlines else set()
    for ch in shown:
        assert ch not in DANGEROUS_CHARS - allowed, repr(shown)
        assert ch in allowed or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp")
    if limit is not None:
        assert len(shown) <= max(limit, 1)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(list(DANGEROUS_CHARS)))
def test_visible_escapes_every_dangerous_character(ch: str) -> None:
    shown = visible(f"a{ch}b")
    assert shown.startswith("a\\") and shown.endswith("b")


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=20))
def test_parse_digest_accepts_only_verifiable_digests(value: str) -> None:
    try:
        parse_digest(value)
    except InvalidReference:
        return
    algorithm, _, hex_part = value.partition(":")
    assert algorithm in ("sha256", "sha512") and all(c in "0123456789abcdef" for c in hex_part)


# --- the whole challenge path, not just the parser ---------------------------------------


# Header values are decoded from bytes (ASCII, UTF-8 or Latin-1): never a lone surrogate.
challenge_text = st.lists(
    st.sampled_from(
        [
            *'Bearer Basic realm=service="scope,\\ \t=abc/:',
            *["http://", "https://", "ftp://", "[::1", "%", "\x00", "é", "h/t", "127.0.0.1:1:2"],
        ]
    )
    | st.characters(exclude_categories=["Cs"]),
    max_size=40,
).map("".join)


def _token_server(request: httpx.Request) -> httpx.Response:
    if "token" in request.url.path or request.url.params.get("service") is not None:
        return httpx.Response(200, json={"token": "t", "expires_in": 60})
    return httpx.Response(200, json={"token": "t"})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(challenge_text, max_size=3), st.booleans())
@example(['Bearer realm="http://[::1"'], True)
@example(['Bearer realm="http://a/\x00"'], False)
@example(['Bearer realm="http://h/t",scope="a b\x00"'], True)
def test_any_challenge_gives_a_header_or_a_registry_error(values: list[str], creds: bool) -> None:
    credential = (
        Credential(username="u", password="p", identity_token=None, source="t") if creds else None
    )

    async def run() -> None:
        async def provide() -> Credential | None:
            return credential

        async with httpx.AsyncClient(transport=httpx.MockTransport(_token_server)) as http:
            auth = Authenticator("registry.test", provide, http, deadline=5)
            try:
                header = await auth.handle_challenge(values, "repository:a:pull")
            except RegistryError as exc:
                assert "\n" not in str(exc)
                return
            assert header.startswith(("Bearer ", "Basic "))

    asyncio.run(run())
