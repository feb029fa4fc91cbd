"""The raw JSON of a manifest, a config or a descriptor, sent as a ``raw`` message.

The bytes are shown as served, indented (or as text if they are not JSON), with every
dangerous character escaped; past :data:`RAW_LIMIT` characters the view is cut and says
so. Nothing of it goes into the synced state.
"""

from __future__ import annotations

import asyncio
import json

from regview.notebook.explorer.core import Sink
from regview.notebook.explorer.details import DetailsContext
from regview.notebook.explorer.text import safe
from regview.notebook.explorer.tree import Node
from regview.registry import Source, descriptor_json

__all__ = ["RAW_LIMIT", "of_node", "of_tag", "pretty_json"]

#: Characters of raw JSON sent at most.
RAW_LIMIT = 1_000_000


def pretty_json(raw: bytes) -> str:
    """Indented JSON (or the text itself if it is not JSON), made safe to show."""
    try:
        text = json.dumps(json.loads(raw), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        text = raw.decode("utf-8", "replace")
    return safe(text[:RAW_LIMIT], 0, keep_newlines=True)


async def send(sink: Sink, title: str, raw: bytes) -> None:
    """Send ``raw`` as a ``raw`` message titled ``title``."""
    text = await asyncio.to_thread(pretty_json, raw)
    sink.send(
        {
            "type": "raw",
            "title": safe(title, 300),
            "text": text,
            "bytes": len(raw),
            "cut": len(text) >= RAW_LIMIT,
        }
    )


async def of_node(sink: Sink, source: Source, context: DetailsContext, node: Node) -> None:
    """The manifest, config or descriptor ``node`` stands for."""
    d = node.descriptor
    title = f"{node.repository}@{node.digest}"
    if node.kind == "manifest" and node.fetched is not None:
        data, title = node.fetched.raw, title + " manifest"
    elif node.kind == "manifest" and d is not None:
        data, title = (await source.manifest(node.repository, d.digest)).raw, title + " manifest"
    elif node.kind == "config" and d is not None:
        data, title = (await context.config(node.repository, d)).raw, title + " config"
    elif d is not None:
        data, title = json.dumps(descriptor_json(d)).encode(), title + " descriptor"
    else:
        return
    await send(sink, title, data)


async def of_tag(sink: Sink, source: Source, repository: str, tag: str) -> None:
    """The manifest ``tag`` names."""
    fetched = await source.manifest(repository, tag)
    await send(sink, f"{repository}:{tag} manifest", fetched.raw)
