"""``lint``: every document a reference leads to, checked against the image-spec.

Follows an index to each manifest it lists (recursively), and each image manifest to its
config; an OCI layout's ``oci-layout`` file is checked too. A child that cannot be fetched
is a problem of the document that lists it; one whose digest regview cannot verify is a
note, not a problem (the spec allows the algorithm). Nesting, cycles and the number of
manifests are bounded as in :mod:`regview.registry.inspection`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from regview.registry.digests import unverifiable_reason
from regview.registry.errors import RegistryError
from regview.registry.inspection import MAX_MANIFESTS
from regview.registry.models import Artifact, Descriptor, ImageIndex, ImageManifest
from regview.registry.oci_layout import OciLayoutSource
from regview.registry.source import FetchedManifest, Source
from regview.registry.validation import (
    Problem,
    config_problems,
    layout_problems,
    looks_like_image_config,
    manifest_problems,
)

__all__ = ["LintReport", "LintedDocument", "lint"]


@dataclass(frozen=True, slots=True)
class LintedDocument:
    """One document that was checked: what it is, where it is, and what is wrong with it."""

    kind: str
    """``index``, ``manifest``, ``config`` or ``oci-layout``."""
    name: str
    """The pinned reference (``repo@digest``), or the layout file's path."""
    digest: str | None
    problems: tuple[Problem, ...] = ()
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The document's entry of ``lint --json``."""
        return {
            "kind": self.kind,
            "name": self.name,
            "digest": self.digest,
            "problems": [p.to_json() for p in self.problems],
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class LintReport:
    """What ``lint`` found for one reference."""

    reference: str
    documents: tuple[LintedDocument, ...] = field(default_factory=tuple)

    @property
    def problem_count(self) -> int:
        """Problems in all the documents."""
        return sum(len(d.problems) for d in self.documents)

    def to_json(self) -> dict[str, Any]:
        """The ``lint --json`` object."""
        return {
            "reference": self.reference,
            "problems": self.problem_count,
            "documents": [d.to_json() for d in self.documents],
        }


async def lint(
    source: Source,
    repository: str,
    reference: str,
    *,
    display: str,
    max_depth: int = 8,
    max_manifests: int = MAX_MANIFESTS,
) -> LintReport:
    """Check ``repository`` at ``reference`` and everything under it."""
    walk = _Walk(source, repository, display, max_depth, max_manifests)
    if isinstance(source, OciLayoutSource):
        path, raw = source.layout_header(repository)
        walk.documents.append(LintedDocument("oci-layout", path, None, layout_problems(raw)))
    fetched = await source.manifest(repository, reference)
    await walk.manifest(fetched, (fetched.digest,))
    return LintReport(display, tuple(walk.documents))


class _Walk:
    def __init__(
        self, source: Source, repository: str, display: str, max_depth: int, budget: int
    ) -> None:
        self.source = source
        self.repository = repository
        self.base = _base(display)
        self.max_depth = max_depth
        self.budget = budget
        self.documents: list[LintedDocument] = []
        self.seen: set[str] = set()

    async def manifest(self, fetched: FetchedManifest, path: tuple[str, ...]) -> None:
        m = fetched.manifest
        problems = list(manifest_problems(fetched.raw, fetched.media_type))
        notes = [
            f"{where}: {reason}"
            for where, d in _descriptors(m)
            if (reason := unverifiable_reason(d.digest)) is not None
        ]
        kind = "index" if isinstance(m, ImageIndex) else "manifest"
        name = f"{self.base}@{fetched.digest}"
        position = len(self.documents)
        self.documents.append(LintedDocument(kind, name, fetched.digest))
        self.seen.add(fetched.digest)
        if isinstance(m, ImageIndex):
            for i, d in enumerate(m.manifests):
                where = f"manifests[{i}]"
                if unverifiable_reason(d.digest) is not None or d.digest in self.seen:
                    if d.digest in path:
                        problems.append(Problem(where, "cycle", f"{where} lists an index above it"))
                    continue
                if len(path) > self.max_depth:
                    problems.append(
                        Problem(where, "depth", f"indexes nest deeper than {self.max_depth} levels")
                    )
                    break
                self.budget -= 1
                if self.budget < 0:
                    problems.append(Problem(where, "too-many", "too many manifests; stopped here"))
                    break
                try:
                    child = await self.source.manifest(self.repository, d.digest)
                except RegistryError as exc:
                    problems.append(Problem(where, "fetch", f"{where} cannot be read: {exc}"))
                    continue
                await self.manifest(child, (*path, d.digest))
        elif (
            isinstance(m, ImageManifest)
            and not isinstance(m, Artifact)
            and unverifiable_reason(m.config.digest) is None
        ):
            await self.config(m, problems, notes)
        self.documents[position] = LintedDocument(
            kind, name, fetched.digest, tuple(problems), tuple(notes)
        )

    async def config(self, m: ImageManifest, problems: list[Problem], notes: list[str]) -> None:
        try:
            fetched = await self.source.config(self.repository, m.config)
        except RegistryError as exc:
            problems.append(Problem("config", "fetch", f"the config cannot be read: {exc}"))
            return
        if m.config_type_generic:
            recognised = looks_like_image_config(fetched.raw)
            notes.append(
                f"config media type {m.config.media_type}: "
                + (
                    "recognised as an image config by its content"
                    if recognised
                    else "read as an image config, but it does not look like one"
                )
            )
        self.documents.append(
            LintedDocument(
                "config",
                f"{self.base}@{m.config.digest}",
                m.config.digest,
                config_problems(fetched.raw),
            )
        )


def _descriptors(m: object) -> list[tuple[str, Descriptor]]:
    out: list[tuple[str, Descriptor]] = []
    if isinstance(m, ImageIndex):
        out += [(f"manifests[{i}]", d) for i, d in enumerate(m.manifests)]
    if isinstance(m, ImageManifest):
        out.append(("config", m.config))
        out += [(f"layers[{i}]", d) for i, d in enumerate(m.layers)]
    subject = getattr(m, "subject", None)
    if isinstance(subject, Descriptor):
        out.append(("subject", subject))
    return out


def _base(display: str) -> str:
    base = display.split("@", 1)[0]
    slash = base.rfind("/")
    colon = base.rfind(":")
    return base[:colon] if colon > slash else base
