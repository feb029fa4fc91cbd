"""``regview delete`` and the client's delete against real registries.

Each test pushes its own repository with skopeo into a registry of this module (delete
enabled, as tests/support/registry.py configures it; a second one with delete disabled
for the 405 case), deletes, and then checks what is left with skopeo and raw httpx
requests, never with regview itself.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import Static

from regview.registry import NotFound, RegistryClient, Settings
from regview.tui.app import RegviewApp, create_app
from regview.tui.screens.confirm_delete import ConfirmDeleteScreen
from tests.support import artifacts, images
from tests.support.cli import CliResult, Credentials, Regview, base_env
from tests.support.publish import (
    SKOPEO,
    HttpPusher,
    run_parallel,
    skopeo_copy_args,
    skopeo_env,
    skopeo_inspect,
)
from tests.support.registry import RegistryServer
from tests.support.terminal import Terminal
from tests.tui.helpers import screen_text, settle

pytestmark = pytest.mark.integration

ONE = images.small_image("delete-one")
TWO = images.small_image("delete-two")
# An image with what refers to it (tests/fixtures/artifacts): an SPDX SBOM and an in-toto
# attestation listed by the referrers tag schema, a cosign signature under its .sig tag.
SIGNED = images.small_image("delete-signed")
BY_SIGNED = artifacts.build(SIGNED)
SCHEMA_TAG = "sha256-" + SIGNED.digest.removeprefix("sha256:")
INDEX = images.oci_index("delete-index")
# A signature of the SBOM, under cosign's tag for the SBOM's digest: a referrer's referrer.
SBOM_SIGNATURE = images.signature_artifact(BY_SIGNED["spdx"])
SBOM_SIG_TAG = "sha256-" + BY_SIGNED["spdx"].digest.removeprefix("sha256:") + ".sig"
MANIFEST_ACCEPT = ", ".join(
    [
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    ]
)
_repos = itertools.count(1)


class DeleteDisabledRegistry(RegistryServer):
    """distribution with ``storage.delete.enabled: false``: DELETE answers 405."""

    def config(self) -> dict[str, Any]:
        cfg = super().config()
        cfg["storage"]["delete"] = {"enabled": False}
        return cfg


@pytest.fixture(scope="module")
def delete_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryServer]:
    with RegistryServer(tmp_path_factory.mktemp("registry-delete"), name="delete registry") as s:
        yield s


@pytest.fixture(scope="module")
def refusing_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryServer]:
    workdir = tmp_path_factory.mktemp("registry-no-delete")
    with DeleteDisabledRegistry(workdir, name="delete-disabled registry") as server:
        yield server


@pytest.fixture(scope="module")
def layout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tagged = {"one": ONE, "two": TWO, "signed": SIGNED, "index": INDEX}
    tagged |= {name: m for name, m in BY_SIGNED.items() if name != "cyclonedx"}
    tagged["sbom-signature"] = SBOM_SIGNATURE
    return images.write_layout(tmp_path_factory.mktemp("delete-layout"), tagged)


def publish(server: RegistryServer, layout: Path, tagged: Mapping[str, str]) -> str:
    """A new repository holding ``tag -> "one" | "two"``, pushed with skopeo."""
    repo = f"delete/repo-{next(_repos)}"
    run_parallel(
        [
            skopeo_copy_args(f"oci:{layout}:{image}", server.ref(repo, tag))
            for tag, image in tagged.items()
        ]
    )
    return repo


def publish_signed(server: RegistryServer, layout: Path) -> str:
    """A new repository: SIGNED as ``latest`` and ``v1``, the SBOM and the attestation by
    digest plus the ``sha256-<hex>`` index listing them (as oras does on a registry
    without the referrers API), the signature as ``sha256-<hex>.sig`` (as cosign does)."""
    repo = publish(server, layout, {"latest": "signed", "v1": "signed"})
    run_parallel(
        [
            skopeo_copy_args(f"oci:{layout}:spdx", server.ref(repo, BY_SIGNED["spdx"].digest)),
            skopeo_copy_args(
                f"oci:{layout}:attestation", server.ref(repo, BY_SIGNED["attestation"].digest)
            ),
            skopeo_copy_args(f"oci:{layout}:signature", server.ref(repo, SCHEMA_TAG + ".sig")),
        ]
    )
    index = images.referrers_index(SIGNED, [BY_SIGNED["spdx"], BY_SIGNED["attestation"]])
    with HttpPusher(server.url) as pusher:
        pusher.put_manifest(repo, SCHEMA_TAG, index.raw, index.media_type)
    return repo


def skopeo_tags(server: RegistryServer, repo: str) -> list[str]:
    """``skopeo list-tags``: [] for a repository whose tags are all gone."""
    proc = subprocess.run(
        [SKOPEO, "list-tags", "--tls-verify=false", f"docker://{server.ref(repo)}"],
        capture_output=True,
        env=skopeo_env(),
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    if proc.returncode != 0:
        assert b"unknown" in proc.stderr.lower() or b"not found" in proc.stderr.lower(), proc
        return []
    return sorted(json.loads(proc.stdout)["Tags"] or [])


def manifest_status(server: RegistryServer, repo: str, reference: str) -> int:
    """The status of a raw ``GET /v2/REPO/manifests/REF``."""
    r = server.client.get(f"/v2/{repo}/manifests/{reference}", headers={"Accept": MANIFEST_ACCEPT})
    return r.status_code


def failed_after_the_plan(result: CliResult) -> str:
    """A clean failure once the plan was shown: no traceback, the error its last line,
    after at most the plan's two lines. Returns the error line."""
    assert result.returncode != 0, result.describe()
    assert "Traceback" not in result.stderr, result.describe()
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert 1 <= len(lines) <= 3, result.describe()
    assert lines[-1].startswith("regview: "), result.describe()
    return lines[-1]


