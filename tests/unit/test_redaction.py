"""The client's redactor, with hand-written secrets and echoes: every kind of secret
regview holds is hidden in the forms a server may echo it, and ordinary content is not."""

from __future__ import annotations

import base64
import logging
import secrets
from urllib.parse import quote

import pytest

from regview.registry import (
    AuthError,
    Credential,
    Denied,
    NotFound,
    Redactor,
    RequestRecord,
    redactor,
)
from regview.registry.errors import describe_oci_errors


def fresh(prefix: str) -> str:
    return f"{prefix}-{secrets.token_urlsafe(12)}"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.fixture
def r() -> Redactor:
    return Redactor()


def test_a_password_is_hidden_as_is_in_any_case_encoded_and_in_basic_auth(r: Redactor) -> None:
    password = "Pa55+w/rd=é x"
    r.register_credential(Credential("alice", password, source="test"))
    pair = b64(f"alice:{password}")
    echoes = [
        password,
        password.upper(),
        quote(password, safe=""),
        '"Pa55+w/rd=\\u00e9 x"',  # JSON with ensure_ascii
        pair,
        pair.rstrip("="),
        base64.urlsafe_b64encode(f"alice:{password}".encode()).decode(),
    ]
    for echo in echoes:
        shown = r.redact(f"echo [{echo}] end")
        assert "<hidden>" in shown and "Pa55" not in shown.replace("<hidden>", ""), echo
        assert pair[:10] not in shown
    assert r.redact("alice") == "alice"  # the user name is no secret


def test_an_identity_token_is_hidden(r: Redactor) -> None:
    token = fresh("identity")
    r.register_credential(Credential("bob", None, token, source="test"))
    assert r.redact(f"refresh_token was {token}.") == "refresh_token was <hidden>."


def test_tokens_and_proxy_credentials_can_be_registered_by_anyone(r: Redactor) -> None:
    bearer, refresh = fresh("bearer"), fresh("refresh")
    r.register(bearer)
    r.register(refresh)
    r.register_url("http://proxy-user:pr%40xy-pass-1@proxy.example:3128")
    proxy_pair = b64("proxy-user:pr@xy-pass-1")
    text = f"{bearer} {refresh} pr@xy-pass-1 pr%40xy-pass-1 Proxy-Authorization: {proxy_pair}"
    assert r.redact(text) == "<hidden> <hidden> <hidden> <hidden> Proxy-Authorization: <hidden>"
    r.register_url("https://token-only-user-name@proxy.example")  # the user is the secret
    assert r.redact("token-only-user-name") == "<hidden>"
    r.register_url("http://[::1:bad")  # not a URL: nothing registered, nothing raised
    r.register_url(None)


def test_the_start_of_a_secret_cut_off_by_an_ellipsis_is_hidden(r: Redactor) -> None:
    password = fresh("pw")
    r.register_credential(Credential("host", password, source="test"))
    pair = b64(f"host:{password}")
    assert r.redact(f"access denied for Authorization: Basic {pair[:6]}…") == (
        "access denied for Authorization: Basic <hidden>…"
    )
    assert r.redact(f"'{password[:9]}…'") == "'<hidden>…'"
    assert r.redact("a cut word…") == "a cut word…"  # no secret starts there
    assert r.redact(f"{password[:4]}…") == f"{password[:4]}…"  # too short to tell


def test_authorization_values_are_hidden_even_unregistered(r: Redactor) -> None:
    assert r.redact("you sent Authorization: Bearer abc.d3f-ghi_jkl") == (
        "you sent Authorization: Bearer <hidden>"
    )
    assert r.redact("BASIC dXNlcjpwYXNzd29yZA==") == "BASIC <hidden>"
    for plain in ("Basic auth is supported", "Bearer authentication required"):
        assert r.redact(plain) == plain


def test_messages_also_hide_what_is_shaped_like_a_credential(r: Redactor) -> None:
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    assert r.redact_message(f"bad token {jwt}!") == "bad token <hidden>!"
    assert r.redact_message('{"refresh_token": "s3cr3t-value"}') == (
        '{"refresh_token": "<hidden>"}'
    )
    assert r.redact_message("/v2/x/tags/list?password=hunter22&n=1") == (
        "/v2/x/tags/list?password=<hidden>&n=1"
    )
    # Redacting twice changes nothing more.
    once = r.redact_message("token=abcdefgh")
    assert r.redact_message(once) == once == "token=<hidden>"


def test_ordinary_content_is_not_over_redacted(r: Redactor) -> None:
    r.register_credential(Credential("carol", "abc", source="test"))  # too short alone
    assert r.redact("abc abcdef") == "abc abcdef"
    signature = base64.b64encode(secrets.token_bytes(96)).decode()
    jwt_like = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    document = {
        "annotations": {"dev.sigstore.cosign/signature": signature, "bundle": jwt_like},
        "digest": "sha256:" + "ab" * 32,
    }
    assert r.redact_json(document) == document
    assert r.redact(f"signature {signature}") == f"signature {signature}"


def test_json_is_redacted_in_keys_and_values(r: Redactor) -> None:
    password = fresh("pw")
    r.register(password)
    assert r.redact_json({password: [password, 3, None], "n": {"k": password}}) == {
        "<hidden>": ["<hidden>", 3, None],
        "n": {"k": "<hidden>"},
    }


def test_forget_all_forgets(r: Redactor) -> None:
    r.register("temporary-secret")
    r.forget_all()
    assert r.redact("temporary-secret") == "temporary-secret"


