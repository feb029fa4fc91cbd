"""The cell coroutines in a real kernel, against the real registry of the integration tests.

One kernel for the module (see ``conftest.py``). Expected values come from the generated
content (what skopeo pushed), ``skopeo inspect --raw`` and GNU tar listings of the layer
blobs, never from regview.
"""

from __future__ import annotations

import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from regview.demo import demo_path
from regview.notebook import DOCUMENT_MIME
from tests.notebook.conftest import Kernel, Outputs
from tests.support.content import BULK_TAGS_REPO, Published, natural_key
from tests.support.publish import HttpPusher, run_parallel, skopeo_copy_args, skopeo_inspect

README = Path(__file__).resolve().parents[2] / "README.md"
REF_NAME = "org.opencontainers.image.ref.name"


class Rows(HTMLParser):
    """The rows of the first table body in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.depth = 0
        self.cell: list[str] | None = None
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        if tag == "tbody":
            self.depth += 1
        elif tag == "tr" and self.depth:
            self.rows.append([])
        elif tag == "td" and self.depth:
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody" and self.depth:
            self.depth -= 1
            self.done = True
        elif tag == "td" and self.cell is not None:
            self.rows[-1].append("".join(self.cell))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def table_rows(html: str) -> list[list[str]]:
    parser = Rows()
    parser.feed(html)
    return parser.rows


@pytest.fixture(scope="module")
def nb(kernel: Kernel, content: Published) -> Kernel:
    kernel.run(f"import regview.notebook as rv\nHOST = {content.registry.host!r}")
    return kernel


def only_error(out: Outputs) -> dict[str, Any]:
    """The cell failed with one error output and showed nothing else."""
    assert len(out) == 1, out.summary()
    [error] = out.errors
    assert len(error["traceback"]) == 1, error["traceback"]
    assert "\n" not in error["traceback"][0]
    return error


def test_importing_in_a_kernel_loads_neither_textual_nor_pandas(nb: Kernel) -> None:
    loaded = nb.value(
        "[m for m in __import__('sys').modules if m.split('.')[0] in ('textual', 'pandas')]"
    )
    assert loaded == []


def test_tags_of_two_thousand_tags(nb: Kernel, content: Published, bulk_tags: list[str]) -> None:
    out = nb.run(f"ts = await rv.tags(HOST + '/{BULK_TAGS_REPO}')\nts")
    bulk = content.bulk_image
    natural = sorted(bulk_tags, key=natural_key)
    # The HTML shows a head of the listing, in natural order, and says how to get it all.
    rows = table_rows(out.html)
    assert [r[0] for r in rows] == natural[:50]
    assert rows[0][1] == bulk.digest[:19] + "…"
    assert "first 50 of 2,000 tags" in out.html and ".to_pandas()" in out.html
    assert "first 20 of 2,000 tags" in out.plain
    doc = out.first(DOCUMENT_MIME)
    assert doc["total"] == 2000 and len(doc["tags"]) == 1000 and doc["truncated"] is True
    assert "application/json" not in out[0]["data"]

    frame = nb.value(
        "ts.to_pandas().assign(created=lambda f: f.created.astype(str))"
        ".to_dict(orient='list')"
    )
    assert list(frame)[:6] == ["tag", "digest", "media_type", "size", "platforms", "created"]
    assert frame["tag"] == natural
    assert set(frame["digest"]) == {bulk.digest}
    assert set(frame["media_type"]) == {bulk.media_type}
    assert set(frame["size"]) == {bulk.layers_size}
    assert set(map(tuple, frame["platforms"])) == {("linux/amd64",)}
    assert set(frame["created"]) == {"2024-03-01 12:00:00+00:00"}  # images.CREATED
    assert set(frame["error"]) == {None}
    grouped = nb.value("ts.to_pandas().groupby('digest').tag.count().to_dict()")
    assert grouped == {bulk.digest: 2000}


def test_an_index_followed_to_one_platform(nb: Kernel, content: Published) -> None:
    index = content.manifest("oci-index")
    arm = index.child("linux/arm64/v8")
    amd = index.child("linux/amd64")
    repo = content.repo("oci-index")
    out = nb.run(f"img = await rv.image(HOST + '/{repo}:latest', platform='linux/arm64')\nimg")
    assert arm.digest in out.html and index.digest in out.html
    assert f"Reference    {content.registry.host}/{repo}:latest" in out.plain
    doc = out.first(DOCUMENT_MIME)
    assert doc["digest"] == arm.digest and doc["index"]["digest"] == index.digest

    served = skopeo_inspect(f"{content.registry.host}/{repo}@{arm.digest}")
    assert bytes.fromhex(nb.value("img.manifest.raw.hex()")) == served == arm.raw
    layers = nb.value("img.layers.to_pandas().to_dict(orient='records')")
    assert layers == [
        {"number": 1, "digest": arm.layers[0].digest, "media_type": arm.layers[0].media_type,
         "size": arm.layers[0].size,
         "created_by": "/bin/sh -c #(nop) ADD file:0123456789abcdef in / "},
        {"number": 2, "digest": arm.layers[1].digest, "media_type": arm.layers[1].media_type,
         "size": arm.layers[1].size, "created_by": "COPY srv/ /srv/ # buildkit"},
    ]
    # History steps 1 and 4 made layers 1 and 2 (images.image_config); the rest are empty.
    assert nb.value("[r.layer for r in img.history]") == [1, None, None, 2, None]
    assert nb.value("img.history.to_pandas().empty_layer.tolist()") == [
        False, True, True, False, True,
    ]
    entries = nb.value(
        "[(r.platform, r.attestation, r.attests, r.chosen) for r in img.platforms]"
    )
    assert entries == [
        ["linux/amd64", False, None, False],
        ["linux/arm64/v8", False, None, True],
        ["unknown/unknown", True, amd.digest, False],
        ["unknown/unknown", True, arm.digest, False],
    ]
    config = nb.value("[img.config.user, img.config.labels['com.example.arch'], img.platform]")
    assert config == ["1000:1000", "arm64", "linux/arm64/v8"]  # images.image_config


def tar_listing(blob: bytes, tmp: Path) -> dict[str, tuple[str, int]]:
    """path -> (type, size) as GNU tar lists the layer."""
    path = tmp / "layer.tar.gz"
    path.write_bytes(blob)
    out = subprocess.run(
        ["tar", "--numeric-owner", "-tvzf", str(path)], check=True, capture_output=True,
        text=True,
    ).stdout
    found = {}
    for line in out.splitlines():
        fields = line.split(None, 5)
        mode, size, name = fields[0], int(fields[2]), fields[5]
        found[name.rstrip("/")] = ("dir" if mode[0] == "d" else "file", size)
    return found


def test_files_of_an_image_match_gnu_tar(
    nb: Kernel, content: Published, tmp_path: Path
) -> None:
    image = content.manifest("oci-image")
    listings = [tar_listing(layer.data, tmp_path) for layer in image.layers]
    expected: dict[str, tuple[str, int, int]] = {}
    for number, listing in enumerate(listings, start=1):
        for path, (kind, size) in listing.items():
            expected[path] = (kind, size, number)

    nb.run(f"fs = await rv.files(HOST + '/{content.repo('oci-image')}:latest')")
    got = nb.value("fs.to_pandas()[['path', 'type', 'size', 'layer']].values.tolist()")
    assert {p: (t, s, n) for p, t, s, n in got} == expected
    assert [p for p, *_ in got] == sorted(expected)
    largest = max((s, p) for p, (t, s, _) in expected.items() if t == "file")[1]
    assert nb.value("fs.to_pandas().nlargest(1, 'size').path.tolist()") == [largest]
    assert nb.value("fs.largest(1)[0].path") == largest

    out = nb.run(f"await rv.files(HOST + '/{content.repo('oci-image')}:latest', layer=1)")
    assert "layer 1 of 2 (1 is the bottom layer)" in out.html
    layer1 = nb.value("[r.path for r in _]")
    assert layer1 == sorted(listings[0])


def test_layer_zero_is_a_one_line_error(nb: Kernel, content: Published) -> None:
    out = nb.run(
        f"await rv.files(HOST + '/{content.repo('oci-image')}:latest', layer=0)",
        allow_error=True,
    )
    error = only_error(out)
    assert error["ename"] == "NotFound"
    assert "numbered from 1" in error["traceback"][0]


def test_referrers_of_an_image(nb: Kernel, content: Published) -> None:
    sbom, signature = content.manifest("sbom"), content.manifest("signature")
    out = nb.run(f"rs = await rv.referrers(HOST + '/{content.repo('oci-image')}:latest')\nrs")
    got = nb.value("rs.to_pandas()[['digest', 'kind', 'artifact_type']].values.tolist()")
    assert sorted(map(tuple, got)) == sorted(
        [(sbom.digest, "sbom", sbom.artifact_type),
         (signature.digest, "signature", signature.artifact_type)]
    )
    assert content.manifest("oci-image").digest in out.html
    assert len(table_rows(out.html)) == 2


def test_a_failed_request_is_one_line_and_nothing_else(nb: Kernel) -> None:
    out = nb.run(
        "x = await rv.image(HOST + '/kinds/does-not-exist:latest')\nprint('not reached')",
        allow_error=True,
    )
    error = only_error(out)
    assert error["ename"] == "NotFound"
    assert error["traceback"][0].startswith("NotFound: ")
    assert "does-not-exist" in error["traceback"][0]
    # %tb still has the whole story.
    [full] = nb.run("%tb", allow_error=True).errors
    assert len(full["traceback"]) > 3 and "Traceback" in "".join(full["traceback"])


def test_registry_models_display_as_html(nb: Kernel, content: Published) -> None:
    index = content.manifest("oci-index")
    repo = content.repo("oci-index")
    out = nb.run(f"fm = await rv.session().source(HOST).manifest('{repo}', 'latest')\nfm")
    assert 'data-regview="manifest"' in out.html and index.digest in out.html
    for child in index.children:
        assert child.digest[:19] in out.html
    out = nb.run(
        "from regview.registry import read_tag_info\n"
        f"await read_tag_info(rv.session().source(HOST), '{repo}', 'latest')"
    )
    assert 'data-regview="tag-info"' in out.html and index.digest in out.html
    arm = index.child("linux/arm64/v8")
    assert arm.config is not None
    out = nb.run(
        f"src = rv.session().source(HOST)\n"
        f"m = (await src.manifest('{repo}', '{arm.digest}')).manifest\n"
        f"await src.config('{repo}', m.config)"
    )
    assert 'data-regview="config"' in out.html and "linux/arm64/v8" in out.html
    assert arm.config.digest in out.html


def test_the_same_session_serves_every_cell(nb: Kernel, content: Published) -> None:
    # A second read of the same image is answered from the session's cache.
    before = nb.value("rv.session().source(HOST).stats.requests")
    nb.run(f"await rv.image(HOST + '/{content.repo('oci-image')}:latest')")
    digest = content.manifest("oci-image").digest
    nb.run(f"await rv.image(HOST + '/{content.repo('oci-image')}@{digest}')")
    after = nb.value("rv.session().source(HOST).stats.requests")
    assert after - before <= 1  # the tag was read within its TTL: at most one HEAD


# --------------------------------------------------------------------------- the README


def readme_jupyter_example() -> str:
    """The python block of the README's "Jupyter" section."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Jupyter") : text.index("## Layout")]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match is not None, "the Jupyter section has no python block"
    return match.group(1)


