"""SOCI zTOCs found unusable, remembered on disk so that later runs do not fetch them.

A zTOC that does not parse, does not fit its layer, or points to a range that holds no
tar header of the file it names is refused (:mod:`.soci`) and the layer read instead.
The zTOC's digest names its bytes forever, so the refusal holds for every later run:
it is kept under the cache root, keyed by that digest, with the layer it was refused
for (a refusal holds for that pairing only) and the reason, shown once per run::

    layers/soci-refused/sha256/<hex of the zTOC>.json   {"layer": ..., "reason": ...}

Written to a temporary name and renamed; a file that does not parse or names another
layer is ignored. With no root (``--no-cache``) refusals last for the run only.
"""

from __future__ import annotations

import json
from pathlib import Path

from regview.atomic import write_atomic
from regview.registry.digests import parse_digest
from regview.registry.errors import InvalidReference

__all__ = ["ZtocRefusals"]

#: Longest reason kept (a one-line note).
MAX_REASON = 300


class ZtocRefusals:
    """Refused zTOCs by digest: in memory, and under ``root`` when there is one."""

    def __init__(self, root: Path | None) -> None:
        #: The ``layers`` directory of the cache (that of :class:`~.store.TocStore`).
        self.root = root / "soci-refused" if root is not None else None
        self._memory: dict[str, tuple[str, str]] = {}

    def _path(self, ztoc_digest: str) -> Path | None:
        if self.root is None:
            return None
        try:
            algorithm, _, encoded = parse_digest(ztoc_digest).partition(":")
        except InvalidReference:
            return None
        return self.root / algorithm / f"{encoded}.json"

    def reason(self, ztoc_digest: str, layer_digest: str) -> str | None:
        """Why ``ztoc_digest`` was refused for ``layer_digest``, or None if it was not."""
        found = self._memory.get(ztoc_digest)
        if found is None:
            path = self._path(ztoc_digest)
            if path is None:
                return None
            try:
                obj = json.loads(path.read_bytes())
            except (OSError, ValueError):
                return None
            if not isinstance(obj, dict):
                return None
            layer, why = obj.get("layer"), obj.get("reason")
            if not isinstance(layer, str) or not isinstance(why, str):
                return None
            found = (layer, why[:MAX_REASON])
            self._memory[ztoc_digest] = found
        layer, why = found
        return why if layer == layer_digest else None

    def refuse(self, ztoc_digest: str, layer_digest: str, reason: str) -> None:
        """Remember that ``ztoc_digest`` does not describe ``layer_digest``, and why."""
        reason = reason[:MAX_REASON]
        self._memory[ztoc_digest] = (layer_digest, reason)
        path = self._path(ztoc_digest)
        if path is not None:
            write_atomic(path, json.dumps({"layer": layer_digest, "reason": reason}).encode())
