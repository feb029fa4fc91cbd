"""``delete``: remove a manifest from a registry, after saying what goes with it.

``regview delete HOST/REPO:TAG`` resolves the tag to its digest, lists every other tag
on that digest (they go too: a registry deletes manifests, not tags), and asks on the
terminal before it sends ``DELETE /v2/REPO/manifests/DIGEST``. ``--yes`` skips the
question (for scripts), ``--dry-run`` only says what would go. Without a terminal to ask
on, and without either flag, it refuses before sending anything.

Before it asks it also says what stays behind (:mod:`regview.delete_text`): the artifacts
that refer to the digest (signatures, SBOMs, attestations), which are not deleted and
are left without their image, an index's child manifests, and the indexes tagged in the
repository that list the digest (they will point at a missing manifest).

``--with-referrers`` deletes those artifacts too, first: the referrers, their own
referrers, the ``sha256-<hex>`` indexes that list them (cosign's ``.sig``/``.att``/
``.sbom`` tags go with the manifests they hold), one ``DELETE`` each, then the image;
the question (and ``--dry-run``, ``--json``) numbers them in that order. If one fails,
it stops there and says, one line each, what was deleted and what was not.

The question is written to standard error and the answer read from standard input when
that is a terminal, else from ``/dev/tty`` (standard input may hold the password).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from regview.cli.common import (
    Command,
    UsageError,
    add_json_flag,
    fail,
    print_json,
)

if TYPE_CHECKING:
    from regview.registry import ClientPool, DeletePlan, DeleteStep, PartialDelete

ORDER = 35
"""After the read-only commands in ``regview -h``."""

_NO_TERMINAL = (
    "refusing to delete without asking, and there is no terminal to ask on: "
    "pass --yes to delete without asking (or --dry-run to see what would go)"
)


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("reference", metavar="REF", help="HOST/REPO:TAG or HOST/REPO@DIGEST")
    p.add_argument("--yes", action="store_true", help="delete without asking (for scripts)")
    p.add_argument(
        "--dry-run", action="store_true", help="say what would be deleted, delete nothing"
    )
    p.add_argument(
        "--with-referrers",
        action="store_true",
        help="first delete what refers to it (signatures, SBOMs, attestations, and theirs)",
    )
    add_json_flag(p)


class _Question:
    """Where the yes/no question goes and its answer comes from; None: nowhere."""

    def __init__(self) -> None:
        self._fd: int | None = None
        stdin = sys.__stdin__
        if stdin is not None and stdin.isatty():
            return
        try:
            self._fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
        except OSError:
            raise UsageError(_NO_TERMINAL) from None

    def ask(self, prompt: str) -> bool:
        if self._fd is None:
            sys.stderr.write(prompt)
            sys.stderr.flush()
            answer = sys.stdin.readline()
        else:
            os.write(self._fd, prompt.encode())
            answer = os.read(self._fd, 1024).decode(errors="replace")
        return answer.strip().lower() in ("y", "yes")

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _target(text: str) -> tuple[str, str, str]:
    """Registry, repository and the tag or digest of ``text``; one of them, named."""
    from regview.registry import parse_reference

    if text.startswith("oci:"):
        raise UsageError("an OCI layout is read-only here: regview deletes from registries only")
    ref = parse_reference(text, default_tag=None)
    if ref.tag is not None and ref.digest is not None:
        raise UsageError(
            f"{text} names both a tag and a digest: name the one to delete "
            "(REPO:TAG or REPO@DIGEST)"
        )
    reference = ref.digest or ref.tag
    if reference is None:
        raise UsageError(f"name the tag or digest to delete: {ref.repository_ref}:TAG")
    return ref.registry, ref.repository, reference


def describe(plan: DeletePlan) -> list[str]:
    """What the plan deletes and leaves behind, in lines for a person (terminal-safe)."""
    from regview.delete_text import left_behind
    from regview.textsafe import visible

    lines = [
        f"{visible(plan.by_digest, limit=400)} ({plan.media_type}, {plan.size:,} bytes)",
    ]
    others = plan.other_tags
    if others:
        shown = ", ".join(visible(t, limit=130) for t in others[:50])
        more = f" and {len(others) - 50:,} more" if len(others) > 50 else ""
        lines.append(f"other tags on this digest, deleted with it ({len(others):,}): {shown}{more}")
    elif plan.tags:
        lines.append("no other tag points to this digest")
    else:
        lines.append("no tag points to this digest")
    if plan.with_referrers:
        lines.extend(visible(line, limit=4000) for line in _order(plan))
    lines.extend(visible(line, limit=4000) for line in left_behind(plan))
    return lines


def _order(plan: DeletePlan) -> list[str]:
    """With the referrers: every manifest that goes, numbered in the order deleted."""
    from regview.delete_text import deletion_order

    if not plan.referrer_deletes:
        if plan.referrers == ():
            return ["nothing refers to it: only the manifest is deleted"]
        return []
    n = len(plan.deletes)
    return [f"with its referrers, {n:,} manifests are deleted, in this order:"] + [
        "  " + line for line in deletion_order(plan)
    ]


def _referrers_json(plan: DeletePlan) -> list[dict[str, Any]] | None:
    """What refers to the digest and stays; None: it could not be looked up."""
    if plan.referrers is None:
        return None
    return [
        {
            "digest": r.descriptor.digest,
            "mediaType": r.descriptor.media_type,
            "artifactType": r.descriptor.artifact_type,
            "foundBy": r.found_by,
            "tag": r.tag,
        }
        for r in plan.referrers
    ]


def plan_json(plan: DeletePlan, *, deleted: bool) -> dict[str, Any]:
    """The ``--json`` document of a plan, and whether it was carried out."""
    return {
        "registry": plan.registry,
        "repository": plan.repository,
        "reference": plan.reference,
        "digest": plan.digest,
        "mediaType": plan.media_type,
        "size": plan.size,
        "tags": list(plan.tags),
        "otherTags": list(plan.other_tags),
        "referrers": _referrers_json(plan),
        "referrersError": plan.referrers_error,
        "childManifests": [
            {
                "digest": d.digest,
                "mediaType": d.media_type,
                "platform": str(d.platform) if d.platform is not None else None,
            }
            for d in plan.children
        ],
        "childManifestsError": plan.children_error,
        "listedBy": [
            {"digest": ix.digest, "mediaType": ix.media_type, "tags": list(ix.tags)}
            for ix in plan.listed_by
        ],
        "listedByUnchecked": plan.listed_by_unchecked,
        "listedByError": plan.listed_by_error,
        "withReferrers": plan.with_referrers,
        "deletes": [_step_json(step) for step in plan.deletes],
        "referrerNotes": list(plan.referrer_notes) if plan.with_referrers else [],
        "deleted": deleted,
        "deletedDigests": [step.digest for step in plan.deletes] if deleted else [],
    }


def _step_json(step: DeleteStep) -> dict[str, Any]:
    return {
        "digest": step.digest,
        "mediaType": step.media_type,
        "role": step.role,
        "artifactType": step.artifact_type,
        "subject": step.subject,
        "depth": step.depth,
        "tags": list(step.tags),
    }


async def _delete(pool: ClientPool, args: argparse.Namespace) -> int:
    registry, repository, reference = _target(args.reference)
    question = None if args.yes or args.dry_run else _Question()  # refuse before any request
    client = pool.get(registry)
    try:
        plan = await client.plan_delete(repository, reference)
        if args.with_referrers:
            plan = plan.including_referrers()
        for line in describe(plan):
            print(line, file=sys.stderr)
        if args.dry_run:
            return _report(plan, args, deleted=False)
        if question is not None and not question.ask(_prompt(plan)):
            fail("nothing deleted")
            return 1
    finally:
        if question is not None:
            question.close()
    from regview.registry import PartialDelete

    try:
        await client.delete(plan)
    except PartialDelete as exc:
        return _stopped(plan, args, exc)
    return _report(plan, args, deleted=True)


def _stopped(plan: DeletePlan, args: argparse.Namespace, exc: PartialDelete) -> int:
    """One delete of several failed: the error, then what went and what did not."""
    from regview.delete_text import step_label
    from regview.textsafe import visible

    def named(steps: tuple[DeleteStep, ...]) -> str:
        # Every one, however many (not clipped as an error line is): nothing unsaid.
        text = "; ".join(f"{step.digest} = {step_label(step)}" for step in steps)
        return visible(text) or "nothing"

    total = len(plan.deletes)
    fail(str(exc.cause))
    for word, steps in (("deleted", exc.deleted), ("not deleted", exc.not_deleted)):
        print(f"regview: {word} ({len(steps)} of {total}): {named(steps)}", file=sys.stderr)
    if args.json:
        doc = plan_json(plan, deleted=False)
        doc["deletedDigests"] = [step.digest for step in exc.deleted]
        doc["error"] = str(exc.cause)
        print_json(doc)
    return 1


def _prompt(plan: DeletePlan) -> str:
    n = len(plan.tags)
    what = (
        "this untagged manifest"
        if n == 0
        else f"this manifest and its {n:,} tag{'s' if n != 1 else ''}"
    )
    first = len(plan.referrer_deletes) if plan.with_referrers else 0
    left = 0 if first else len(plan.referrers or ())
    if first:
        what += f", and first the {first:,} manifest{'s' if first != 1 else ''} of its referrers"
    if left:
        what += f", leaving {left:,} artifact{'s' if left != 1 else ''} without their image"
    broken = len(plan.listed_by)
    if broken:
        what += (
            f", leaving {broken:,} index{'es' if broken != 1 else ''} that list"
            f"{'s' if broken == 1 else ''} it pointing at a missing manifest"
        )
    return f"Delete {what}? [y/N] "


def _report(plan: DeletePlan, args: argparse.Namespace, *, deleted: bool) -> int:
    from regview.textsafe import visible

    if args.json:
        print_json(plan_json(plan, deleted=deleted))
    elif deleted:
        print(f"deleted {visible(plan.by_digest, limit=400)}")
    else:
        print(f"would delete {visible(plan.by_digest, limit=400)}")
    return 0


COMMANDS = (
    Command(
        "delete",
        "delete a manifest (a tag's, by digest) after showing the tags that go with it",
        _arguments,
        lambda args: [_target(args.reference)[0]],
        _delete,
    ),
)
