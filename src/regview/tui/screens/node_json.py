"""The raw JSON ``J`` shows for a node of the manifest tree, and its title.

A manifest's bytes as the registry served them (fetched if the node has not loaded
them), a config's bytes, or else the descriptor itself. No widget: the main screen
opens :class:`~regview.tui.screens.raw_json.RawJsonScreen` on what this returns.
"""

from __future__ import annotations

import json

from regview.registry import Source, descriptor_json
from regview.tui.widgets.manifest_tree import NodeData

__all__ = ["node_json"]


async def node_json(source: Source, node: NodeData) -> tuple[str, bytes] | None:
    """The title and the raw JSON of ``node``; None: there is nothing to show."""
    repo = node.repository
    d = node.descriptor
    title = f"{repo}@{node.digest}"
    if node.kind == "manifest" and node.fetched is not None:
        raw = node.fetched.raw
        title += " manifest"
    elif node.kind == "manifest" and d is not None:
        raw = (await source.manifest(repo, d.digest)).raw
        title += " manifest"
    elif node.kind == "config" and d is not None:
        raw = (await source.config(repo, d)).raw
        title += " config"
    elif d is not None:
        raw = json.dumps(descriptor_json(d)).encode()
        title += " descriptor"
    else:
        return None
    return title, raw
