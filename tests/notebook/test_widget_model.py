"""The explorer widget in this process (no kernel, no browser): what each click shows.

The widget is the real :class:`~regview.notebook.widget.Explorer`; a :class:`FrontEnd`
plays the browser (it keeps the rows it is sent and sends the messages a click sends).
The content is hand-made (``tests.support.images``: fixed bytes, known digests) in OCI
layouts, so every expected value comes from that data, not from the code under test.
"""

from __future__ import annotations

import asyncio
import gzip
import io
import json
import logging
import tarfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from regview.notebook import widget as widget_module
from regview.notebook.widget import Explorer, explore
from regview.registry import (
    Denied,
    FetchedManifest,
    NotFound,
    OciLayoutSource,
    RateLimit,
    Source,
    Stats,
)
from tests.notebook.widget_support import FrontEnd, label_text
from tests.support import images
from tests.support.images import Manifest


def short(digest: str) -> str:
    return digest.split(":", 1)[1][:12]


def human(n: int) -> str:
    """Decimal units, as written by hand: 512 B, 1.2 kB, 3.4 MB."""
    if n < 1000:
        return f"{n} B"
    if n < 1_000_000:
        return f"{n / 1000:.1f} kB"
    return f"{n / 1_000_000:.1f} MB"


class Content:
    """Hand-made images in a directory of OCI layouts (one repository per layout)."""

    def __init__(self, root: Path) -> None:
        self.kinds = images.build_all()
        k = self.kinds
        self.root = root
        index = {"latest": k.oci_index, "v1": k.oci_index}
        images.write_layout(root / "kinds" / "oci-index", index)
        images.write_layout(
            root / "kinds" / "oci-image",
            {"latest": k.oci_image, "sbom": k.sbom, "signature": k.signature},
        )
        images.write_layout(root / "kinds" / "docker-list", {"stable": k.docker_list})

    @property
    def target(self) -> str:
        return f"oci:{self.root}"


@pytest.fixture
def content(tmp_path: Path) -> Content:
    return Content(tmp_path / "layouts")


@pytest.fixture
def settings(tmp_path: Path) -> dict[str, Any]:
    return {"cache_dir": tmp_path / "cache", "state_dir": tmp_path / "state"}


async def opened(target: str, settings: dict[str, Any]) -> FrontEnd:
    front = FrontEnd(explore(target, **settings))
    await front.idle()
    return front


def amd64(index: Manifest) -> Manifest:
    return index.child("linux/amd64")


# --- repositories, tags, columns ----------------------------------------------------------------


async def test_repositories_then_tags_with_their_columns(
    content: Content, settings: dict[str, Any]
) -> None:
    front = await opened(content.target, settings)
    w = front.widget
    assert [r["n"] for r in front.rows("repos")] == [
        "kinds/docker-list",
        "kinds/oci-image",
        "kinds/oci-index",
    ]
    assert w.panes["repos"]["title"] == "Repositories (3)"
    assert w.source["local"] is True and w.error == ""

    await front.open_row("repos", "kinds/oci-index")
    rows = front.rows("tags")
    assert [r["n"] for r in rows] == ["latest", "v1"]
    index = content.kinds.oci_index
    image = amd64(index)  # an index's size and date are those of linux/amd64
    for row in rows:
        assert row["d"] == short(index.digest)
        assert row["p"] == "2"
        assert row["s"] == human(image.layers_size)
        assert row["c"] == "2024-03-01"
    assert w.panes["tags"]["title"] == "kinds/oci-index (2)"


async def test_an_index_tree_marks_attestations_and_shows_details(
    content: Content, settings: dict[str, Any]
) -> None:
    front = await opened(content.target, settings)
    await front.open_row("repos", "kinds/oci-index")
    await front.open_row("tags", "latest")
    index = content.kinds.oci_index
    rows = front.rows("tree")
    root = rows[0]
    assert root["role"] == "root" and root["open"] is True
    assert label_text(root) == f"latest  OCI index  2 platforms  {short(index.digest)}"
    platforms = [r for r in rows if r.get("role") == "platform"]
    assert [r["label"][0][0] for r in platforms] == ["linux/amd64", "linux/arm64/v8"]
    group = front.node(lambda r: r["kind"] == "group")
    assert group["label"] == [["attestations (2)", "yellow"]]

    # The index's details: its platforms, the attestations marked as such.
    blocks = front.widget.details["blocks"]
    table = next(b for b in blocks if b["t"] == "table" and b["title"] == "Platforms")
    names = [row[0] for row in table["rows"]]
    assert names == [
        "linux/amd64",
        "linux/arm64/v8",
        ["attestation", "yellow"],
        ["attestation", "yellow"],
    ]
    assert [row[3][0] for row in table["rows"]] == [short(c.digest) for c in index.children]

    await front.click({"type": "toggle", "node": group["id"]})
    attestations = [r for r in front.rows("tree") if r.get("role") == "attestation"]
    subjects = [short(c.digest) for c in index.images()]
    assert [label_text(r).split("  ")[1] for r in attestations] == [f"for {s}" for s in subjects]