def deletes_sent(server: RegistryServer, mark: int) -> list[str]:
    return [e.path for e in server.requests_since(mark) if e.method == "DELETE"]


# --------------------------------------------------------------------------- the CLI


def test_delete_a_tag_deletes_its_digest_and_the_tags_on_it(
    regview: Regview, delete_registry: RegistryServer, layout: Path
) -> None:
    repo = publish(delete_registry, layout, {"a": "one", "b": "one", "c": "two"})
    mark = delete_registry.mark()
    result = regview("delete", "--yes", "--json", delete_registry.ref(repo, "a")).ok()
    doc = result.json()
    assert doc["digest"] == ONE.digest
    assert doc["tags"] == ["a", "b"]
    assert doc["otherTags"] == ["b"]
    assert doc["deleted"] is True
    assert "b" in result.stderr  # said before deleting which other tag goes
    # By digest, never by tag, and once.
    assert deletes_sent(delete_registry, mark) == [f"/v2/{repo}/manifests/{ONE.digest}"]
    assert skopeo_tags(delete_registry, repo) == ["c"]
    assert manifest_status(delete_registry, repo, ONE.digest) == 404
    assert manifest_status(delete_registry, repo, "b") == 404
    assert skopeo_inspect(delete_registry.ref(repo, "c")) == TWO.raw


def test_the_plan_heads_the_named_tag_reads_the_list_anew_and_caches_the_rest(
    regview: Regview, delete_registry: RegistryServer, layout: Path
) -> None:
    repo = publish(delete_registry, layout, {"a": "one", "b": "two"})
    regview("inspect", delete_registry.ref(repo, "a")).ok()  # a and its manifest cached
    regview("tags", delete_registry.ref(repo)).ok()
    # Behind regview's back, b now points at ONE too.
    run_parallel([skopeo_copy_args(f"oci:{layout}:one", delete_registry.ref(repo, "b"))])
    mark = delete_registry.mark()
    doc = regview("delete", "--dry-run", "--json", delete_registry.ref(repo, "a")).ok().json()
    assert doc["tags"] == ["a", "b"]
    assert doc["deleted"] is False
    sent = delete_registry.requests_since(mark)
    heads = sorted(e.path for e in sent if e.method == "HEAD")
    assert heads == [f"/v2/{repo}/manifests/a", f"/v2/{repo}/manifests/b"]
    for entry in sent:
        if entry.method == "HEAD":
            assert entry.status == 200
    assert not [e for e in sent if e.method == "DELETE"]
    assert skopeo_tags(delete_registry, repo) == ["a", "b"]
    # Asked again at once: b comes from the cache; a (named) and the list are asked anew,
    # and what refers to a: the referrers API (404 here), no tag (none is listed).
    mark = delete_registry.mark()
    again = regview("delete", "--dry-run", "--json", delete_registry.ref(repo, "a")).ok().json()
    assert again["tags"] == ["a", "b"]
    sent = delete_registry.requests_since(mark)
    assert [(e.method, e.path) for e in sent] == [
        ("HEAD", f"/v2/{repo}/manifests/a"),
        ("GET", f"/v2/{repo}/tags/list"),
        ("GET", f"/v2/{repo}/referrers/{ONE.digest}"),
    ]


def test_after_a_delete_the_cache_serves_neither_the_tags_nor_the_tag(
    regview: Regview, delete_registry: RegistryServer, layout: Path
) -> None:
    repo = publish(delete_registry, layout, {"a": "one", "b": "one", "c": "two"})
    # Fill the on-disk cache: the tag list, and a and b resolved (well inside tag_ttl).
    regview("tags", delete_registry.ref(repo)).ok()
    regview("inspect", delete_registry.ref(repo, "a"), delete_registry.ref(repo, "b")).ok()
    regview("delete", "--yes", delete_registry.ref(repo, "b")).ok()
    tags = regview("tags", "--json", delete_registry.ref(repo)).ok().json()["tags"]
    assert tags == ["c"]
    for tag in ("a", "b"):
        failed = regview("manifest", delete_registry.ref(repo, tag)).failed()
        assert "not found" in failed.stderr
    # The manifest itself may stay cached by digest (content-addressed).
    assert regview("manifest", delete_registry.ref(repo, "c")).ok().stdout == TWO.raw


