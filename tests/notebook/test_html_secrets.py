"""What the notebook hides before it shows anything: credentials, hand-written cases."""

from __future__ import annotations

import base64
import secrets

from regview.notebook import html as h
from regview.notebook import secrets as hidden
from regview.notebook.plain import safe
from regview.registry import Credential


def test_a_remembered_credential_is_hidden_in_every_form_basic_auth_sends() -> None:
    password = f"pw-{secrets.token_urlsafe(12)}"
    pair = f"alice:{password}".encode()
    hidden.remember(Credential("alice", password, source="test"))
    for form in (password, base64.b64encode(pair).decode(),
                 base64.urlsafe_b64encode(pair).decode()):
        assert hidden.hide(f"x {form} y") == "x <hidden> y"
        assert form not in h.text(f"label {form}")
        assert form not in safe(f"label {form}")
        assert hidden.hide_json({form: [form]}) == {"<hidden>": ["<hidden>"]}
    assert hidden.hide("alice") == "alice"  # the user name is no secret


def test_an_identity_token_is_hidden_and_short_strings_are_not() -> None:
    token = f"identity-{secrets.token_hex(8)}"
    hidden.remember(Credential("bob", None, token, source="test"))
    assert hidden.hide(f"refresh {token}") == "refresh <hidden>"
    hidden.remember(Credential("carol", "abc", source="test"))  # too short to hide
    assert hidden.hide("abc abcdef") == "abc abcdef"


def test_authorization_values_are_hidden_anywhere() -> None:
    assert hidden.hide("sent Authorization: Bearer abc.d3f-ghi_jkl") == (
        "sent Authorization: Bearer <hidden>"
    )
    assert hidden.hide("Basic dXNlcjpwYXNzd29yZA==") == "Basic <hidden>"
    for plain in ("Basic auth is supported", "Bearer authentication required"):
        assert hidden.hide(plain) == plain


def test_messages_also_hide_tokens_by_their_shape() -> None:
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    assert hidden.hide_message(f"bad token {jwt}!") == "bad token <hidden>!"
    assert hidden.hide_message("cut eyJhbGciOiJSUzI1NiJ9.eyJzdWIi") == "cut <hidden>"
    assert hidden.hide_message('{"token": "s3cr3t-value"}') == '{"token": "<hidden>"}'
    assert hidden.hide_message("password=hunter22 & more") == "password=<hidden> & more"
    # Registry content keeps JWT-shaped data (signature bundles are full of it).
    assert hidden.hide(f"payload {jwt}") == f"payload {jwt}"