async def test_image_details_map_history_to_layers(
    content: Content, settings: dict[str, Any]
) -> None:
    front = await opened(content.target, settings)
    await front.open_row("repos", "kinds/oci-index")
    await front.open_row("tags", "latest")
    image = amd64(content.kinds.oci_index)
    platform = front.node(lambda r: r.get("role") == "platform")
    await front.click({"type": "toggle", "node": platform["id"]})
    await front.click({"type": "select", "node": platform["id"]})
    blocks = front.widget.details["blocks"]
    head = next(b for b in blocks if b["t"] == "fields" and b["title"] == "Image")
    fields = {f["k"]: f for f in head["rows"]}
    assert fields["Digest"]["v"] == image.digest
    assert fields["Layers"]["v"] == "2"
    config = next(b for b in blocks if b["t"] == "fields" and b["title"] == "Config")
    cfg = {f["k"]: f for f in config["rows"]}
    env = image.config_json["config"]["Env"]
    assert cfg["Env"]["lines"] == env
    assert cfg["Entrypoint"]["v"] == "/bin/app --config /srv/app/config.json"
    assert ["org.opencontainers.image.version", "1.2.3"] in cfg["Labels"]["map"]
    history = next(b for b in blocks if b["t"] == "table" and b["title"] == "History")
    layer_cells = [row[1] for row in history["rows"]]
    # Steps 2, 3 and 5 are empty_layer; steps 1 and 4 made layers 1 and 2.
    assert layer_cells == [
        "layer 1",
        ["(empty)", "dim"],
        ["(empty)", "dim"],
        "layer 2",
        ["(empty)", "dim"],
    ]
    assert history["rows"][0][2] == [human(image.layers[0].size), "green"]
    assert history["rows"][3][2] == [human(image.layers[1].size), "green"]

    # The platform's children: its config, then its layers, with their sizes.
    kids = [r for r in front.rows("tree") if r["kind"] in ("config", "layer")]
    assert [label_text(r) for r in kids] == [
        f"config  OCI config  {human(image.config.size)}  {short(image.config.digest)}",
        *(
            f"layer {i}  OCI layer (gzip)  {human(b.size)}  {short(b.digest)}"
            for i, b in enumerate(image.layers, 1)
        ),
    ]


async def test_referrers_are_listed_under_the_image(
    content: Content, settings: dict[str, Any]
) -> None:
    front = await opened(content.target, settings)
    await front.open_row("repos", "kinds/oci-image")
    await front.open_row("tags", "latest")
    rows = front.rows("tree")
    group = front.node(lambda r: r["kind"] == "group")
    assert group["label"][0][0] == "referrers (2)"
    referrers = [r for r in rows if r.get("role") == "referrer"]
    kinds = sorted(r["label"][0][0] for r in referrers)
    assert kinds == ["sbom", "signature"]
    digests = {label_text(r).rsplit("  ", 1)[1] for r in referrers}
    assert digests == {short(content.kinds.sbom.digest), short(content.kinds.signature.digest)}


# --- files --------------------------------------------------------------------------------------


