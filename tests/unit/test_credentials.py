"""Credential discovery: docker config.json, containers auth.json, credential helpers."""

from __future__ import annotations

import base64
import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from regview.registry.auth_files import registry_from_key
from regview.registry.credential_helpers import run_credential_helper
from regview.registry.credentials import Credential, CredentialStore
from regview.registry.errors import CredentialsError, InvalidReference

SECRET = "s3cr3t:with:colons-Zq9"
TOKEN = "refresh-token-Xy7"

FAKE_HELPER = """#!{python}
import json, os, pathlib, sys, time

here = pathlib.Path(__file__).resolve().parent
mode = os.environ.get("FAKE_HELPER_MODE", "")
url = sys.stdin.read()
with open(here / "calls.log", "a") as log:
    log.write(json.dumps({{"argv": sys.argv[1:], "stdin": url}}) + "\\n")
if mode == "sleep":
    time.sleep(30)
if mode == "badjson":
    print("oops {secret}")
    sys.exit(0)
if mode == "list":
    print(json.dumps(["{secret}"]))
    sys.exit(0)
if mode == "fail":
    print("{secret}")
    print("{secret}", file=sys.stderr)
    sys.exit(3)
store_file = here / "store.json"
store = json.loads(store_file.read_text()) if store_file.exists() else {{}}
if url in store:
    print(json.dumps(store[url]))
    sys.exit(0)
print("credentials not found in native keychain")
sys.exit(1)
"""


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def write_json(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return path


class Env:
    """A fake home, a bin dir on PATH holding docker-credential-fake, and an environ."""

    def __init__(self, tmp_path: Path) -> None:
        self.home = tmp_path / "home"
        self.home.mkdir()
        self.bin = tmp_path / "bin"
        self.bin.mkdir()
        helper = self.bin / "docker-credential-fake"
        helper.write_text(FAKE_HELPER.format(python=sys.executable, secret=SECRET))
        helper.chmod(helper.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        self.environ: dict[str, str] = {
            "HOME": str(self.home),
            "PATH": f"{self.bin}{os.pathsep}{os.environ.get('PATH', os.defpath)}",
        }

    @property
    def docker_config(self) -> Path:
        return self.home / ".docker" / "config.json"

    @property
    def containers_auth(self) -> Path:
        return self.home / ".config" / "containers" / "auth.json"

    def helper_store(self, entries: dict[str, dict[str, str]]) -> None:
        write_json(self.bin / "store.json", entries)

    def helper_calls(self) -> list[dict[str, Any]]:
        log = self.bin / "calls.log"
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text().splitlines()]

    def store(self, **kwargs: Any) -> CredentialStore:
        kwargs.setdefault("environ", self.environ)
        kwargs.setdefault("home", self.home)
        return CredentialStore(**kwargs)


@pytest.fixture
def env(tmp_path: Path) -> Env:
    return Env(tmp_path)


def assert_no_secret(*texts: object) -> None:
    for text in texts:
        assert SECRET not in str(text)
        assert TOKEN not in str(text)
        assert SECRET not in repr(text)
        assert TOKEN not in repr(text)


# --------------------------------------------------------------------------- Credential


def test_credential_repr_and_str_hide_secrets() -> None:
    cred = Credential("alice", SECRET, TOKEN, "~/.docker/config.json")
    assert_no_secret(cred, [cred], {"c": cred}, f"{cred}", f"{cred!r}")
    assert "alice" in repr(cred) and "~/.docker/config.json" in repr(cred)
    assert "<hidden>" in repr(cred)
    assert "alice" in str(cred) or "identity token" in str(cred)


@pytest.mark.parametrize(
    ("cred", "anonymous"),
    [
        (Credential(), True),
        (Credential("bob", None, None, "x"), True),
        (Credential("bob", "", "", "x"), True),
        (Credential("bob", SECRET, None, "x"), False),
        (Credential(None, None, TOKEN, "x"), False),
    ],
)
def test_is_anonymous(cred: Credential, anonymous: bool) -> None:
    assert cred.is_anonymous is anonymous
    assert_no_secret(cred, str(cred))


def test_credential_is_frozen() -> None:
    cred = Credential("a", "b", None, "src")
    with pytest.raises(AttributeError):
        cred.password = "c"  # type: ignore[misc]


# --------------------------------------------------------------------------- auths


def test_auth_field_is_base64_user_password(env: Env) -> None:
    write_json(env.docker_config, {"auths": {"ghcr.io": {"auth": b64(f"alice:{SECRET}")}}})
    cred = env.store().lookup("ghcr.io")
    assert cred == Credential("alice", SECRET, None, "~/.docker/config.json")
    assert_no_secret(cred)


def test_auth_without_padding_is_accepted(env: Env) -> None:
    write_json(env.docker_config, {"auths": {"ghcr.io": {"auth": b64("ab:c").rstrip("=")}}})
    cred = env.store().lookup("ghcr.io")
    assert cred is not None and (cred.username, cred.password) == ("ab", "c")


def test_username_password_fields(env: Env) -> None:
    write_json(env.docker_config, {"auths": {"ghcr.io": {"username": "u", "password": SECRET}}})
    cred = env.store().lookup("ghcr.io")
    assert cred is not None
    assert (cred.username, cred.password, cred.identity_token) == ("u", SECRET, None)


def test_auth_field_wins_over_username_password(env: Env) -> None:
    entry = {"auth": b64("a:b"), "username": "c", "password": "d"}
    write_json(env.docker_config, {"auths": {"ghcr.io": entry}})
    cred = env.store().lookup("ghcr.io")
    assert cred is not None and (cred.username, cred.password) == ("a", "b")


@pytest.mark.parametrize(
    ("entry", "username"),
    [
        ({"identitytoken": TOKEN}, None),
        ({"identitytoken": TOKEN, "username": "<token>"}, None),
        ({"identitytoken": TOKEN, "auth": b64("<token>:")}, None),
        ({"identitytoken": TOKEN, "username": "alice"}, "alice"),
    ],
)
def test_identity_token(env: Env, entry: dict[str, str], username: str | None) -> None:
    write_json(env.docker_config, {"auths": {"https://index.docker.io/v1/": entry}})
    cred = env.store().lookup("docker.io")
    assert cred is not None
    assert cred.identity_token == TOKEN
    assert cred.username == username
    assert not cred.is_anonymous
    assert_no_secret(cred)


@pytest.mark.parametrize(
    ("key", "registry"),
    [
        ("https://index.docker.io/v1/", "docker.io"),
        ("http://index.docker.io/v1/", "docker.io"),
        ("index.docker.io", "docker.io"),
        ("registry-1.docker.io", "docker.io"),
        ("docker.io", "docker.io"),
        ("https://docker.io", "docker.io"),
        ("ghcr.io", "ghcr.io"),
        ("https://ghcr.io", "ghcr.io"),
        ("https://GHCR.io/v2/", "ghcr.io"),
        ("localhost:5000", "localhost:5000"),
        ("http://localhost:5000/v2/", "localhost:5000"),
        ("127.0.0.1:5000", "127.0.0.1:5000"),
        ("[::1]:5000", "[::1]:5000"),
        ("quay.io/some/namespace", "quay.io"),
    ],
)
def test_auths_keys_are_normalised(env: Env, key: str, registry: str) -> None:
    write_json(env.docker_config, {"auths": {key: {"auth": b64("u:p")}}})
    store = env.store()
    cred = store.lookup(registry)
    assert cred is not None and cred.username == "u"
    assert store.registries() == [registry]
    assert registry_from_key(key) == registry


@pytest.mark.parametrize(
    "alias", ["docker.io", "index.docker.io", "registry-1.docker.io", "https://index.docker.io/v1/"]
)
def test_lookup_accepts_docker_hub_aliases(env: Env, alias: str) -> None:
    write_json(env.docker_config, {"auths": {"https://index.docker.io/v1/": {"auth": b64("u:p")}}})
    cred = env.store().lookup(alias)
    assert cred is not None and cred.username == "u"


def test_lookup_unknown_registry_is_none(env: Env) -> None:
    write_json(env.docker_config, {"auths": {"ghcr.io": {"auth": b64("u:p")}}})
    store = env.store()
    assert store.lookup("quay.io") is None
    assert store.lookup("ghcr.io:443") is None


def test_lookup_invalid_registry_raises_invalid_reference(env: Env) -> None:
    with pytest.raises(InvalidReference):
        env.store().lookup("not a host")


def test_first_usable_entry_for_a_registry_wins(env: Env) -> None:
    auths = {
        "https://index.docker.io/v1/": {},
        "docker.io": {"auth": b64("first:p")},
        "index.docker.io": {"auth": b64("second:p")},
    }
    write_json(env.docker_config, {"auths": auths})
    cred = env.store().lookup("docker.io")
    assert cred is not None and cred.username == "first"


def test_empty_entry_does_not_hide_a_later_file(env: Env) -> None:
    write_json(env.docker_config, {"auths": {"ghcr.io": {}}})
    write_json(env.containers_auth, {"auths": {"ghcr.io": {"auth": b64("pod:man")}}})
    cred = env.store().lookup("ghcr.io")
    assert cred is not None and cred.username == "pod"
    assert cred.source == "~/.config/containers/auth.json"


@pytest.mark.parametrize("content", ["", "  \n", "{}", '{"auths": null}', '{"auths": {}}'])
def test_empty_files_have_no_credentials(env: Env, content: str) -> None:
    env.docker_config.parent.mkdir(parents=True)
    env.docker_config.write_text(content)
    store = env.store()
    assert store.lookup("ghcr.io") is None
    assert store.registries() == []


def test_unrelated_config_keys_are_ignored(env: Env) -> None:
    data = {
        "auths": {"ghcr.io": {"auth": b64("u:p"), "email": "x@example.com"}},
        "psFormat": "table",
        "proxies": {"default": {}},
        "HttpHeaders": {"X": "y"},
    }
    write_json(env.docker_config, data)
    assert env.store().lookup("ghcr.io") is not None


def test_utf8_bom_is_accepted(env: Env) -> None:
    env.docker_config.parent.mkdir(parents=True)
    data = json.dumps({"auths": {"ghcr.io": {"auth": b64("u:p")}}})
    env.docker_config.write_bytes(b"\xef\xbb\xbf" + data.encode())
    assert env.store().lookup("ghcr.io") is not None


# --------------------------------------------------------------------------- search order


def test_docker_config_env_replaces_home_docker_dir(env: Env, tmp_path: Path) -> None:
    write_json(env.docker_config, {"auths": {"ghcr.io": {"auth": b64("home:p")}}})
    other = write_json(
        tmp_path / "dc" / "config.json", {"auths": {"ghcr.io": {"auth": b64("dc:p")}}}
    )
    store = env.store(environ={**env.environ, "DOCKER_CONFIG": str(other.parent)})
    cred = store.lookup("ghcr.io")
    assert cred is not None and cred.username == "dc"
    assert env.docker_config not in store.auth_files
    assert cred.source == str(other)


def test_search_order(env: Env, tmp_path: Path) -> None:
    registry_auth = tmp_path / "reg-auth.json"
    runtime = tmp_path / "run"
    environ = {
        **env.environ,
        "REGISTRY_AUTH_FILE": str(registry_auth),
        "XDG_RUNTIME_DIR": str(runtime),
    }
    store = env.store(environ=environ)
    assert store.auth_files == (
        env.docker_config,
        registry_auth,
        runtime / "containers" / "auth.json",
        env.containers_auth,
    )
    files = [
        ("docker", env.docker_config, "a.io"),
        ("regauth", registry_auth, "b.io"),
        ("runtime", runtime / "containers" / "auth.json", "c.io"),
        ("home", env.containers_auth, "d.io"),
    ]
    # file i names registries 0..i: registry i is first found in file i, and every
    # earlier file that names a registry wins over the later ones
    for index, (name, path, _) in enumerate(files):
        named = [registry for _, _, registry in files[: index + 1]]
        write_json(path, {"auths": {r: {"auth": b64(f"{name}:p")} for r in named}})
    store = env.store(environ=environ)
    for name, _, registry in files:
        cred = store.lookup(registry)
        assert cred is not None and cred.username == name, registry
    assert store.registries() == ["a.io", "b.io", "c.io", "d.io"]


def test_docker_config_wins_over_containers_auth(env: Env) -> None:
    write_json(env.docker_config, {"auths": {"ghcr.io": {"auth": b64("docker:p")}}})
    write_json(env.containers_auth, {"auths": {"ghcr.io": {"auth": b64("podman:p")}}})
    cred = env.store().lookup("ghcr.io")
    assert cred is not None and cred.username == "docker"


def test_explicit_auth_files_are_the_only_ones_read(env: Env, tmp_path: Path) -> None:
    write_json(env.docker_config, {"auths": {"ghcr.io": {"auth": b64("docker:p")}}})
    one = write_json(tmp_path / "one.json", {"auths": {"quay.io": {"auth": b64("one:p")}}})
    two = write_json(
        tmp_path / "two.json",
        {"auths": {"quay.io": {"auth": b64("two:p")}, "gcr.io": {"auth": b64("two:p")}}},
    )
    store = env.store(auth_files=[one, two])
    assert store.auth_files == (one, two)
    assert store.lookup("ghcr.io") is None
    quay = store.lookup("quay.io")
    assert quay is not None and quay.username == "one"
    assert quay.source == str(one)
    assert store.registries() == ["gcr.io", "quay.io"]


def test_explicit_auth_file_that_does_not_exist_is_an_error(env: Env, tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(CredentialsError, match="does not exist") as info:
        env.store(auth_files=[missing]).lookup("ghcr.io")
    assert str(missing) in str(info.value)


def test_discovered_files_that_do_not_exist_are_skipped(env: Env) -> None:
    store = env.store(environ={**env.environ, "XDG_RUNTIME_DIR": "/nonexistent/run"})
    assert store.lookup("ghcr.io") is None
    assert store.registries() == []


def test_docker_dir_that_is_a_file_is_skipped(env: Env) -> None:
    (env.home / ".docker").write_text("not a dir")
    assert env.store().lookup("ghcr.io") is None


def test_auth_file_that_is_a_directory_is_an_error(env: Env) -> None:
    env.docker_config.mkdir(parents=True)
    with pytest.raises(CredentialsError, match="is a directory"):
        env.store().lookup("ghcr.io")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads unreadable files")
def test_unreadable_auth_file_is_an_error(env: Env) -> None:
    write_json(env.docker_config, {})
    env.docker_config.chmod(0)
    with pytest.raises(CredentialsError, match="cannot read"):
        env.store().lookup("ghcr.io")


def test_home_defaults_to_environ_home_then_path_home(tmp_path: Path) -> None:
    store = CredentialStore(environ={"HOME": str(tmp_path)})
    assert store.auth_files == (
        tmp_path / ".docker" / "config.json",
        tmp_path / ".config" / "containers" / "auth.json",
    )
    store = CredentialStore(environ={})
    assert store.auth_files[0] == Path.home() / ".docker" / "config.json"


# --------------------------------------------------------------------------- static


def test_static_credential_takes_precedence_for_its_registry(env: Env) -> None:
    write_json(
        env.docker_config,
        {"auths": {"ghcr.io": {"auth": b64("file:p")}, "quay.io": {"auth": b64("file:p")}}},
    )
    flag = Credential("cli", SECRET, None, "--password-stdin")
    base = env.store()
    store = base.with_static("ghcr.io", flag)
    assert store.lookup("ghcr.io") is flag
    other = store.lookup("quay.io")
    assert other is not None and other.username == "file"
    original = base.lookup("ghcr.io")  # with_static returns a new store
    assert original is not None and original.username == "file"
    assert "ghcr.io" in store.registries()


def test_static_constructor_argument_normalises_registry(env: Env) -> None:
    flag = Credential("cli", SECRET, None, "--password-stdin")
    store = env.store(static={"https://index.docker.io/v1/": flag})
    assert store.lookup("docker.io") is flag
    assert store.lookup("registry-1.docker.io") is flag
    assert store.registries() == ["docker.io"]


def test_static_credential_skips_helpers(env: Env) -> None:
    write_json(env.docker_config, {"credsStore": "missing-helper"})
    flag = Credential("cli", SECRET, None, "--password-stdin")
    assert env.store().with_static("ghcr.io", flag).lookup("ghcr.io") is flag


# --------------------------------------------------------------------------- helpers (end to end)


def test_creds_store_helper_end_to_end(env: Env) -> None:
    env.helper_store({"ghcr.io": {"ServerURL": "ghcr.io", "Username": "helper", "Secret": SECRET}})
    write_json(env.docker_config, {"auths": {"ghcr.io": {}}, "credsStore": "fake"})
    cred = env.store().lookup("ghcr.io")
    assert cred == Credential("helper", SECRET, None, "credential helper docker-credential-fake")
    assert env.helper_calls() == [{"argv": ["get"], "stdin": "ghcr.io"}]
    assert_no_secret(cred)


def test_docker_hub_server_url_for_helpers(env: Env) -> None:
    env.helper_store({"https://index.docker.io/v1/": {"Username": "hub", "Secret": SECRET}})
    write_json(env.docker_config, {"credsStore": "fake"})
    cred = env.store().lookup("docker.io")
    assert cred is not None and cred.username == "hub"
    assert env.helper_calls() == [{"argv": ["get"], "stdin": "https://index.docker.io/v1/"}]


def test_helper_token_username_means_identity_token(env: Env) -> None:
    env.helper_store({"ghcr.io": {"Username": "<token>", "Secret": TOKEN}})
    write_json(env.docker_config, {"credHelpers": {"ghcr.io": "fake"}})
    cred = env.store().lookup("ghcr.io")
    assert cred == Credential(None, None, TOKEN, "credential helper docker-credential-fake")


def test_cred_helpers_win_over_creds_store_and_auths(env: Env, tmp_path: Path) -> None:
    env.helper_store({"ghcr.io": {"Username": "per-host", "Secret": SECRET}})
    data = {
        "auths": {"ghcr.io": {"auth": b64("file:p")}},
        "credHelpers": {"https://ghcr.io": "fake"},
        "credsStore": "missing-helper",
    }
    write_json(env.docker_config, data)
    cred = env.store().lookup("ghcr.io")
    assert cred is not None and cred.username == "per-host"


def test_creds_store_wins_over_auths(env: Env) -> None:
    env.helper_store({"ghcr.io": {"Username": "store", "Secret": SECRET}})
    write_json(
        env.docker_config, {"auths": {"ghcr.io": {"auth": b64("file:p")}}, "credsStore": "fake"}
    )
    cred = env.store().lookup("ghcr.io")
    assert cred is not None and cred.username == "store"


def test_auths_used_for_registries_without_a_helper(env: Env) -> None:
    write_json(
        env.docker_config,
        {
            "auths": {"quay.io": {"auth": b64("file:p")}},
            "credHelpers": {"ghcr.io": "missing-helper"},
        },
    )
    cred = env.store().lookup("quay.io")
    assert cred is not None and cred.username == "file"


def test_helper_not_found_means_no_credential_in_that_file(env: Env) -> None:
    env.helper_store({})
    # the helper is authoritative for its file: the auths entry beside it is not used
    write_json(
        env.docker_config, {"auths": {"ghcr.io": {"auth": b64("file:p")}}, "credsStore": "fake"}
    )
    store = env.store()
    assert store.lookup("ghcr.io") is None
    # ... but the search goes on with the next file
    write_json(env.containers_auth, {"auths": {"ghcr.io": {"auth": b64("podman:p")}}})
    store = env.store()
    cred = store.lookup("ghcr.io")
    assert cred is not None and cred.username == "podman"


def test_helper_empty_secret_means_no_credential(env: Env) -> None:
    env.helper_store({"ghcr.io": {"Username": "", "Secret": ""}})
    write_json(env.docker_config, {"credsStore": "fake"})
    assert env.store().lookup("ghcr.io") is None


def test_missing_helper_is_an_error_naming_it(env: Env) -> None:
    write_json(env.docker_config, {"credsStore": "nosuchhelper"})
    with pytest.raises(CredentialsError) as info:
        env.store().lookup("ghcr.io")
    message = str(info.value)
    assert "docker-credential-nosuchhelper" in message
    assert "install" in message
    assert "~/.docker/config.json" in message and "credsStore" in message


@pytest.mark.parametrize(
    ("mode", "fragment"),
    [
        ("badjson", "did not answer with JSON"),
        ("list", "not an object"),
        ("fail", "exit status 3"),
    ],
)
def test_helper_failures_never_echo_output(env: Env, mode: str, fragment: str) -> None:
    write_json(env.docker_config, {"credHelpers": {"ghcr.io": "fake"}})
    store = env.store(environ={**env.environ, "FAKE_HELPER_MODE": mode})
    with pytest.raises(CredentialsError) as info:
        store.lookup("ghcr.io")
    message = str(info.value)
    assert fragment in message
    assert "docker-credential-fake" in message
    assert "\n" not in message
    assert_no_secret(info.value, message)


def test_helper_timeout(env: Env) -> None:
    write_json(env.docker_config, {"credsStore": "fake"})
    store = env.store(environ={**env.environ, "FAKE_HELPER_MODE": "sleep"}, helper_timeout=0.5)
    with pytest.raises(CredentialsError, match=r"did not answer within 0\.5 s"):
        store.lookup("ghcr.io")


def test_run_credential_helper_directly(env: Env) -> None:
    env.helper_store({"ghcr.io": {"Username": "u", "Secret": SECRET}})
    out = run_credential_helper("fake", "ghcr.io", environ=env.environ)
    assert json.loads(out)["Username"] == "u"
    assert run_credential_helper("fake", "quay.io", environ=env.environ) == ""
    with pytest.raises(CredentialsError, match="not installed"):
        run_credential_helper("absent", "ghcr.io", environ=env.environ)
    with pytest.raises(CredentialsError, match="invalid credential helper name"):
        run_credential_helper("../fake", "ghcr.io", environ=env.environ)


def test_helper_not_executable_is_an_error(env: Env) -> None:
    helper = env.bin / "docker-credential-noexec"
    helper.write_text("#!/bin/sh\nexit 0\n")
    helper.chmod(0o644)
    write_json(env.docker_config, {"credsStore": "noexec"})
    with pytest.raises(CredentialsError, match="docker-credential-noexec"):
        env.store().lookup("ghcr.io")


# --------------------------------------------------------------------------- run_helper injection


class Recorder:
    def __init__(
        self, answers: dict[str, str] | None = None, error: Exception | None = None
    ) -> None:
        self.answers = answers or {}
        self.error = error
        self.calls: list[tuple[str, str]] = []

    def __call__(self, helper: str, server_url: str) -> str:
        self.calls.append((helper, server_url))
        if self.error is not None:
            raise self.error
        return self.answers.get(server_url, "")


def test_injected_run_helper(env: Env) -> None:
    answer = json.dumps({"ServerURL": "x", "Username": "inj", "Secret": SECRET})
    recorder = Recorder({"https://index.docker.io/v1/": answer})
    write_json(
        env.docker_config, {"credHelpers": {"index.docker.io": "pass"}, "credsStore": "desktop"}
    )
    store = env.store(run_helper=recorder)
    cred = store.lookup("docker.io")
    assert cred == Credential("inj", SECRET, None, "credential helper docker-credential-pass")
    assert store.lookup("ghcr.io") is None
    assert recorder.calls == [("pass", "https://index.docker.io/v1/"), ("desktop", "ghcr.io")]


def test_answers_are_remembered_until_refresh(env: Env) -> None:
    recorder = Recorder({"ghcr.io": json.dumps({"Username": "a", "Secret": "b"})})
    write_json(env.docker_config, {"credsStore": "fake"})
    store = env.store(run_helper=recorder)
    assert store.lookup("ghcr.io") == store.lookup("ghcr.io")
    assert store.lookup("quay.io") is None and store.lookup("quay.io") is None
    assert len(recorder.calls) == 2
    write_json(env.docker_config, {"auths": {"ghcr.io": {"auth": b64("new:p")}}})
    cached = store.lookup("ghcr.io")
    assert cached is not None and cached.username == "a"
    store.refresh()
    fresh = store.lookup("ghcr.io")
    assert fresh is not None and fresh.username == "new"


def test_injected_helper_error_names_the_file(env: Env) -> None:
    write_json(env.docker_config, {"credsStore": "desktop"})
    store = env.store(run_helper=Recorder(error=CredentialsError("helper broke")))
    with pytest.raises(CredentialsError) as info:
        store.lookup("ghcr.io")
    assert "helper broke" in str(info.value)
    assert "~/.docker/config.json" in str(info.value)


def test_injected_helper_unexpected_exception_is_wrapped(env: Env) -> None:
    write_json(env.docker_config, {"credsStore": "desktop"})
    store = env.store(run_helper=Recorder(error=RuntimeError(SECRET)))
    with pytest.raises(CredentialsError) as info:
        store.lookup("ghcr.io")
    assert "docker-credential-desktop" in str(info.value)
    assert_no_secret(info.value)


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (f"not json {SECRET}", "did not answer with JSON"),
        (json.dumps({"Username": 1, "Secret": SECRET}), "non-string"),
        (json.dumps({"Username": "u", "Secret": [SECRET]}), "non-string"),
        (json.dumps(SECRET), "not an object"),
        ("[" * 100_000, "did not answer with JSON"),
    ],
)
def test_bad_helper_answers(env: Env, answer: str, fragment: str) -> None:
    write_json(env.docker_config, {"credsStore": "desktop"})
    store = env.store(run_helper=Recorder({"ghcr.io": answer}))
    with pytest.raises(CredentialsError, match=fragment) as info:
        store.lookup("ghcr.io")
    assert_no_secret(info.value)


