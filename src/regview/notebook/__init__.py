"""regview in Jupyter: an explorer widget, and coroutines for cells.

Install with ``pip install "regview[notebook]"``. Everything goes through the same
client, cache and settings as the explorer (one session per kernel and settings, see
:mod:`regview.notebook.session`), on the kernel's running event loop: ``await`` the
coroutines at the top level of a cell (``asyncio.run`` cannot be used in a notebook)::

    import regview.notebook as rv

    img = await rv.image("HOST/REPO:TAG", platform="linux/arm64")
    ts = await rv.tags("HOST/REPO")           # every tag: digest, size, platforms, created
    fs = await rv.files("HOST/REPO:TAG")      # the merged filesystem; layer=N for one layer
    rs = await rv.referrers("HOST/REPO:TAG")  # signatures, SBOMs, attestations
    d = await rv.diff("HOST/REPO:1", "HOST/REPO:2")  # manifests, config, history, files
    an = await rv.analyze("HOST/REPO:TAG")    # dive's efficiency and inefficient files
    sb = await rv.blob("HOST/REPO@DIGEST")    # an SBOM's packages, an attestation, ...
    rv.explore("HOST/REPO")                   # the widget

Each result displays itself as HTML in a notebook and as text in a terminal, and has
``to_pandas()`` (``img.layers.to_pandas()`` for an image). Layer numbers are the ones
people read: **1 is the bottom layer**. ``source=`` takes an open
:class:`~regview.registry.RegistryClient` or :class:`~regview.registry.OciLayoutSource`
(or ``"demo"``, ``"oci:PATH"``) instead of a host in the reference; other keyword
arguments are :class:`~regview.registry.Settings` fields (``plain_http=True``, …).

Registry content is untrusted: every string in the HTML is escaped, nothing from a
registry becomes a link, and no output holds a credential. A failed request raises a
:class:`~regview.registry.RegistryError`, shown in a cell as one line.

Importing this package imports neither Textual nor pandas (``to_pandas()`` does).
"""

from __future__ import annotations

from typing import Any

from regview.notebook.analysis import AnalysisResult, InefficientRow, analyze
from regview.notebook.blob_cell import BlobResult, blob
from regview.notebook.cells import files, image, referrers, tags
from regview.notebook.diff_cell import diff
from regview.notebook.diff_result import DiffResult, DiffRow
from regview.notebook.image_result import (
    HistoryRow,
    HistoryTable,
    ImageResult,
    LayerRow,
    LayersTable,
    PlatformRow,
    PlatformsTable,
)
from regview.notebook.results import (
    FileRow,
    FilesResult,
    ReferrerRow,
    ReferrersResult,
    TagRow,
    TagsResult,
)
from regview.notebook.session import Session, session
from regview.notebook.table import DOCUMENT_MIME, Table

__all__ = [
    "DOCUMENT_MIME",
    "AnalysisResult",
    "BlobResult",
    "DiffResult",
    "DiffRow",
    "FileRow",
    "FilesResult",
    "HistoryRow",
    "HistoryTable",
    "ImageResult",
    "InefficientRow",
    "LayerRow",
    "LayersTable",
    "PlatformRow",
    "PlatformsTable",
    "ReferrerRow",
    "ReferrersResult",
    "Session",
    "Table",
    "TagRow",
    "TagsResult",
    "analyze",
    "blob",
    "diff",
    "explore",
    "files",
    "image",
    "referrers",
    "session",
    "tags",
]


def explore(target: str | None = None, **settings: Any) -> Any:
    """The explorer as a notebook widget, opened on ``target`` (``HOST``, ``HOST/REPO``,
    ``REF``, ``oci:PATH``, ``demo``; None for a picker). ``settings`` are
    :class:`~regview.registry.Settings` fields, as for the coroutines.

    Imports the widget (anywidget, ipywidgets) only when called.
    """
    import importlib

    widget = importlib.import_module("regview.notebook.widget")
    return widget.explore(target, **settings)


def _install() -> None:
    from regview.notebook.ipython import install

    install()


_install()
