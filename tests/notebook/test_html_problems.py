"""The notebook's HTML lists image-spec problems under ⚠, as inert text."""

from __future__ import annotations

import json

from regview.notebook.image_result import ImageResult
from regview.notebook.models_html import fetched_config_html, fetched_manifest_html, inspect_html
from regview.registry import FetchedConfig, parse_config
from regview.registry import media_types as mt
from tests.notebook.test_html_hostile import HTML_ATTACKS, check, digest, fetched, shows

ATTACK = HTML_ATTACKS["script"]


def _image() -> tuple[bytes, bytes]:
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {"Env": [ATTACK]},  # no "=": a problem whose message quotes it
            "rootfs": {"type": "layers", "diff_ids": []},
        }
    ).encode()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": mt.OCI_MANIFEST,
            "config": {"mediaType": mt.OCI_CONFIG, "digest": digest(config), "size": len(config)},
            "layers": [
                {"mediaType": mt.OCI_LAYER_GZIP, "digest": digest(b"l"), "size": 1,
                 "urls": [ATTACK]},
            ],
        }
    ).encode()
    return manifest, config


def test_a_manifest_and_its_config_show_their_problems_as_text() -> None:
    manifest, config = _image()
    page = check(fetched_manifest_html(fetched(manifest)))
    text = "".join(page.text)
    assert "⚠ Problems (1, by the OCI image-spec)" in text
    assert "layers[0].urls[0]" in text and shows(page, ATTACK)
    page = check(fetched_config_html(FetchedConfig(digest(config), config, parse_config(config))))
    text = "".join(page.text)
    assert "⚠ Problems (1, by the OCI image-spec)" in text
    assert "config.Env[0]" in text and shows(page, ATTACK)


def test_an_image_result_shows_the_problems_of_its_document() -> None:
    manifest, config = _image()
    document = {
        "reference": "r",
        "problems": [{"path": "layers[0].urls[0]", "rule": "url", "message": ATTACK}],
        "config": {"problems": [{"path": "config.Env[0]", "rule": "env", "message": "m"}]},
    }
    result = ImageResult(reference="r", source="s", manifest=fetched(manifest), index=None,
                         config_blob=FetchedConfig(digest(config), config, parse_config(config)),
                         document=document)
    page = check(result._repr_html_())
    text = "".join(page.text)
    assert "⚠ Problems (2, by the OCI image-spec)" in text
    assert "layers[0].urls[0]" in text and "config: config.Env[0]" in text
    assert shows(page, ATTACK)


def test_a_valid_manifest_has_no_warning_section() -> None:
    manifest, _ = _image()
    valid = json.loads(manifest)
    del valid["layers"][0]["urls"]
    page = check(fetched_manifest_html(fetched(json.dumps(valid).encode())))
    assert "Problems" not in "".join(page.text)


def test_inspect_html_carries_the_warning_lines() -> None:
    doc = {"reference": "r", "problems": [{"path": "layers", "rule": "layers",
                                           "message": "layers is empty: " + ATTACK}]}
    page = check(inspect_html(doc))
    assert "⚠ Problems (1, by the OCI image-spec)" in "".join(page.text)
    assert shows(page, ATTACK)