def test_not_found_text_on_stdout_means_no_credential(env: Env) -> None:
    write_json(env.docker_config, {"credsStore": "desktop"})
    store = env.store(
        run_helper=Recorder({"ghcr.io": "credentials not found in native keychain\n"})
    )
    assert store.lookup("ghcr.io") is None


# --------------------------------------------------------------------------- malformed files


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ('{"auths": {"ghcr.io": {"auth": "' + b64(f"u:{SECRET}") + '"', "not valid JSON"),
        ("[1, 2]", "top level is a JSON list"),
        (json.dumps(SECRET), "top level is a JSON str"),
        (json.dumps({"auths": []}), '"auths" must be an object'),
        (json.dumps({"auths": {"ghcr.io": SECRET}}), "must be an object"),
        (json.dumps({"auths": {"ghcr.io": {"auth": 5}}}), '"auth" of'),
        (json.dumps({"auths": {"ghcr.io": {"password": [SECRET]}}}), '"password" of'),
        (json.dumps({"auths": {"ghcr.io": {"identitytoken": {"t": TOKEN}}}}), "identitytoken"),
        (json.dumps({"auths": {"ghcr.io": {"auth": SECRET + "!!"}}}), "not valid base64"),
        (json.dumps({"auths": {"ghcr.io": {"auth": "é" + SECRET}}}), "not valid base64"),
        (
            json.dumps({"auths": {"ghcr.io": {"auth": b64(SECRET.replace(":", ""))}}}),
            "username:password",
        ),
        (
            json.dumps({"auths": {"ghcr.io": {"auth": base64.b64encode(b"\xff\xfe:x").decode()}}}),
            "UTF-8",
        ),
        (json.dumps({"credHelpers": ["ghcr.io"]}), '"credHelpers" must be an object'),
        (json.dumps({"credHelpers": {"ghcr.io": 1}}), "must be a string"),
        (json.dumps({"credHelpers": {"ghcr.io": "../../bin/sh"}}), "not a helper name"),
        (json.dumps({"credsStore": 1}), '"credsStore" must be a string'),
        (json.dumps({"credsStore": "a b"}), '"credsStore" is not a helper name'),
        ("[" * 100_000, "not valid JSON"),
    ],
)
def test_malformed_auth_files(env: Env, content: str, fragment: str) -> None:
    env.docker_config.parent.mkdir(parents=True)
    env.docker_config.write_text(content)
    store = env.store()
    for call in (lambda: store.lookup("ghcr.io"), store.registries):
        with pytest.raises(CredentialsError) as info:
            call()
        message = str(info.value)
        assert fragment in message
        assert "~/.docker/config.json" in message
        assert "\n" not in message
        assert_no_secret(info.value, message)