async def test_files_of_a_layer_then_the_merged_filesystem(
    content: Content, settings: dict[str, Any]
) -> None:
    front = await opened(content.target, settings)
    await front.open_row("repos", "kinds/oci-image")
    await front.open_row("tags", "latest")
    layer = front.node(lambda r: r["kind"] == "layer")
    await front.click({"type": "action", "node": layer["id"], "id": "files"})
    files = front.widget.files
    assert files["open"] is True and files["error"] == ""
    assert files["summary"].startswith("layer 1 of 2 · 2 files · ")
    assert [r["name"] for r in front.rows("files")] == ["bin", "etc"]
    etc = next(i for i, r in enumerate(front.rows("files")) if r["name"] == "etc")
    await front.click(
        {"type": "files", "op": "toggle", "row": etc, "version": front.version("files")}
    )
    release = next(r for r in front.rows("files") if r["name"] == "os-release")
    text = b'NAME="regview-test"\nID=regview\nARCH=linux/amd64\n'
    assert release["depth"] == 1 and release["size"] == f"{len(text)} B"
    assert release["mode"] == "-rw-r--r--" and release["owner"] == "0:0"

    await front.click({"type": "files", "op": "close"})
    assert front.widget.files == {"open": False}
    root = front.rows("tree")[0]
    await front.click({"type": "action", "node": root["id"], "id": "merged"})
    assert front.widget.files["merged"] is True
    top = front.rows("files")
    assert [r["name"] for r in top] == ["bin", "data", "etc", "srv"]
    layer_of = {r["name"]: r["layer"] for r in top}
    assert layer_of == {"bin": 1, "data": 2, "etc": 1, "srv": 2}

    await front.click({"type": "filter", "pane": "files", "query": "CONFIG"})
    await front.idle()
    assert [r["name"] for r in front.rows("files")] == ["srv/app/config.json"]
    assert front.widget.files["matches"] == 1


async def test_raw_json_is_the_manifest_as_served(
    content: Content, settings: dict[str, Any]
) -> None:
    front = await opened(content.target, settings)
    await front.open_row("repos", "kinds/oci-index")
    await front.open_row("tags", "latest")
    root = front.rows("tree")[0]
    await front.click({"type": "action", "node": root["id"], "id": "raw"})
    raw = front.of_type("raw")[-1]
    index = content.kinds.oci_index
    assert raw["bytes"] == len(index.raw)
    assert json.loads(raw["text"]) == json.loads(index.raw)
    assert raw["text"].startswith('{\n  "schemaVersion": 2,')


async def test_copy_buttons_copy_pinned_references(
    content: Content, settings: dict[str, Any]
) -> None:
    front = await opened(content.target, settings)
    await front.open_row("repos", "kinds/oci-index")
    await front.open_row("tags", "v1")
    host = f"oci:{content.root}"
    index = content.kinds.oci_index
    assert front.widget.selection["refs"] == {
        "tag": f"{host}/kinds/oci-index:v1",
        "digest": f"{host}/kinds/oci-index@{index.digest}",
    }
    assert front.widget.selection["crumbs"] == [host, "kinds/oci-index", "v1"]
    platform = front.node(lambda r: r.get("role") == "platform")
    await front.click({"type": "select", "node": platform["id"]})
    assert front.widget.selection["refs"]["digest"] == (
        f"{host}/kinds/oci-index@{amd64(index).digest}"
    )
    assert front.widget.selection["crumbs"][-1] == "linux/amd64"


# --- filters and windows ------------------------------------------------------------------------


async def test_filter_shows_substring_matches_before_fuzzy_ones(
    content: Content, settings: dict[str, Any]
) -> None:
    front = await opened(content.target, settings)
    await front.click({"type": "filter", "pane": "repos", "query": "dl"})
    # No name holds "dl"; "kinds/docker-list" holds d...l in order, so do the others.
    assert [r["n"] for r in front.rows("repos")] == ["kinds/docker-list"]
    await front.click({"type": "filter", "pane": "repos", "query": "image"})
    assert [r["n"] for r in front.rows("repos")] == ["kinds/oci-image"]
    await front.click({"type": "filter", "pane": "repos", "query": "INDE"})
    # The substring hit first, then the fuzzy ones (i, n, d, e in that order: "kinds" then
    # "docker", "image"), in catalog order.
    assert [r["n"] for r in front.rows("repos")] == [
        "kinds/oci-index",
        "kinds/docker-list",
        "kinds/oci-image",
    ]
    await front.click({"type": "filter", "pane": "repos", "query": ""})
    assert len(front.rows("repos")) == 3 and front.widget.panes["repos"]["query"] == ""