def test_registry_errors_never_carry_a_known_secret() -> None:
    token = fresh("bearer")
    redactor.register(token)
    error = Denied(f"access denied (manifest x:y): you sent Bearer {token}", codes=[token])
    for shown in (str(error), repr(error), error.message, *map(str, error.args), *error.codes):
        assert token not in shown
    assert str(error) == "access denied (manifest x:y): you sent Bearer <hidden>"
    # Learned after the error was built: hidden when it is shown.
    late = fresh("late")
    error = NotFound(f"x not found: {late}")
    redactor.register(late)
    assert str(error) == "x not found: <hidden>"
    assert "password: <hidden>" in str(AuthError("echo password: s3cr3t-pw"))
    # A short password is hidden where it stands as a word (no letter here is hex: a
    # short digest in another test's message cannot hold it).
    redactor.register_credential(Credential("user", "Qw9x", source="test"))
    assert str(Denied("no: user user, password Qw9x")) == "no: user user, password <hidden>"


def test_an_oci_error_body_is_redacted_before_it_is_clipped() -> None:
    password = fresh("pw")
    redactor.register(password)
    message = "x" * 190 + password  # the 200-character clip would cut the password
    text, codes = describe_oci_errors({"errors": [{"code": "DENIED", "message": message}]})
    assert password[:6] not in text and text.endswith("<hidden>")
    assert codes == ["DENIED"]


def test_a_request_record_never_holds_a_secret() -> None:
    token = fresh("bearer")
    redactor.register(token)
    record = RequestRecord(
        "GET",
        f"http://user:{quote('pr0xy pass')}@127.0.0.1:5000/v2/a/tags/list?last={token}&n=2",
        200,
        1.0,
        note=f"echo {token}",
    )
    assert record.url == "http://127.0.0.1:5000/v2/a/tags/list?last=<hidden>&n=2"
    assert record.note == "echo <hidden>"
    assert redactor.redact("pr0xy pass") == "<hidden>"  # the userinfo was registered


@pytest.mark.parametrize("name", ["regview", "regview.notebook", "httpx"])
def test_log_records_are_redacted(name: str, caplog: pytest.LogCaptureFixture) -> None:
    token = fresh("bearer")
    redactor.register(token)
    with caplog.at_level(logging.INFO, logger=name):
        logging.getLogger(name).info("HTTP Request: GET %s %r", f"/v2/?t={token}", token)
    [record] = caplog.records
    assert token not in record.getMessage()
    assert record.getMessage() == "HTTP Request: GET /v2/?t=<hidden> '<hidden>'"


def test_long_text_is_searched_as_well_as_short(r: Redactor) -> None:
    password = fresh("pw")
    r.register(password)
    lines = [f"tag-{i}" for i in range(200)]
    lines[150] = f"tag-{password.upper()}"
    text = "\n".join(lines)
    assert len(text) > 256
    shown = r.redact(text).split("\n")
    assert shown[150] == "tag-<hidden>" and shown[:150] == lines[:150]


def test_cli_output_functions_hide_known_secrets(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from regview.cli import common

    token = fresh("bearer")
    redactor.register(token)
    common.print_lines([f"tag {i}" for i in range(2000)] + [f"label={token}"])
    common.print_json({"tags": [token], token: 1})
    common.fail(f"access denied: you sent Bearer {token}")
    out, err = capsys.readouterr()
    lines = out.split("\n")
    assert lines[1999] == "tag 1999" and lines[2000] == "label=<hidden>"
    assert '"tags": [\n    "<hidden>"\n  ]' in out and '"<hidden>": 1' in out
    assert err == "regview: access denied: you sent Bearer <hidden>\n"
    assert token not in out + err
    monkeypatch.setattr(common.sys.stdout, "isatty", lambda: True)
    common.write_raw(f'{{"a": "{token}"}}'.encode())
    assert capsys.readouterr().out == '{"a": "<hidden>"}\n'


def test_a_short_password_is_hidden_in_messages_as_a_word_of_its_own(r: Redactor) -> None:
    r.register_credential(Credential("carol", "Xy7", source="test"))
    # Echoed as a word, in any case, quoted or after punctuation: hidden.
    assert r.redact_message("denied: user carol, password Xy7") == (
        "denied: user carol, password <hidden>"
    )
    assert r.redact_message("bad secret 'xy7' (try again)") == "bad secret '<hidden>' (try again)"
    assert r.redact_message("pw=Xy7&user=carol") == "pw=<hidden>&user=carol"
    # Inside another word it is not the password, and content is left alone.
    assert r.redact_message("Xy7a bXy7 Xy7_z") == "Xy7a bXy7 Xy7_z"
    assert r.redact("password Xy7") == "password Xy7"
    # Its Basic form is long enough to be hidden anywhere.
    assert r.redact("x" + b64("carol:Xy7") + "x") == "x<hidden>x"


def test_a_one_or_two_character_secret_is_not_taken_for_words(r: Redactor) -> None:
    r.register("ab")
    assert r.redact_message("ab cd") == "ab cd"


def test_forget_all_forgets_short_secrets_too(r: Redactor) -> None:
    r.register("q9z")
    assert r.redact_message("q9z") == "<hidden>"
    r.forget_all()
    assert r.redact_message("q9z") == "q9z"


@pytest.mark.parametrize("name", ["httpcore.connection", "httpcore.http11", "httpcore.http2"])
def test_httpcore_debug_records_are_redacted(name: str, caplog: pytest.LogCaptureFixture) -> None:
    token = fresh("bearer")
    redactor.register(token)
    with caplog.at_level(logging.DEBUG, logger=name):
        logging.getLogger(name).debug("send_request_headers.started request=%s", token)
    [record] = caplog.records
    assert record.getMessage() == "send_request_headers.started request=<hidden>"