def test_non_utf8_auth_file(env: Env) -> None:
    env.docker_config.parent.mkdir(parents=True)
    env.docker_config.write_bytes(b'{"auths": {"\xff": {}}}')
    with pytest.raises(CredentialsError, match="not UTF-8"):
        env.store().lookup("ghcr.io")


def test_huge_auth_file(env: Env) -> None:
    env.docker_config.parent.mkdir(parents=True)
    env.docker_config.write_bytes(b" " * (5 * 1024 * 1024))
    with pytest.raises(CredentialsError, match="larger than"):
        env.store().lookup("ghcr.io")


def test_malformed_file_error_is_raised_even_for_other_registries(env: Env) -> None:
    # like docker: a broken file is reported, not silently half-used
    write_json(
        env.docker_config, {"auths": {"ghcr.io": {"auth": "%%%"}, "quay.io": {"auth": b64("u:p")}}}
    )
    with pytest.raises(CredentialsError):
        env.store().lookup("quay.io")


# --------------------------------------------------------------------------- registries()


def test_registries_lists_every_named_registry(env: Env, tmp_path: Path) -> None:
    write_json(
        env.docker_config,
        {
            "auths": {
                "https://index.docker.io/v1/": {},
                "docker.io": {"auth": b64("u:p")},
                "GHCR.io": {"auth": b64("u:p")},
                "http://localhost:5000/v2/": {},
                "https://": {},
                "not a host": {},
            },
            "credHelpers": {"gcr.io": "gcloud", "[::1]:5000": "pass"},
            "credsStore": "desktop",
        },
    )
    write_json(env.containers_auth, {"auths": {"quay.io": {"auth": b64("u:p")}, "ghcr.io": {}}})
    store = env.store(run_helper=Recorder())
    assert store.registries() == [
        "[::1]:5000",
        "docker.io",
        "gcr.io",
        "ghcr.io",
        "localhost:5000",
        "quay.io",
    ]


@pytest.mark.parametrize(
    ("key", "registry"),
    [("https://", None), ("", None), ("not a host", None), ("http://[::1]:5000/", "[::1]:5000")],
)
def test_registry_from_key(key: str, registry: str | None) -> None:
    assert registry_from_key(key) == registry


def test_sources_are_descriptions_without_secrets(env: Env, tmp_path: Path) -> None:
    outside = write_json(
        tmp_path / "elsewhere" / "auth.json",
        {"auths": {"ghcr.io": {"username": "u", "password": SECRET}}},
    )
    cred = env.store(auth_files=[outside]).lookup("ghcr.io")
    assert cred is not None
    assert cred.source == str(outside)
    assert_no_secret(cred.source, cred)