def test_delete_by_digest(regview: Regview, delete_registry: RegistryServer, layout: Path) -> None:
    repo = publish(delete_registry, layout, {"a": "one", "x": "two", "y": "two"})
    mark = delete_registry.mark()
    result = regview("delete", "--yes", delete_registry.ref(repo, TWO.digest)).ok()
    assert "x, y" in result.stderr
    assert result.text.strip() == f"deleted {delete_registry.ref(repo, TWO.digest)}"
    assert deletes_sent(delete_registry, mark) == [f"/v2/{repo}/manifests/{TWO.digest}"]
    assert skopeo_tags(delete_registry, repo) == ["a"]


def test_without_a_terminal_or_yes_nothing_is_sent(
    regview: Regview, delete_registry: RegistryServer, layout: Path
) -> None:
    repo = publish(delete_registry, layout, {"a": "one"})
    mark = delete_registry.mark()
    # A session of its own: no controlling terminal (/dev/tty), whoever runs the tests.
    proc = subprocess.run(
        [sys.executable, "-m", "regview", "--plain-http", "delete", delete_registry.ref(repo, "a")],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env={**base_env(), **regview.env()},
        timeout=60,
        start_new_session=True,
    )
    result = CliResult(("delete",), proc.returncode, proc.stdout, proc.stderr.decode()).failed()
    assert result.returncode == 2
    assert "--yes" in result.stderr
    assert delete_registry.requests_since(mark) == []
    assert skopeo_tags(delete_registry, repo) == ["a"]


def test_a_missing_tag_is_one_line(
    regview: Regview, delete_registry: RegistryServer, layout: Path
) -> None:
    repo = publish(delete_registry, layout, {"a": "one"})
    mark = delete_registry.mark()
    result = regview("delete", "--yes", delete_registry.ref(repo, "nope")).failed()
    assert result.returncode == 1
    assert "not found" in result.stderr
    assert deletes_sent(delete_registry, mark) == []
    assert skopeo_tags(delete_registry, repo) == ["a"]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("127.0.0.1:5/acme/app", "name the tag or digest"),
        ("127.0.0.1:5/acme/app:t@" + ONE.digest, "both a tag and a digest"),
        ("oci:/nonexistent", "read-only"),
    ],
)
def test_what_cannot_be_deleted_is_a_usage_error(regview: Regview, text: str, why: str) -> None:
    result = regview("delete", "--yes", text).failed()
    assert result.returncode == 2
    assert why in result.stderr


def test_a_registry_with_delete_disabled_says_so(
    regview: Regview, refusing_registry: RegistryServer, layout: Path
) -> None:
    repo = publish(refusing_registry, layout, {"a": "one", "b": "one"})
    result = regview("delete", "--yes", refusing_registry.ref(repo, "a"))
    error = failed_after_the_plan(result)
    assert result.returncode == 1
    assert "does not allow deleting" in error
    assert "405" in error
    assert skopeo_tags(refusing_registry, repo) == ["a", "b"]
    assert skopeo_inspect(refusing_registry.ref(repo, "a")) == ONE.raw


def test_a_user_without_delete_rights_is_told(
    regview: Regview, token_registry: RegistryServer, token_credentials: Credentials
) -> None:
    """The token server grants pull and push, never delete: the registry answers 401."""
    ref = token_registry.ref("public/oci-image", "latest")
    before = skopeo_inspect(ref, creds=token_credentials.pair)
    result = regview(
        "-u",
        token_credentials.username,
        "--password-stdin",
        "delete",
        "--yes",
        ref,
        input=token_credentials.password + "\n",
    )
    error = failed_after_the_plan(result)
    assert result.returncode == 1
    assert f"does not let {token_credentials.username} delete" in error
    assert token_credentials.password not in result.stderr
    anonymous = failed_after_the_plan(regview("delete", "--yes", ref))
    assert "wants credentials to delete" in anonymous
    assert skopeo_inspect(ref, creds=token_credentials.pair) == before


# --------------------------------------------------------------------------- what stays

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def _short(digest: str) -> str:
    return digest[: len("sha256:") + 12] + "…"