class ManyTags:
    """A layout source whose one repository has ``count`` tags, all the same image."""

    def __init__(self, inner: OciLayoutSource, repository: str, tag: str, count: int) -> None:
        self.inner = inner
        self.repository = repository
        self.tag = tag
        self.names = [f"build-{i}" for i in range(count)]
        self.manifest_calls = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def repositories(self, *, page_size: int | None = None) -> AsyncIterator[list[str]]:
        yield [self.repository]

    async def tags(self, repository: str) -> AsyncIterator[list[str]]:
        yield list(self.names)

    async def manifest(self, repository: str, reference: str) -> FetchedManifest:
        self.manifest_calls += 1
        ref = self.tag if reference.startswith("build-") else reference
        return await self.inner.manifest(repository, ref)


def use_source(w: Explorer, source: Source) -> None:
    w.controller.use_source(source)
    w.controller.load_repositories()


async def test_100000_tags_keep_the_state_small_and_read_only_the_window(
    content: Content, settings: dict[str, Any]
) -> None:
    layout = OciLayoutSource(content.root)
    many = ManyTags(layout, "kinds/oci-image", "latest", 100_000)
    front = FrontEnd(explore(None, **settings))
    use_source(front.widget, many)  # type: ignore[arg-type]
    await front.idle()
    await front.open_row("repos", "kinds/oci-image")
    w = front.widget
    assert w.panes["tags"]["length"] == 100_000
    state = json.dumps(w.get_state())
    assert len(state) < 2_000_000, len(state)
    assert "build-99999" not in state  # no tag name is synced state
    sent = front.rows("tags")
    assert 0 < len(sent) <= 100  # the first window, not the list
    # Natural order: build-0, build-1, build-2 ... (not build-0, build-1, build-10).
    assert [r["n"] for r in sent[:3]] == ["build-0", "build-1", "build-2"]
    # Columns were read for the window and its margin only.
    assert many.manifest_calls <= 60
    assert all("d" in r for r in sent[:40])

    # Scrolling to the middle asks for that window: those rows (and only those) come.
    await front.click({"type": "window", "pane": "tags", "start": 50_000, "stop": 50_030})
    middle = front.panes["tags"].rows
    by_number = sorted(many.names, key=lambda t: int(t.split("-")[1]))  # natural, by hand
    assert [middle[i]["n"] for i in range(50_000, 50_030)] == by_number[50_000:50_030]
    assert all("d" in middle[i] for i in range(50_000, 50_030))


# --- tasks: cancelled, failing, never lost ------------------------------------------------------


class Slow:
    """A layout source whose tag listing of ``slow/one`` never ends (until cancelled)."""

    def __init__(self, inner: OciLayoutSource) -> None:
        self.inner = inner
        self.cancelled = asyncio.Event()
        self.started = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def repositories(self, *, page_size: int | None = None) -> AsyncIterator[list[str]]:
        yield ["slow/one", "kinds/oci-index"]

    async def tags(self, repository: str) -> AsyncIterator[list[str]]:
        if repository == "slow/one":
            self.started.set()
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                self.cancelled.set()
                raise
        async for page in self.inner.tags(repository):
            yield page


async def test_a_new_click_cancels_the_load_it_replaces(
    content: Content, settings: dict[str, Any]
) -> None:
    slow = Slow(OciLayoutSource(content.root))
    front = FrontEnd(explore(None, **settings))
    use_source(front.widget, slow)  # type: ignore[arg-type]
    await front.idle()
    front.widget.click(
        {"type": "open", "pane": "repos", "row": 0, "version": front.version("repos")}
    )
    await asyncio.wait_for(slow.started.wait(), 10)
    assert front.widget.panes["tags"]["loading"] is True
    await front.open_row("repos", "kinds/oci-index")
    assert slow.cancelled.is_set()
    assert [r["n"] for r in front.rows("tags")] == ["latest", "v1"]
    assert front.widget.panes["tags"]["loading"] is False
    assert front.widget.error == "" and front.widget.controller.tasks.running == []


async def test_a_registry_error_is_its_one_line_message(
    content: Content, settings: dict[str, Any]
) -> None:
    front = await opened(content.target, settings)
    await front.open_row("repos", "kinds/oci-index")
    # What opening HOST/REPO:TAG does, with a tag that is not there.
    front.widget.controller.open_reference("kinds/oci-index", "no-such-tag")
    await front.idle()
    with pytest.raises(NotFound) as raised:
        await OciLayoutSource(content.root).manifest("kinds/oci-index", "no-such-tag")
    w = front.widget
    assert w.error == str(raised.value) and "\n" not in w.error
    assert w.panes["tree"]["error"] == w.error and w.panes["tree"]["empty"] == w.error
    assert w.panes["tree"]["loading"] is False and front.rows("tree") == []