def push_demo_web(content: Published, layout: Path) -> None:
    """The demo's acme/web: its tags with skopeo, the referrers tag and the artifacts it
    lists over HTTP (skopeo 1.9 rewrites such an index; see tests.support.content)."""
    index = json.loads((layout / "index.json").read_text())
    names = [d.get("annotations", {}).get(REF_NAME) for d in index["manifests"]]
    tags = [n for n in names if n and not n.startswith("sha256-")]
    run_parallel(
        [skopeo_copy_args(f"oci:{layout}:{t}", content.registry.ref("acme/web", t)) for t in tags]
    )

    def blob(digest: str) -> bytes:
        return (layout / "blobs" / "sha256" / digest.split(":")[1]).read_bytes()

    with HttpPusher(content.registry.url) as pusher:
        for d in index["manifests"]:
            name = d.get("annotations", {}).get(REF_NAME)
            if name in tags:
                continue
            raw = blob(d["digest"])
            manifest = json.loads(raw)
            for child in manifest.get("manifests", []):
                pusher.put_manifest("acme/web", child["digest"], blob(child["digest"]),
                                    child["mediaType"])
            for b in [manifest.get("config"), *manifest.get("layers", [])]:
                if b is not None:
                    pusher.upload_blob("acme/web", blob(b["digest"]), b["digest"])
            pusher.put_manifest("acme/web", name or d["digest"], raw, d["mediaType"])