SHORT_SCHEMA_TAG = SCHEMA_TAG[: len("sha256-") + 12] + "…"
SIGNED_REFERRERS = [
    {
        "digest": BY_SIGNED["spdx"].digest,
        "mediaType": OCI_MANIFEST,
        "artifactType": "application/spdx+json",
        "foundBy": "referrers-tag",
        "tag": SCHEMA_TAG,
    },
    {
        "digest": BY_SIGNED["attestation"].digest,
        "mediaType": OCI_MANIFEST,
        "artifactType": "application/vnd.in-toto+json",
        "foundBy": "referrers-tag",
        "tag": SCHEMA_TAG,
    },
    {
        # cosign's .sig tag names a simple-signing signature, whatever the manifest says.
        "digest": BY_SIGNED["signature"].digest,
        "mediaType": OCI_MANIFEST,
        "artifactType": "application/vnd.dev.cosign.simplesigning.v1+json",
        "foundBy": "cosign-tag",
        "tag": SCHEMA_TAG + ".sig",
    },
]
SIGNED_LINE = (
    f"3 artifacts refer to {_short(SIGNED.digest)} and will be left without their image: "
    f"an SPDX SBOM (referrer {_short(BY_SIGNED['spdx'].digest)}, listed in tag "
    f"{SHORT_SCHEMA_TAG}), an in-toto attestation (referrer "
    f"{_short(BY_SIGNED['attestation'].digest)}, listed in tag {SHORT_SCHEMA_TAG}), "
    f"a cosign signature (tag {SHORT_SCHEMA_TAG}.sig)"
)


def test_the_plan_names_what_refers_to_the_image_and_the_delete_leaves_it(
    regview: Regview, delete_registry: RegistryServer, layout: Path
) -> None:
    repo = publish_signed(delete_registry, layout)
    mark = delete_registry.mark()
    dry = regview("delete", "--dry-run", "--json", delete_registry.ref(repo, "latest")).ok()
    doc = dry.json()
    assert (doc["digest"], doc["tags"]) == (SIGNED.digest, ["latest", "v1"])
    assert doc["referrers"] == SIGNED_REFERRERS
    assert doc["referrersError"] is None
    assert doc["childManifests"] == []
    assert SIGNED_LINE in dry.stderr.splitlines()
    assert f"tag {SHORT_SCHEMA_TAG} stays, listing the referrers of a deleted image" in dry.stderr
    # distribution 2.8 has no referrers API: it answered 404, and the tag schema was read.
    api = [e for e in delete_registry.requests_since(mark) if "/referrers/" in e.path]
    assert [(e.method, e.path, e.status) for e in api] == [
        ("GET", f"/v2/{repo}/referrers/{SIGNED.digest}", 404)
    ]
    assert deletes_sent(delete_registry, mark) == []

    mark = delete_registry.mark()
    done = regview("delete", "--yes", "--json", delete_registry.ref(repo, "latest")).ok().json()
    assert done["deleted"] is True
    assert done["referrers"] == SIGNED_REFERRERS
    # Only the image: its referrers are not deleted with it, nor the tags that hold them.
    assert deletes_sent(delete_registry, mark) == [f"/v2/{repo}/manifests/{SIGNED.digest}"]
    for gone in (SIGNED.digest, "latest", "v1"):
        assert manifest_status(delete_registry, repo, gone) == 404
    for name in ("spdx", "attestation", "signature"):
        assert manifest_status(delete_registry, repo, BY_SIGNED[name].digest) == 200
    assert skopeo_tags(delete_registry, repo) == [SCHEMA_TAG, SCHEMA_TAG + ".sig"]
    left = delete_registry.client.get(
        f"/v2/{repo}/manifests/{SCHEMA_TAG}", headers={"Accept": MANIFEST_ACCEPT}
    ).json()
    assert [m["digest"] for m in left["manifests"]] == [
        BY_SIGNED["spdx"].digest,
        BY_SIGNED["attestation"].digest,
    ]


def test_an_image_nothing_refers_to_says_nothing_more(
    regview: Regview, delete_registry: RegistryServer, layout: Path
) -> None:
    repo = publish(delete_registry, layout, {"a": "one"})
    result = regview("delete", "--dry-run", "--json", delete_registry.ref(repo, "a")).ok()
    assert result.json()["referrers"] == []
    assert "refer" not in result.stderr
    assert len([line for line in result.stderr.splitlines() if line.strip()]) == 2


def test_deleting_an_index_says_its_children_stay_and_they_do(
    regview: Regview, delete_registry: RegistryServer, layout: Path
) -> None:
    repo = publish(delete_registry, layout, {"multi": "index"})
    amd64, arm64, att_amd64, att_arm64 = INDEX.children
    dry = regview("delete", "--dry-run", "--json", delete_registry.ref(repo, "multi")).ok()
    assert dry.json()["childManifests"] == [
        {"digest": amd64.digest, "mediaType": OCI_MANIFEST, "platform": "linux/amd64"},
        {"digest": arm64.digest, "mediaType": OCI_MANIFEST, "platform": "linux/arm64/v8"},
        {"digest": att_amd64.digest, "mediaType": OCI_MANIFEST, "platform": "unknown/unknown"},
        {"digest": att_arm64.digest, "mediaType": OCI_MANIFEST, "platform": "unknown/unknown"},
    ]
    assert (
        "only the index is deleted: its 4 child manifests stay: "
        f"linux/amd64 ({_short(amd64.digest)}), linux/arm64/v8 ({_short(arm64.digest)}), "
        f"an attestation ({_short(att_amd64.digest)}), an attestation ({_short(att_arm64.digest)})"
    ) in dry.stderr.splitlines()
    mark = delete_registry.mark()
    regview("delete", "--yes", delete_registry.ref(repo, "multi")).ok()
    assert deletes_sent(delete_registry, mark) == [f"/v2/{repo}/manifests/{INDEX.digest}"]
    assert manifest_status(delete_registry, repo, INDEX.digest) == 404
    for child in INDEX.children:
        assert manifest_status(delete_registry, repo, child.digest) == 200