class Broken:
    """A layout source whose manifests raise a bug (not a registry error)."""

    def __init__(self, inner: OciLayoutSource) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def manifest(self, repository: str, reference: str) -> FetchedManifest:
        raise ValueError("boom <b>")


async def test_an_unexpected_failure_says_internal_error_and_is_logged(
    content: Content, settings: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    front = FrontEnd(explore(None, **settings))
    use_source(front.widget, Broken(OciLayoutSource(content.root)))  # type: ignore[arg-type]
    await front.idle()
    await front.open_row("repos", "kinds/oci-index")
    with caplog.at_level(logging.ERROR, logger="regview.notebook"):
        await front.open_row("tags", "latest")
    assert front.widget.error == "internal error: ValueError: boom <b>"
    assert front.widget.panes["tree"]["error"] == front.widget.error
    failed = [r for r in caplog.records if r.name == "regview.notebook"]
    assert failed and failed[0].exc_info is not None


async def test_malformed_messages_are_ignored(
    content: Content, settings: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    front = await opened(content.target, settings)
    before = json.dumps(front.widget.get_state(), sort_keys=True)
    with caplog.at_level(logging.WARNING, logger="regview.notebook"):
        for message in (
            "not a dict",
            {"type": "no-such-type"},
            {"type": "window", "pane": "repos", "start": "0", "stop": 10},
            {"type": "window", "pane": "nope", "start": 0, "stop": 10},
            {"type": "open", "pane": "repos", "row": 0, "version": 10**9},
            {"type": "open", "pane": "repos", "row": True, "version": 1},
            {"type": "filter", "pane": "repos", "query": "x" * 10_000},
            {"type": "toggle", "node": "1"},
            {"type": "files", "op": "sort", "sort": "evil"},
        ):
            await front.click(message)  # type: ignore[arg-type]
    assert front.widget.error == ""
    assert json.dumps(front.widget.get_state(), sort_keys=True) == before
    assert sum("ignored" in r.getMessage() for r in caplog.records) >= 6


# --- the start list -----------------------------------------------------------------------------


async def test_no_target_offers_the_demo_and_the_recent_targets(
    content: Content, settings: dict[str, Any]
) -> None:
    state = settings["state_dir"]
    state.mkdir(parents=True)
    (state / "recent.json").write_text(json.dumps([content.target, "127.0.0.1:1/x"]))
    front = FrontEnd(explore(**settings))
    w = front.widget
    assert w.start["open"] is True
    assert [c["target"] for c in w.start["choices"]] == ["demo", content.target, "127.0.0.1:1/x"]
    await front.click({"type": "start", "index": 1})
    assert w.start["open"] is False
    assert front.rows("repos")[0]["n"] == "kinds/docker-list"


async def test_an_invalid_target_is_an_error_line_with_the_start_list(
    settings: dict[str, Any],
) -> None:
    front = FrontEnd(explore("Not A//Reference!!", **settings))
    await front.idle()
    assert front.widget.start["open"] is True
    assert front.widget.error and "\n" not in front.widget.error
    assert not front.widget.error.startswith("internal error")


def test_explore_outside_an_event_loop_says_where_to_call_it() -> None:
    with pytest.raises(RuntimeError, match="running event loop"):
        explore("demo")


def test_the_front_end_is_shipped_in_the_package() -> None:
    static = Path(widget_module.__file__).parent / "static"
    esm = Explorer._esm
    for part in widget_module.ESM_PARTS:
        assert (static / part).read_text() in esm
    assert esm.rstrip().endswith("export default { render };")
    # No network: nothing is imported or fetched from anywhere.
    for needle in (
        "import ",
        "http://",
        "https://",
        "fetch(",
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "eval(",
        "new Function",
    ):
        assert needle not in esm, needle


# --- a registry that will not list its catalog, the status line, reloading ---------------------


class NoCatalog:
    """A layout source that refuses ``_catalog`` (as most public registries do) and says it
    counts pulls, with a budget."""

    def __init__(self, inner: OciLayoutSource) -> None:
        self.inner = inner
        self._stats = Stats(rate_limit=RateLimit(100, 7, 21600))
        self.invalidated: list[str | None] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    @property
    def name(self) -> str:
        return "registry.example"

    @property
    def identity(self) -> str:
        return "anonymous"

    @property
    def stats(self) -> Stats:
        return self._stats

    async def repositories(self, *, page_size: int | None = None) -> AsyncIterator[list[str]]:
        raise Denied("registry.example does not allow listing repositories")
        yield []  # pragma: no cover (an async generator)

    def invalidate(self, repository: str | None = None) -> None:
        self.invalidated.append(repository)


async def test_without_a_catalog_a_typed_repository_opens(
    content: Content, settings: dict[str, Any]
) -> None:
    source = NoCatalog(OciLayoutSource(content.root))
    front = FrontEnd(explore(None, **settings))
    use_source(front.widget, source)  # type: ignore[arg-type]
    await front.idle()
    w = front.widget
    assert w.panes["repos"]["denied"] == "registry.example does not allow listing repositories"
    assert w.error == "" and front.rows("repos") == []
    await front.click({"type": "repository", "name": "kinds/oci-index"})
    assert [r["n"] for r in front.rows("repos")] == ["kinds/oci-index"]
    assert [r["n"] for r in front.rows("tags")] == ["latest", "v1"]

    # The status line: who, requests, the pull budget (low: it says so).
    status = w.status
    assert status["source"] == "registry.example" and status["identity"] == "anonymous"
    assert status["budget"] == "pulls left 7/100 per 6h" and status["low"] is True
    assert status["tasks"] == 0

    # Reloading a pane drops the source's cached listing first, then reads it again.
    await front.click({"type": "reload", "pane": "tags"})
    assert source.invalidated == ["kinds/oci-index"]
    assert [r["n"] for r in front.rows("tags")] == ["latest", "v1"]


async def test_raw_json_of_a_tag_without_opening_it(
    content: Content, settings: dict[str, Any]
) -> None:
    front = await opened(content.target, settings)
    await front.open_row("repos", "kinds/docker-list")
    await front.click({"type": "raw", "pane": "tags", "row": 0, "version": front.version("tags")})
    raw = front.of_type("raw")[-1]
    docker_list = content.kinds.docker_list
    assert raw["title"] == "kinds/docker-list:stable manifest"
    assert json.loads(raw["text"]) == json.loads(docker_list.raw)
    assert raw["bytes"] == len(docker_list.raw) and raw["cut"] is False
    # Nothing of it is synced state.
    assert "manifests" not in json.dumps(front.widget.get_state())


async def test_largest_files_and_what_each_layer_did(
    content: Content, settings: dict[str, Any]
) -> None:
    front = await opened(content.target, settings)
    await front.open_row("repos", "kinds/oci-image")
    await front.open_row("tags", "latest")
    root = front.rows("tree")[0]
    await front.click({"type": "action", "node": root["id"], "id": "merged"})
    # What the layers hold, read with tarfile from the layer blobs themselves.
    sizes: dict[str, int] = {}
    added: list[int] = []
    for blob in content.kinds.oci_image.layers:
        with tarfile.open(fileobj=io.BytesIO(gzip.decompress(blob.data))) as tar:
            members = tar.getmembers()
        added.append(len(members))
        sizes.update({m.name: m.size for m in members if m.isfile()})

    await front.click({"type": "files", "op": "largest"})
    assert front.widget.files["listing"] == "largest"
    listed = front.rows("files")
    assert sorted(r["name"] for r in listed) == sorted(sizes)  # every file, full paths
    assert [r["size"] for r in listed] == [human(sizes[r["name"]]) for r in listed]
    assert [sizes[r["name"]] for r in listed] == sorted(sizes.values(), reverse=True)
    await front.click({"type": "files", "op": "largest"})  # again: the tree
    assert [r["name"] for r in front.rows("files")] == ["bin", "data", "etc", "srv"]

    await front.click({"type": "files", "op": "layers"})
    table = front.widget.files["layers"]
    assert [row[0][0] for row in table["rows"]] == ["1", "2"]
    counts = [int(row[4][0].split(" ")[0]) for row in table["rows"]]
    assert counts == added  # every entry of each layer is new (no layer overwrites another)
    assert all(row[6][0] == "0" for row in table["rows"])  # nothing deleted
    await front.click({"type": "files", "op": "layers"})
    assert front.widget.files["layers"] is None