def test_the_readme_example_runs_as_written(
    nb: Kernel, content: Published, tmp_path: Path
) -> None:
    layout = demo_path(tmp_path / "demo-cache") / "acme" / "web"
    push_demo_web(content, layout)
    code = readme_jupyter_example()
    assert code.count("127.0.0.1:5000") == 7
    nb.run(code.replace("127.0.0.1:5000", content.registry.host))

    index = json.loads((layout / "index.json").read_text())
    tagged = {d["annotations"][REF_NAME]: d["digest"] for d in index["manifests"]
              if REF_NAME in d.get("annotations", {})}
    assert nb.value("dict(zip(df.tag, df.digest))") == tagged
    served = json.loads(skopeo_inspect(content.registry.ref("acme/web", "1.10.0")))
    [arm] = [m for m in served["manifests"] if m["platform"]["architecture"] == "arm64"]
    assert nb.value("img.digest") == arm["digest"]
    arm_manifest = json.loads(skopeo_inspect(content.registry.ref("acme/web", arm["digest"])))
    assert nb.value("img.layers.to_pandas().digest.tolist()") == [
        layer["digest"] for layer in arm_manifest["layers"]
    ]
    assert nb.value("sorted(rs.to_pandas().kind)") == ["sbom", "signature"]
    assert nb.value("int(fs.to_pandas().layer.max())") == len(arm_manifest["layers"])
    # skopeo sees two different indexes under 1.9.0 and 1.10.0: the diff is not "equal".
    older = json.loads(skopeo_inspect(content.registry.ref("acme/web", "1.9.0")))
    assert older != served
    assert nb.value("d.equal") is False
    assert nb.value("bool(len(d.to_pandas()))") is True