# --------------------------------------------------------------------------- the question


def _in_terminal(regview: Regview, ref: str, answer: str) -> tuple[int, str]:
    argv = f"{sys.executable} -m regview --plain-http delete {ref}"
    with Terminal(argv, {**base_env(), **regview.env()}, columns=200, rows=30) as term:
        term.read_until("[y/N]")
        term.send(answer + "\r")
        status = term.wait()
    return status, term.text


def test_asks_on_the_terminal_and_no_keeps_everything(
    regview: Regview, delete_registry: RegistryServer, layout: Path
) -> None:
    repo = publish(delete_registry, layout, {"a": "one", "b": "one"})
    status, text = _in_terminal(regview, delete_registry.ref(repo, "a"), "n")
    assert status == 1
    assert ONE.digest in text
    assert "deleted with it (1): b" in text
    assert "nothing deleted" in text
    assert skopeo_tags(delete_registry, repo) == ["a", "b"]


def test_asks_on_the_terminal_and_yes_deletes(
    regview: Regview, delete_registry: RegistryServer, layout: Path
) -> None:
    repo = publish(delete_registry, layout, {"a": "one", "b": "one", "c": "two"})
    status, text = _in_terminal(regview, delete_registry.ref(repo, "a"), "y")
    assert status == 0, text
    assert "Delete this manifest and its 2 tags?" in text
    assert skopeo_tags(delete_registry, repo) == ["c"]


def test_the_question_says_how_many_artifacts_are_left_without_their_image(
    regview: Regview, delete_registry: RegistryServer, layout: Path
) -> None:
    repo = publish_signed(delete_registry, layout)
    status, text = _in_terminal(regview, delete_registry.ref(repo, "v1"), "n")
    assert status == 1
    assert "Delete this manifest and its 2 tags, leaving 3 artifacts without their image?" in text
    assert skopeo_tags(delete_registry, repo) == ["latest", SCHEMA_TAG, SCHEMA_TAG + ".sig", "v1"]


# --------------------------------------------------------------------------- the client


def test_the_client_forgets_the_deleted_tags(
    delete_registry: RegistryServer, layout: Path, tmp_path: Path
) -> None:
    repo = publish(delete_registry, layout, {"a": "one", "b": "one", "c": "two"})

    async def run() -> None:
        settings = Settings(cache_dir=tmp_path / "cache", plain_http=True)
        async with RegistryClient(delete_registry.host, settings=settings) as client:
            assert (await client.resolve(repo, "b")).digest == ONE.digest  # cached now
            plan = await client.plan_delete(repo, "a")
            assert (plan.digest, plan.tags, plan.other_tags) == (ONE.digest, ("a", "b"), ("b",))
            await client.delete(plan)
            with pytest.raises(NotFound):
                await client.resolve(repo, "b")
            listed = [t async for page in client.tags(repo) for t in page]
            assert listed == ["c"]
            again = await client.plan_delete(repo, "c")
            assert again.tags == ("c",)

    asyncio.run(run())
    r = httpx.get(f"{delete_registry.url}/v2/{repo}/tags/list", trust_env=False)
    assert r.json()["tags"] == ["c"]


# --------------------------------------------------------------------------- the explorer


def _explorer(
    server: RegistryServer, tmp_path: Path, repo: str, *, allow_delete: bool
) -> RegviewApp:
    settings = Settings(cache_dir=tmp_path / "cache", keymap_path=tmp_path / "no-keys.toml")
    client = RegistryClient(server.host, settings=settings)
    return create_app(client, settings=settings, repository=repo, allow_delete=allow_delete)


async def _on_tag(pilot: Pilot[int], app: RegviewApp, tag: str) -> None:
    await settle(pilot)
    tags = list(app.main.tags.list.items)
    app.main.tags.list.move_cursor(tags.index(tag))
    await settle(pilot)


