"""What a delete leaves behind, in lines for a person: ``regview delete`` prints them
before it asks, and the explorer's delete question shows them.

A registry deletes one manifest: the artifacts that refer to it (signatures, SBOMs,
attestations) stay, without their image, and so do the tags that hold them; an index's
child manifests stay too; an index that lists the manifest is left pointing at a missing
one. Deleting with the referrers (:meth:`DeletePlan.including_referrers`) takes the
artifacts first: :func:`deletion_order` names every manifest that goes, in order. Lines
hold the registry's text (artifact types, tags) as is: make them terminal-safe
(:func:`regview.textsafe.visible`) or escape them before showing.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from regview.registry import DeletePlan, Descriptor, FoundReferrer, media_types, short_digest

if TYPE_CHECKING:
    from regview.registry import DeleteStep, ListingIndex

__all__ = ["SHOWN", "artifact_label", "deletion_order", "left_behind", "short_tag", "step_label"]

#: Referrers (and child manifests) named one by one; the rest are counted.
SHOWN = 10
#: Characters of an artifact type shown (it comes from the registry).
_TYPE_LIMIT = 100
_DIGEST_TAG = re.compile(r"(sha256|sha512)-([0-9a-f]{64,128})(.*)", re.DOTALL)


def _short(digest: str) -> str:
    return short_digest(digest) + "…"


def short_tag(tag: str) -> str:
    """``sha256-0123456789ab….sig`` for a tag named after a digest; other tags as they are."""
    m = _DIGEST_TAG.fullmatch(tag)
    if m is None:
        return tag[:_TYPE_LIMIT]
    return f"{m.group(1)}-{m.group(2)[:12]}…{m.group(3)[:_TYPE_LIMIT]}"


def _article(name: str) -> str:
    return "an" if name[:1].lower() in "aeiou" or name.startswith(("SPDX", "SBOM")) else "a"


def artifact_label(artifact_type: str | None) -> str:
    """``a cosign signature``, ``an SPDX SBOM``; ``a signature of type T`` for a type
    without a name of its own; ``an artifact of unknown type`` without one."""
    if not artifact_type:
        return "an artifact of unknown type"
    name = media_types.short_name(artifact_type)
    if name != artifact_type:
        return f"{_article(name)} {name}"
    kind = media_types.referrer_kind(artifact_type)
    kind = "SBOM" if kind == "sbom" else kind
    return f"{_article(kind)} {kind} of type {artifact_type[:_TYPE_LIMIT]}"


def _referrer(found: FoundReferrer) -> str:
    label = artifact_label(found.descriptor.artifact_type)
    where = f"referrer {_short(found.descriptor.digest)}"
    if found.found_by == "cosign-tag" and found.tag is not None:
        where = f"tag {short_tag(found.tag)}"
    elif found.found_by == "referrers-tag" and found.tag is not None:
        where += f", listed in tag {short_tag(found.tag)}"
    return f"{label} ({where})"


def _child(d: Descriptor) -> str:
    if d.is_attestation:  # buildx's, listed as unknown/unknown
        name = "an attestation"
    elif d.platform is not None:
        name = str(d.platform)
    else:
        name = media_types.short_name(d.media_type)[:_TYPE_LIMIT]
    return f"{name} ({_short(d.digest)})"


def _listed(items: list[str], total: int) -> str:
    more = f" and {total - SHOWN:,} more" if total > SHOWN else ""
    return ", ".join(items[:SHOWN]) + more


def _tags(tags: tuple[str, ...]) -> str:
    shown = ", ".join(short_tag(t) for t in tags[:SHOWN])
    return shown + (f" and {len(tags) - SHOWN:,} more" if len(tags) > SHOWN else "")


def step_label(step: DeleteStep) -> str:
    """``a cosign signature sha256:0123456789ab… (tag …, refers to sha256:…)``."""
    tags = f"tag{'s' if len(step.tags) != 1 else ''} {_tags(step.tags)}" if step.tags else ""
    subject = _short(step.subject) if step.subject is not None else ""
    if step.role == "referrer":
        where = ", ".join(p for p in (tags, f"refers to {subject}") if p)
        return f"{artifact_label(step.artifact_type)} {_short(step.digest)} ({where})"
    if step.role == "referrers-index":
        where = ", ".join(p for p in (tags, f"lists the referrers of {subject}") if p)
        return f"the referrers index {_short(step.digest)} ({where})"
    what = "index" if media_types.is_index(step.media_type) else "manifest"
    return f"the {what} itself, {_short(step.digest)}" + (f" ({tags})" if tags else " (untagged)")


def deletion_order(plan: DeletePlan) -> list[str]:
    """``1. …`` for each manifest the plan deletes, in the order it sends the deletes."""
    steps = plan.deletes
    return [f"{i}. {step_label(step)}" for i, step in enumerate(steps, 1)]


def _index_tags(index: ListingIndex) -> str:
    return f"tagged {_tags(index.tags)}" if index.tags else "untagged"


def _listed_by(plan: DeletePlan) -> list[str]:
    """Lines on the indexes that list the manifest and will point at a missing one."""
    lines = [
        f"listed by the index {_index_tags(ix)} ({_short(ix.digest)}): "
        "that index will point at a missing manifest"
        for ix in plan.listed_by[:SHOWN]
    ]
    if len(plan.listed_by) > SHOWN:
        lines.append(f"and by {len(plan.listed_by) - SHOWN:,} more indexes, which will too")
    if plan.listed_by_unchecked:
        n = plan.listed_by_unchecked
        lines.append(
            f"{n:,} more index manifest{'s' if n != 1 else ''} tagged in the repository "
            "not checked for it (too many to read)"
        )
    if plan.listed_by_error is not None:
        lines.append(f"could not check every index that may list it: {plan.listed_by_error}")
    return lines


def left_behind(plan: DeletePlan) -> list[str]:
    """Lines on what deleting ``plan`` leaves in place: referrers, an index's children,
    the indexes that list it."""
    lines: list[str] = []
    subject = _short(plan.digest)
    if plan.with_referrers and plan.referrer_deletes:
        lines.extend(plan.referrer_notes)
    elif plan.referrers is None:
        why = plan.referrers_error or "not looked up"
        lines.append(f"could not check for artifacts that refer to it ({why})")
    elif plan.referrers:
        n = len(plan.referrers)
        verb = "refers" if n == 1 else "refer"
        noun = "artifact" if n == 1 else "artifacts"
        items = [_referrer(r) for r in plan.referrers[:SHOWN]]
        lines.append(
            f"{n:,} {noun} {verb} to {subject} and will be left without their image: "
            + _listed(items, n)
        )
        indexes = sorted({r.tag for r in plan.referrers if r.found_by == "referrers-tag" and r.tag})
        for tag in indexes:
            lines.append(f"tag {short_tag(tag)} stays, listing the referrers of a deleted image")
    if plan.is_index:
        if plan.children_error is not None:
            lines.append(f"could not read the child manifests of the index ({plan.children_error})")
        elif plan.children:
            n = len(plan.children)
            noun = "child manifest stays" if n == 1 else "child manifests stay"
            items = [_child(d) for d in plan.children[:SHOWN]]
            lines.append(f"only the index is deleted: its {n:,} {noun}: " + _listed(items, n))
    lines.extend(_listed_by(plan))
    return lines
