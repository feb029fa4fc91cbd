"""Image references: parsing, normalisation and formatting."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from regview.registry.errors import InvalidReference
from regview.registry.reference import (
    Reference,
    Target,
    is_loopback,
    normalize_registry,
    parse_reference,
    parse_repository,
    parse_target,
    split_host_port,
    validate_repository,
    validate_tag,
)

D256 = "sha256:" + "0123456789abcdef" * 4
D256B = "sha256:" + "f" * 64
D512 = "sha512:" + "ab" * 64


# --------------------------------------------------------------------------- valid


@pytest.mark.parametrize(
    ("text", "registry", "repository", "tag", "digest"),
    [
        # Docker Hub normalisation
        ("alpine", "docker.io", "library/alpine", "latest", None),
        ("alpine:3.19", "docker.io", "library/alpine", "3.19", None),
        ("user/app", "docker.io", "user/app", "latest", None),
        ("user/app:1", "docker.io", "user/app", "1", None),
        ("docker.io/alpine", "docker.io", "library/alpine", "latest", None),
        ("docker.io/library/alpine", "docker.io", "library/alpine", "latest", None),
        ("index.docker.io/alpine", "docker.io", "library/alpine", "latest", None),
        ("registry-1.docker.io/library/alpine:edge", "docker.io", "library/alpine", "edge", None),
        ("DOCKER.IO/user/app", "docker.io", "user/app", "latest", None),
        ("library/library", "docker.io", "library/library", "latest", None),
        ("a/b/c/d", "docker.io", "a/b/c/d", "latest", None),
        # the first component is a host iff it has '.' or ':' or is localhost
        ("ghcr.io/org/app:v1", "ghcr.io", "org/app", "v1", None),
        ("quay.io/a", "quay.io", "a", "latest", None),
        ("localhost/foo", "localhost", "foo", "latest", None),
        ("LOCALHOST/foo", "localhost", "foo", "latest", None),
        ("localhost:5000/foo/bar:tag", "localhost:5000", "foo/bar", "tag", None),
        ("localhost:5000/foo", "localhost:5000", "foo", "latest", None),
        ("127.0.0.1:5000/repo", "127.0.0.1:5000", "repo", "latest", None),
        ("Example.COM:0443/x", "example.com:443", "x", "latest", None),
        ("xn--n3h.com/x", "xn--n3h.com", "x", "latest", None),
        ("a-b.c-d.io/x", "a-b.c-d.io", "x", "latest", None),
        ("0101.com/x", "0101.com", "x", "latest", None),
        # IPv6 literals
        ("[::1]/repo", "[::1]", "repo", "latest", None),
        ("[::1]:5000/repo", "[::1]:5000", "repo", "latest", None),
        ("[2001:db8::1]:5000/repo@" + D256, "[2001:db8::1]:5000", "repo", None, D256),
        ("[2001:DB8::1]/repo:tag", "[2001:db8::1]", "repo", "tag", None),
        ("[2001:db8:1:2:3:4:5:6]/repo:tag", "[2001:db8:1:2:3:4:5:6]", "repo", "tag", None),
        ("[::]/repo", "[::]", "repo", "latest", None),
        # tags and digests
        ("alpine@" + D256, "docker.io", "library/alpine", None, D256),
        ("alpine:3@" + D256, "docker.io", "library/alpine", "3", D256),
        ("ghcr.io/a/b@" + D512, "ghcr.io", "a/b", None, D512),
        ("foo:_under", "docker.io", "library/foo", "_under", None),
        ("foo:A.b-C_9", "docker.io", "library/foo", "A.b-C_9", None),
        ("foo:" + "t" * 128, "docker.io", "library/foo", "t" * 128, None),
        # separators in path components
        ("a.b/c_d/e__f/g-h/i--j/k---l", "a.b", "c_d/e__f/g-h/i--j/k---l", "latest", None),
        ("foo/foo_bar.com:8080", "docker.io", "foo/foo_bar.com", "8080", None),
        # docker reads a bare host:port as name:tag
        ("localhost:5000", "docker.io", "library/localhost", "5000", None),
        ("ghcr.io", "docker.io", "library/ghcr.io", "latest", None),
        # names at the length limit (registry/repository <= 255)
        ("ghcr.io/" + "a" * 247, "ghcr.io", "a" * 247, "latest", None),
        (
            "a/" * 122 + "a:tag-puts-this-over-max",
            "docker.io",
            "a/" * 122 + "a",
            "tag-puts-this-over-max",
            None,
        ),
    ],
)
def test_parse_valid(
    text: str, registry: str, repository: str, tag: str | None, digest: str | None
) -> None:
    ref = parse_reference(text)
    assert ref == Reference(registry, repository, tag, digest)
    assert parse_reference(str(ref)) == ref
    assert parse_reference(ref.familiar()) == ref


@pytest.mark.parametrize(
    ("text", "default_tag", "tag"),
    [
        ("alpine", None, None),
        ("alpine", "stable", "stable"),
        ("alpine:1", "stable", "1"),
        ("alpine@" + D256, "stable", None),
    ],
)
def test_default_tag(text: str, default_tag: str | None, tag: str | None) -> None:
    assert parse_reference(text, default_tag=default_tag).tag == tag


def test_default_tag_none_round_trips() -> None:
    ref = parse_reference("ghcr.io/a/b", default_tag=None)
    assert (ref.tag, ref.digest) == (None, None)
    assert str(ref) == "ghcr.io/a/b"
    assert parse_reference(str(ref), default_tag=None) == ref
    assert ref.reference == "latest"


def test_invalid_default_tag_is_rejected() -> None:
    with pytest.raises(InvalidReference):
        parse_reference("alpine", default_tag="-bad")


# --------------------------------------------------------------------------- invalid


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        (":", "empty"),
        (":tag", "empty"),
        ("@" + D256, "empty"),
        ("/", "empty path component"),
        ("a//b", "empty path component"),
        ("a/", "empty path component"),
        ("/a", "empty path component"),
        ("ghcr.io/", "empty"),
        ("ghcr.io//a", "empty path component"),
        ("-leading", "path component"),
        ("trailing-", "path component"),
        ("a/-b", "path component"),
        ("a/b_", "path component"),
        ("a/.b", "path component"),
        ("a___b", "path component"),
        ("a..b", "path component"),
        ("a._b", "path component"),
        ("foo bar", "path component"),
        ("ümlaut", "path component"),
        ("Uppercase", "repository name must be lowercase"),
        ("user/App", "repository name must be lowercase"),
        ("ghcr.io/Org/app:v1", "repository name must be lowercase"),
        ("Foo/bar", "repository name must be lowercase"),
        ("My_App!", "repository name must be lowercase"),
        ("a" * 256, "characters long"),
        ("ghcr.io/" + "a" * 248, "characters long"),
        ("a/" * 127 + "a:tag", "characters long"),
        ("a/" * 128 + "a:tag", "characters long"),
        ("alpine:", "tag is empty"),
        ("alpine:-x", "invalid tag"),
        ("alpine:.x", "invalid tag"),
        ("alpine:a b", "invalid tag"),
        ("alpine:a+b", "invalid tag"),
        ("alpine:" + "t" * 129, "128"),
        ("alpine@", "digest after '@' is empty"),
        ("alpine@sha256:abc", "invalid sha256 digest"),
        ("alpine@sha256:" + "A" * 64, "invalid sha256 digest"),
        ("alpine@md5:" + "a" * 32, "md5: not verifiable by regview"),
        ("alpine@" + D256 + "@" + D256, "digest"),
        ("alpine:tag@", "digest after '@' is empty"),
        ("0123456789abcdef" * 4, "64-character hex"),
        ("https://ghcr.io/a/b", "URL scheme"),
        ("ghcr.io:/a", "port"),
        ("ghcr.io:http/a", "port"),
        ("ghcr.io:65536/a", "65536"),
        ("ghcr.io:0/a", "port 0"),
        ("-ghcr.io/a", "invalid registry host"),
        ("ghcr-.io/a", "invalid registry host"),
        ("gh_cr.io/a", "invalid registry host"),
        ("foo_bar.com/x", "invalid registry host"),
        ("a..io/a", "invalid registry host"),
        (".io/a", "invalid registry host"),
        ("[::1/repo", "unclosed"),
        ("[]/repo", "empty"),
        ("[::1]5000/repo", "':PORT'"),
        ("[::1]::5000/repo", "port"),
        ("[fe80::1%eth0]:5000/repo", "zone"),
        ("[fd00:1:2::3]%eth0:75050/repo", "invalid"),
        ("[not-ipv6]/repo", "not an IPv6 address"),
        ("[1:2:3:4:5:6:7:8:9]/repo", "not an IPv6 address"),
        ("[::1]:5000", "is a registry, not an image"),
        ("[::1]", "is a registry, not an image"),
        ("::1/repo", "IPv6"),
        ("2001:db8::1/repo", "IPv6"),
        ("\x00", "invalid reference"),
        ("alpine\n", "path component"),
        ("alpine:latest\n", "invalid tag"),
        ("\u202egnp.exe", "invalid reference"),
    ],
)
def test_parse_invalid(text: str, fragment: str) -> None:
    with pytest.raises(InvalidReference) as info:
        parse_reference(text)
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message
    assert len(message) < 600


@pytest.mark.parametrize(
    "text",
    ["x" * 10_000, "\x00\n\r\x1b[31m" * 2_000, "a/" * 5_000, "[" * 10_000, "a:" * 5_000],
)
def test_hostile_input_gives_short_one_line_message(text: str) -> None:
    with pytest.raises(InvalidReference) as info:
        parse_reference(text)
    message = str(info.value)
    assert "\n" not in message and "\r" not in message and "\x1b" not in message
    assert len(message) < 300


def test_message_quotes_input_with_repr() -> None:
    with pytest.raises(InvalidReference) as info:
        parse_reference("bad\x1b[2Jname")
    assert repr("bad\x1b[2Jname") in str(info.value)


def test_non_string_input() -> None:
    with pytest.raises(InvalidReference):
        parse_reference(None)  # type: ignore[arg-type]
    with pytest.raises(InvalidReference):
        parse_reference(b"alpine")  # type: ignore[arg-type]


def test_invalid_reference_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_reference("A")


# --------------------------------------------------------------------------- Reference


def test_reference_accessors() -> None:
    hub = parse_reference("alpine")
    assert hub.api_host == "registry-1.docker.io"
    assert hub.reference == "latest"
    assert str(hub) == "docker.io/library/alpine:latest"
    assert hub.repository_ref == "docker.io/library/alpine"
    assert hub.tagged() == "docker.io/library/alpine:latest"
    assert hub.familiar() == "alpine:latest"
    assert hub.pinned(D256) == f"docker.io/library/alpine@{D256}"

    local = parse_reference(f"localhost:5000/foo/bar:tag@{D256}")
    assert local.api_host == "localhost:5000"
    assert local.reference == D256
    assert str(local) == f"localhost:5000/foo/bar:tag@{D256}"
    assert local.pinned() == f"localhost:5000/foo/bar@{D256}"
    assert local.pinned(D256B) == f"localhost:5000/foo/bar@{D256B}"
    assert local.tagged() == "localhost:5000/foo/bar:tag"
    assert local.familiar() == f"localhost:5000/foo/bar:tag@{D256}"

    pinned = parse_reference(f"user/app@{D256}")
    assert str(pinned) == f"docker.io/user/app@{D256}"
    assert pinned.familiar() == f"user/app@{D256}"
    with pytest.raises(InvalidReference, match="no tag"):
        pinned.tagged()


@pytest.mark.parametrize(
    ("text", "familiar"),
    [
        ("alpine", "alpine:latest"),
        ("library/alpine:3", "alpine:3"),
        ("user/app:1", "user/app:1"),
        ("library/a/b", "library/a/b:latest"),
        ("ghcr.io/x/y", "ghcr.io/x/y:latest"),
        ("index.docker.io/user/app", "user/app:latest"),
        ("[::1]:5000/r:t", "[::1]:5000/r:t"),
        ("docker.io/my.org/app", "docker.io/my.org/app:latest"),
        ("docker.io/library/my.app", "my.app:latest"),
        ("docker.io/localhost/app", "docker.io/localhost/app:latest"),
    ],
)
def test_familiar(text: str, familiar: str) -> None:
    assert parse_reference(text).familiar() == familiar


def test_with_tag_and_with_digest() -> None:
    ref = parse_reference(f"ghcr.io/a/b:1@{D256}")
    moved = ref.with_tag("2")
    assert (moved.tag, moved.digest) == ("2", None)  # the old digest named other content
    pinned = moved.with_digest(D256B)
    assert (pinned.tag, pinned.digest) == ("2", D256B)
    assert str(pinned) == f"ghcr.io/a/b:2@{D256B}"
    with pytest.raises(InvalidReference):
        ref.with_tag("bad tag")
    with pytest.raises(InvalidReference):
        ref.with_digest("sha256:nothex")


def test_pinned_without_digest_raises() -> None:
    with pytest.raises(InvalidReference, match="no digest"):
        parse_reference("alpine").pinned()
    with pytest.raises(InvalidReference):
        parse_reference("alpine").pinned("sha256:short")


def test_reference_is_frozen_and_hashable() -> None:
    ref = parse_reference("alpine")
    with pytest.raises(AttributeError):
        ref.tag = "x"  # type: ignore[misc]
    assert {ref, parse_reference("docker.io/library/alpine:latest")} == {ref}


@pytest.mark.parametrize(
    "args",
    [
        ("index.docker.io", "library/alpine", "latest", None),  # not canonical
        ("GHCR.IO", "a", None, None),
        ("docker.io", "alpine", "latest", None),  # Hub names need a namespace
        ("ghcr.io", "A", None, None),
        ("ghcr.io", "a", "-x", None),
        ("ghcr.io", "a", None, "sha256:x"),
        ("ghcr.io", "a" * 250, None, None),
        ("not a host", "a", None, None),
    ],
)
def test_reference_constructor_validates(args: tuple[str, str, str | None, str | None]) -> None:
    with pytest.raises(InvalidReference):
        Reference(*args)


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("alpine", ("docker.io", "library/alpine")),
        ("user/app", ("docker.io", "user/app")),
        ("ghcr.io/org/app", ("ghcr.io", "org/app")),
        ("[::1]:5000/a/b", ("[::1]:5000", "a/b")),
        ("localhost:5000/foo", ("localhost:5000", "foo")),
    ],
)
def test_parse_repository(text: str, expected: tuple[str, str]) -> None:
    assert parse_repository(text) == expected


@pytest.mark.parametrize(
    "text",
    ["alpine:3", f"alpine@{D256}", "ghcr.io/a:b", "", "A", "a//b", "localhost:5000"],
)
def test_parse_repository_rejects(text: str) -> None:
    with pytest.raises(InvalidReference):
        parse_repository(text)


@pytest.mark.parametrize(
    ("host", "canonical"),
    [
        ("docker.io", "docker.io"),
        ("index.docker.io", "docker.io"),
        ("registry-1.docker.io", "docker.io"),
        ("Index.Docker.IO", "docker.io"),
        ("docker.io:443", "docker.io:443"),
        ("GHCR.io", "ghcr.io"),
        ("localhost", "localhost"),
        ("localhost:05000", "localhost:5000"),
        ("127.0.0.1:5000", "127.0.0.1:5000"),
        ("192.168.1.1:65535", "192.168.1.1:65535"),
        ("[::1]", "[::1]"),
        ("[::1]:5000", "[::1]:5000"),
        ("[2001:DB8:0:0:8:800:200C:417A]", "[2001:db8:0:0:8:800:200c:417a]"),
        ("[::ffff:127.0.0.1]:1", "[::ffff:127.0.0.1]:1"),
        ("a", "a"),
    ],
)
def test_normalize_registry(host: str, canonical: str) -> None:
    assert normalize_registry(host) == canonical


@pytest.mark.parametrize(
    "host",
    [
        "",
        ":5000",
        "host:",
        "host:abc",
        "host:99999",
        "host:¹²",
        "a b",
        "-a.com",
        "a-.com",
        "ab.-com",
        "ab.com-",
        "a_b.com",
        "a.com/",
        "::1",
        "[::1",
        "[::1]x",
        "[]",
        "[fe80::1%eth0]",
        "[g::1]",
        "a" * 64 + ".com",
        "https://ghcr.io",
    ],
)
def test_normalize_registry_rejects(host: str) -> None:
    with pytest.raises(InvalidReference):
        normalize_registry(host)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("ghcr.io", ("ghcr.io", None)),
        ("ghcr.io:443", ("ghcr.io", 443)),
        ("[::1]", ("::1", None)),
        ("[::1]:5000", ("::1", 5000)),
        ("localhost:5000", ("localhost", 5000)),
    ],
)
def test_split_host_port(host: str, expected: tuple[str, int | None]) -> None:
    assert split_host_port(host) == expected


@pytest.mark.parametrize("host", ["", "::1", "a:b:c", "[::1", "[::1]:x", "host:0", ":80"])
def test_split_host_port_rejects(host: str) -> None:
    with pytest.raises(InvalidReference):
        split_host_port(host)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("localhost", True),
        ("LOCALHOST", True),
        ("localhost:5000", True),
        ("localhost.", True),
        ("127.0.0.1", True),
        ("127.0.0.1:5000", True),
        ("127.255.10.3:80", True),
        ("::1", True),
        ("[::1]", True),
        ("[::1]:5000", True),
        ("[0:0:0:0:0:0:0:1]:5000", True),
        ("::ffff:127.0.0.1", True),
        ("[::ffff:127.0.0.2]:80", True),
        ("128.0.0.1", False),
        ("10.0.0.1:5000", False),
        ("0.0.0.0", False),
        ("[::2]:5000", False),
        ("ghcr.io", False),
        ("localhost.example.com", False),
        ("mylocalhost", False),
        ("127.0.0.1.nip.io", False),
        ("", False),
        ("[", False),
        ("::zz", False),
        ("localhost:notaport", False),
    ],
)
def test_is_loopback(host: str, expected: bool) -> None:
    assert is_loopback(host) is expected


def test_is_loopback_never_raises_on_non_strings() -> None:
    assert is_loopback(None) is False  # type: ignore[arg-type]


@pytest.mark.parametrize("tag", ["latest", "v1.2.3", "_x", "A-b_c.d", "1", "t" * 128])
def test_validate_tag(tag: str) -> None:
    assert validate_tag(tag) == tag


@pytest.mark.parametrize("tag", ["", ".x", "-x", "a:b", "a/b", "a b", "t" * 129, "é", "a\n"])
def test_validate_tag_rejects(tag: str) -> None:
    with pytest.raises(InvalidReference):
        validate_tag(tag)


@pytest.mark.parametrize("name", ["a", "library/alpine", "a.b/c-d/e__f", "a" * 255, "0/1"])
def test_validate_repository(name: str) -> None:
    assert validate_repository(name) == name


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("", "empty"),
        ("A", "must be lowercase"),
        ("a" * 256, "characters long"),
        ("a/", "empty path component"),
        ("a:b", "path component"),
        ("ghcr.io:5000/a", "path component"),
    ],
)
def test_validate_repository_rejects(name: str, fragment: str) -> None:
    with pytest.raises(InvalidReference, match=fragment):
        validate_repository(name)


# --------------------------------------------------------------------------- Target


@pytest.mark.parametrize(
    ("text", "target", "kind"),
    [
        ("ghcr.io", Target("ghcr.io"), "registry"),
        ("docker.io", Target("docker.io"), "registry"),
        ("index.docker.io", Target("docker.io"), "registry"),
        ("localhost", Target("localhost"), "registry"),
        ("localhost:5000", Target("localhost:5000"), "registry"),
        ("127.0.0.1:5000", Target("127.0.0.1:5000"), "registry"),
        ("[::1]:5000", Target("[::1]:5000"), "registry"),
        ("[::1]", Target("[::1]"), "registry"),
        ("ghcr.io/", Target("ghcr.io"), "registry"),
        ("  ghcr.io  ", Target("ghcr.io"), "registry"),
        ("myimage:5000", Target("myimage:5000"), "registry"),
        ("alpine", Target("docker.io", "library/alpine"), "repository"),
        ("user/app", Target("docker.io", "user/app"), "repository"),
        ("ghcr.io/org/app", Target("ghcr.io", "org/app"), "repository"),
        ("ghcr.io/org/app/", Target("ghcr.io", "org/app"), "repository"),
        ("localhost:5000/foo", Target("localhost:5000", "foo"), "repository"),
        ("alpine:3.19", Target("docker.io", "library/alpine", "3.19"), "reference"),
        ("my.image:v1", Target("docker.io", "library/my.image", "v1"), "reference"),
        ("ghcr.io/org/app:v1", Target("ghcr.io", "org/app", "v1"), "reference"),
        (f"alpine@{D256}", Target("docker.io", "library/alpine", None, D256), "reference"),
        (
            f"[::1]:5000/r:t@{D256}",
            Target("[::1]:5000", "r", "t", D256),
            "reference",
        ),
    ],
)
def test_parse_target(text: str, target: Target, kind: str) -> None:
    parsed = parse_target(text)
    assert parsed == target
    assert parsed.kind == kind
    assert parse_target(str(parsed)) == parsed


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "/",
        "::1",
        "ghcr.io:99999",
        "Alpine",
        "a//b",
        "https://ghcr.io",
        "-x.io",
        "ghcr.io/A",
        "alpine:",
        "[::1",
    ],
)
def test_parse_target_rejects(text: str) -> None:
    with pytest.raises(InvalidReference):
        parse_target(text)


def test_target_to_reference() -> None:
    assert parse_target("ghcr.io/a:1").to_reference() == Reference("ghcr.io", "a", "1")
    assert parse_target("alpine").to_reference() == Reference("docker.io", "library/alpine")
    with pytest.raises(InvalidReference, match="is a registry"):
        parse_target("ghcr.io").to_reference()


# --------------------------------------------------------------------------- properties

_component = st.from_regex(r"[a-z0-9]{1,4}(?:(?:[._]|__|-{1,2})[a-z0-9]{1,4}){0,2}", fullmatch=True)
_label = st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,4}[a-z0-9])?", fullmatch=True)
_host = st.one_of(
    st.builds(lambda labels: ".".join(labels), st.lists(_label, min_size=2, max_size=3)),
    st.just("localhost"),
    st.just("[::1]"),
    st.just("[2001:db8::1]"),
    st.just("docker.io"),
    st.just("index.docker.io"),
)
_port = st.one_of(st.none(), st.integers(1, 65535))
_tag = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}", fullmatch=True)
_digest = st.one_of(
    st.binary(max_size=8).map(lambda b: f"sha256:{hashlib.sha256(b).hexdigest()}"),
    st.binary(max_size=8).map(lambda b: f"sha512:{hashlib.sha512(b).hexdigest()}"),
)


@st.composite
def _reference_text(draw: st.DrawFn) -> str:
    text = ""
    if draw(st.booleans()):
        text += draw(_host)
        port = draw(_port)
        if port is not None:
            text += f":{port}"
        text += "/"
    else:
        # without a host, a first component with '.' would be read as one (docker's rule)
        text += draw(_component.filter(lambda c: "." not in c)) + "/"
    text += "/".join(draw(st.lists(_component, min_size=1, max_size=4)))
    if draw(st.booleans()):
        text += ":" + draw(_tag)
    if draw(st.booleans()):
        text += "@" + draw(_digest)
    return text


def _check(text: str) -> None:
    try:
        ref = parse_reference(text)
    except InvalidReference as exc:
        message = str(exc)
        assert "\n" not in message
        assert len(message) < 1000
        return
    assert isinstance(ref, Reference)
    assert parse_reference(str(ref)) == ref
    assert parse_reference(ref.familiar()) == ref
    bare = parse_reference(text, default_tag=None)
    assert parse_reference(str(bare), default_tag=None) == bare


@given(st.text(max_size=300))
@example("\x00")
@example("a\u0301")
@example("[::1]:5000/\udcff")
@example("a" * 10_000)
@settings(max_examples=500)
def test_arbitrary_text_parses_or_raises_invalid_reference(text: str) -> None:
    _check(text)


@given(st.text(alphabet="abc.:/@[]-_09AZ%sha256", max_size=60))
@settings(max_examples=500)
def test_reference_like_text_parses_or_raises_invalid_reference(text: str) -> None:
    _check(text)
    try:
        target = parse_target(text)
    except InvalidReference:
        return
    assert parse_target(str(target)) == target


@given(_reference_text())
@settings(max_examples=300)
def test_generated_references_round_trip(text: str) -> None:
    ref = parse_reference(text)
    assert parse_reference(str(ref)) == ref
    assert parse_reference(ref.familiar()) == ref
    # the reference keeps what was asked for
    if "@" in text:
        assert ref.digest == text.rsplit("@", 1)[1]
        assert ref.reference == ref.digest


def test_a_one_word_name_is_library_word_on_docker_hub_only() -> None:
    from regview.registry import repository_name

    assert repository_name("docker.io", "alpine") == "library/alpine"
    assert repository_name("docker.io", "bitnami/redis") == "bitnami/redis"
    assert repository_name("ghcr.io", "alpine") == "alpine"
    assert repository_name("127.0.0.1:5000", "alpine") == "alpine"
    assert repository_name("docker.io", "") == ""