async def test_the_explorer_deletes_only_when_allowed_and_after_asking(
    delete_registry: RegistryServer, layout: Path, tmp_path: Path
) -> None:
    repo = publish(delete_registry, layout, {"a": "one", "b": "one", "c": "two"})
    app = _explorer(delete_registry, tmp_path, repo, allow_delete=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await _on_tag(pilot, app, "a")
        mark = delete_registry.mark()
        await pilot.press("D")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmDeleteScreen)
        assert delete_registry.requests_since(mark) == []  # not even a plan

    app = _explorer(delete_registry, tmp_path, repo, allow_delete=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await _on_tag(pilot, app, "a")
        await pilot.press("D")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDeleteScreen)
        text = screen_text(app)
        assert ONE.digest in text
        assert "These 2 tags" in text and "a, b" in text
        await pilot.press("n")  # keep it
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmDeleteScreen)
        assert skopeo_tags(delete_registry, repo) == ["a", "b", "c"]

        await pilot.press("D")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDeleteScreen)
        mark = delete_registry.mark()
        await pilot.press("y")
        await settle(pilot, rounds=4)
        assert deletes_sent(delete_registry, mark) == [f"/v2/{repo}/manifests/{ONE.digest}"]
        assert list(app.main.tags.list.items) == ["c"]  # the tags pane refreshed
    assert skopeo_tags(delete_registry, repo) == ["c"]


async def test_the_explorer_question_names_what_refers_to_the_image(
    delete_registry: RegistryServer, layout: Path, tmp_path: Path
) -> None:
    repo = publish_signed(delete_registry, layout)
    app = _explorer(delete_registry, tmp_path, repo, allow_delete=True)
    async with app.run_test(size=(160, 50)) as pilot:
        await _on_tag(pilot, app, "latest")
        await pilot.press("D")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDeleteScreen)
        shown = app.screen.query_one("#delete-text", Static).content
        assert isinstance(shown, Text)
        assert SIGNED_LINE in shown.plain.splitlines()
        assert "3 artifacts refer to" in screen_text(app)  # on the screen, not only in it
        mark = delete_registry.mark()
        await pilot.press("y")
        await settle(pilot, rounds=4)
        assert deletes_sent(delete_registry, mark) == [f"/v2/{repo}/manifests/{SIGNED.digest}"]
    for name in ("spdx", "attestation", "signature"):
        assert manifest_status(delete_registry, repo, BY_SIGNED[name].digest) == 200


async def test_the_explorer_tells_when_the_registry_refuses(
    refusing_registry: RegistryServer, layout: Path, tmp_path: Path
) -> None:
    repo = publish(refusing_registry, layout, {"a": "one"})
    app = _explorer(refusing_registry, tmp_path, repo, allow_delete=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await _on_tag(pilot, app, "a")
        await pilot.press("D")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot, rounds=4)
        messages = [n.message for n in app._notifications]
        assert any("does not allow deleting" in m for m in messages), messages
        assert list(app.main.tags.list.items) == ["a"]
    assert skopeo_tags(refusing_registry, repo) == ["a"]


def test_a_manifest_deleted_meanwhile_is_a_one_line_not_found(
    delete_registry: RegistryServer, layout: Path, tmp_path: Path
) -> None:
    repo = publish(delete_registry, layout, {"a": "one", "b": "two"})

    async def run() -> str:
        settings = Settings(cache_dir=tmp_path / "cache", plain_http=True)
        async with RegistryClient(delete_registry.host, settings=settings) as client:
            plan = await client.plan_delete(repo, "a")
            # Someone else deletes it between the question and the answer.
            gone = delete_registry.client.delete(f"/v2/{repo}/manifests/{ONE.digest}")
            assert gone.status_code == 202
            with pytest.raises(NotFound) as caught:
                await client.delete(plan)
            with pytest.raises(NotFound):
                await client.resolve(repo, "a")  # not served from the cache either
            return str(caught.value)

    message = asyncio.run(run())
    assert "deleted already?" in message and "\n" not in message
    assert skopeo_tags(delete_registry, repo) == ["b"]


# --------------------------------------------------------------------------- --with-referrers


def _referrers_step(
    name: str,
    role: str,
    subject: str,
    depth: int,
    tags: list[str],
    artifact_type: str | None,
    digest: str | None = None,
) -> dict[str, Any]:
    return {
        "digest": digest if digest is not None else BY_SIGNED[name].digest,
        "mediaType": "application/vnd.oci.image.index.v1+json"
        if role == "referrers-index"
        else OCI_MANIFEST,
        "role": role,
        "artifactType": artifact_type,
        "subject": subject,
        "depth": depth,
        "tags": tags,
    }


def publish_signed_twice(server: RegistryServer, layout: Path) -> str:
    """:func:`publish_signed`, plus a cosign signature of the SBOM, and another image."""
    repo = publish_signed(server, layout)
    run_parallel(
        [
            skopeo_copy_args(f"oci:{layout}:sbom-signature", server.ref(repo, SBOM_SIG_TAG)),
            skopeo_copy_args(f"oci:{layout}:two", server.ref(repo, "other")),
        ]
    )
    return repo


def signed_deletes() -> list[dict[str, Any]]:
    """What --with-referrers deletes for SIGNED, in order, written out by hand: the SBOM's
    signature before the SBOM, every referrer before the sha256-<hex> index listing two of
    them, the image last."""
    index = images.referrers_index(SIGNED, [BY_SIGNED["spdx"], BY_SIGNED["attestation"]])
    return [
        _referrers_step(
            "",
            "referrer",
            BY_SIGNED["spdx"].digest,
            2,
            [SBOM_SIG_TAG],
            "application/vnd.dev.cosign.simplesigning.v1+json",
            digest=SBOM_SIGNATURE.digest,
        ),
        _referrers_step("spdx", "referrer", SIGNED.digest, 1, [], "application/spdx+json"),
        _referrers_step(
            "attestation", "referrer", SIGNED.digest, 1, [], "application/vnd.in-toto+json"
        ),
        _referrers_step(
            "signature",
            "referrer",
            SIGNED.digest,
            1,
            [SCHEMA_TAG + ".sig"],
            "application/vnd.dev.cosign.simplesigning.v1+json",
        ),
        _referrers_step(
            "", "referrers-index", SIGNED.digest, 1, [SCHEMA_TAG], None, digest=index.digest
        ),
        {
            "digest": SIGNED.digest,
            "mediaType": OCI_MANIFEST,
            "role": "image",
            "artifactType": None,
            "subject": None,
            "depth": 0,
            "tags": ["latest", "v1"],
        },
    ]


def test_with_referrers_deletes_them_first_in_order_and_then_the_image(
    regview: Regview, delete_registry: RegistryServer, layout: Path
) -> None:
    repo = publish_signed_twice(delete_registry, layout)
    expected = signed_deletes()
    ref = delete_registry.ref(repo, "latest")
    mark = delete_registry.mark()
    dry = regview("delete", "--dry-run", "--json", "--with-referrers", ref).ok()
    doc = dry.json()
    assert doc["withReferrers"] is True
    assert doc["deletes"] == expected
    assert doc["deleted"] is False and doc["deletedDigests"] == []
    assert "with its referrers, 6 manifests are deleted, in this order:" in dry.stderr
    numbered = [line.strip() for line in dry.stderr.splitlines() if line.startswith("  ")]
    assert [line.split(".")[0] for line in numbered] == ["1", "2", "3", "4", "5", "6"]
    assert numbered[0].startswith(f"1. a cosign signature {_short(SBOM_SIGNATURE.digest)} (tag ")
    assert numbered[4].startswith(f"5. the referrers index {_short(expected[4]['digest'])}")
    assert numbered[5] == f"6. the manifest itself, {_short(SIGNED.digest)} (tags latest, v1)"
    assert "left without their image" not in dry.stderr
    assert deletes_sent(delete_registry, mark) == []
    assert skopeo_tags(delete_registry, repo) == sorted(
        ["latest", "v1", "other", SCHEMA_TAG, SCHEMA_TAG + ".sig", SBOM_SIG_TAG]
    )

    mark = delete_registry.mark()
    done = regview("delete", "--yes", "--json", "--with-referrers", ref).ok().json()
    assert done["deleted"] is True
    assert done["deletedDigests"] == [step["digest"] for step in expected]
    assert deletes_sent(delete_registry, mark) == [
        f"/v2/{repo}/manifests/{step['digest']}" for step in expected
    ]
    # What is left, asked of the registry itself: the other image, and nothing else.
    assert skopeo_tags(delete_registry, repo) == ["other"]
    for step in expected:
        assert manifest_status(delete_registry, repo, step["digest"]) == 404
    assert skopeo_inspect(delete_registry.ref(repo, "other")) == TWO.raw


def test_with_referrers_the_question_counts_them_and_no_keeps_all(
    regview: Regview, delete_registry: RegistryServer, layout: Path
) -> None:
    repo = publish_signed_twice(delete_registry, layout)
    argv = (
        f"{sys.executable} -m regview --plain-http delete --with-referrers "
        f"{delete_registry.ref(repo, 'v1')}"
    )
    with Terminal(argv, {**base_env(), **regview.env()}, columns=300, rows=40) as term:
        term.read_until("[y/N]")
        term.send("n\r")
        status = term.wait()
    assert status == 1
    text = " ".join(term.text.split())
    assert (
        "Delete this manifest and its 2 tags, and first the 5 manifests of its referrers?" in text
    )
    assert "nothing deleted" in text
    assert skopeo_tags(delete_registry, repo) == sorted(
        ["latest", "v1", "other", SCHEMA_TAG, SCHEMA_TAG + ".sig", SBOM_SIG_TAG]
    )


def test_with_referrers_a_refused_delete_says_nothing_went(
    regview: Regview, refusing_registry: RegistryServer, layout: Path
) -> None:
    repo = publish_signed_twice(refusing_registry, layout)
    result = regview("delete", "--yes", "--with-referrers", refusing_registry.ref(repo, "v1"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("regview: ")]
    assert len(errors) == 3, result.describe()
    assert "does not allow deleting" in errors[0] and "405" in errors[0]
    assert errors[1] == "regview: deleted (0 of 6): nothing"
    assert errors[2].startswith(f"regview: not deleted (6 of 6): {SBOM_SIGNATURE.digest} = ")
    for step in signed_deletes():
        assert step["digest"] in errors[2]
        assert manifest_status(refusing_registry, repo, step["digest"]) == 200


def test_the_client_deletes_with_referrers_through_the_plan(
    delete_registry: RegistryServer, layout: Path, tmp_path: Path
) -> None:
    repo = publish_signed_twice(delete_registry, layout)

    async def run() -> None:
        settings = Settings(cache_dir=tmp_path / "cache", plain_http=True)
        async with RegistryClient(delete_registry.host, settings=settings) as client:
            plan = await client.plan_delete(repo, "latest")
            await client.delete(plan.including_referrers())

    asyncio.run(run())
    assert skopeo_tags(delete_registry, repo) == ["other"]
    assert manifest_status(delete_registry, repo, SBOM_SIGNATURE.digest) == 404


# --------------------------------------------------------------------------- indexes that list it


def test_deleting_a_child_by_digest_names_the_index_that_lists_it(
    regview: Regview, delete_registry: RegistryServer, layout: Path
) -> None:
    repo = publish(delete_registry, layout, {"multi": "index", "also": "index", "a": "one"})
    amd64 = INDEX.children[0]
    ref = delete_registry.ref(repo, amd64.digest)
    dry = regview("delete", "--dry-run", "--json", ref).ok()
    doc = dry.json()
    assert doc["listedBy"] == [
        {
            "digest": INDEX.digest,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "tags": ["also", "multi"],
        }
    ]
    assert (doc["listedByUnchecked"], doc["listedByError"]) == (0, None)
    assert doc["tags"] == []
    assert (
        f"listed by the index tagged also, multi ({_short(INDEX.digest)}): "
        "that index will point at a missing manifest"
    ) in dry.stderr.splitlines()
    # An image no index lists says nothing of it.
    plain = regview("delete", "--dry-run", "--json", delete_registry.ref(repo, "a")).ok()
    assert plain.json()["listedBy"] == [] and "listed by" not in plain.stderr

    regview("delete", "--yes", ref).ok()
    assert manifest_status(delete_registry, repo, amd64.digest) == 404
    left = delete_registry.client.get(
        f"/v2/{repo}/manifests/multi", headers={"Accept": MANIFEST_ACCEPT}
    )
    assert left.status_code == 200
    assert amd64.digest in [m["digest"] for m in left.json()["manifests"]]  # now dangling


def test_the_question_says_an_index_will_point_at_a_missing_manifest(
    regview: Regview, delete_registry: RegistryServer, layout: Path
) -> None:
    repo = publish(delete_registry, layout, {"multi": "index"})
    arm64 = INDEX.children[1]
    status, text = _in_terminal(regview, delete_registry.ref(repo, arm64.digest), "n")
    assert status == 1
    flat = " ".join(text.split())
    assert f"listed by the index tagged multi ({_short(INDEX.digest)})" in flat
    assert (
        "Delete this untagged manifest, leaving 1 index that lists it pointing at a missing "
        "manifest?"
    ) in flat
    assert manifest_status(delete_registry, repo, arm64.digest) == 200


async def test_the_explorer_deletes_with_the_referrers_on_r(
    delete_registry: RegistryServer, layout: Path, tmp_path: Path
) -> None:
    repo = publish_signed_twice(delete_registry, layout)
    expected = [step["digest"] for step in signed_deletes()]
    app = _explorer(delete_registry, tmp_path, repo, allow_delete=True)
    async with app.run_test(size=(160, 60)) as pilot:
        await _on_tag(pilot, app, "latest")
        await pilot.press("D")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDeleteScreen)
        shown = app.screen.query_one("#delete-text", Static).content
        assert isinstance(shown, Text)
        lines = shown.plain.splitlines()
        assert "r deletes these 6 manifests instead, in this order:" in lines
        assert f"1. a cosign signature {_short(SBOM_SIGNATURE.digest)} (tag " in shown.plain
        assert "r with its 5 referrer manifests" in screen_text(app)
        mark = delete_registry.mark()
        await pilot.press("r")
        await settle(pilot, rounds=4)
        assert deletes_sent(delete_registry, mark) == [
            f"/v2/{repo}/manifests/{digest}" for digest in expected
        ]
        assert list(app.main.tags.list.items) == ["other"]  # the tags pane refreshed
    assert skopeo_tags(delete_registry, repo) == ["other"]


async def test_the_explorer_offers_no_r_when_nothing_refers_to_it(
    delete_registry: RegistryServer, layout: Path, tmp_path: Path
) -> None:
    repo = publish(delete_registry, layout, {"a": "one"})
    app = _explorer(delete_registry, tmp_path, repo, allow_delete=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await _on_tag(pilot, app, "a")
        await pilot.press("D")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDeleteScreen)
        assert "r with its" not in screen_text(app)
        mark = delete_registry.mark()
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDeleteScreen)  # still asking
        assert deletes_sent(delete_registry, mark) == []
        await pilot.press("n")
        await settle(pilot)
    assert skopeo_tags(delete_registry, repo) == ["a"]
