"""Guarded delete: ``DELETE /v2/<name>/manifests/<digest>``, never by tag.

Deleting happens in two steps, so that a person (or a script with ``--yes``) sees what
goes before anything does:

1. :meth:`Deletes.plan` resolves the reference to its digest with a HEAD (the manifest
   ``Accept`` types, whatever the cache holds), reads the repository's tag list anew and
   resolves each tag in it, at most ``concurrency`` at a time, through the cache (an
   answer younger than ``tag_ttl``, else a HEAD), and returns a :class:`DeletePlan`: the
   digest, and every tag that points at it and will go with it. It also says what the
   delete leaves behind: the artifacts that refer to the digest (signatures, SBOMs,
   attestations, found as :class:`~regview.registry.referrers.Referrers` finds them, the
   tag list at hand sparing probes for tags that do not exist), which stay without their
   image; and, for an index, its child manifests, which stay too. A failure to find
   those out does not stop the plan: it is written in it, and the person decides.
   The plan also names the indexes tagged in the repository that list the digest
   (:mod:`~regview.registry.delete_listed_by`: they will point at a missing manifest),
   and what ``--with-referrers`` would delete before the image, in order
   (:mod:`~regview.registry.delete_referrers`: the referrers, theirs, and the
   ``sha256-<hex>`` indexes that list them).
2. :meth:`Deletes.delete` sends ``DELETE`` for the plan's digest. Distribution deletes a
   manifest by digest only, and removes every tag on it; deleting "a tag" is deleting
   that manifest. For a plan :meth:`DeletePlan.including_referrers` made, it first
   deletes the referrers, one ``DELETE`` each in the plan's order, and stops at the
   first that fails with a :class:`~regview.registry.delete_referrers.PartialDelete`
   that says what went and what did not (a referrer already gone, 404, is not a failure).

A registry that refuses (405 ``UNSUPPORTED``: distribution with delete disabled; 401,
403, 404) raises an error whose one-line message says what to do. After a delete (or
a 404: it is gone already) the cache no longer answers for that repository's tags: its
tag list and the tag -> digest entries of every tag listed are dropped, for this
identity and for anonymous reads. Manifests stay cached by digest: content-addressed,
they cannot change, and no tag resolves to them any more.
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass

from regview.natural import sort_tags
from regview.registry import media_types as mt
from regview.registry import tag_list
from regview.registry.delete_listed_by import ListingIndex, indexes_listing
from regview.registry.delete_referrers import (
    DeleteStep,
    PartialDelete,
    ReferrerDeletes,
    referrer_deletes,
)
from regview.registry.digests import is_digest, short_digest
from regview.registry.errors import (
    AuthError,
    Denied,
    NotFound,
    RegistryError,
    ServerError,
    Unsupported,
)
from regview.registry.manifests import Manifests
from regview.registry.models import Descriptor, ImageIndex
from regview.registry.reference import validate_tag
from regview.registry.referrers import FoundReferrer, Referrers
from regview.registry.session import Session
from regview.registry.urls import repo_path

__all__ = ["PLAN_CONCURRENCY", "DeletePlan", "Deletes"]

#: Tags resolved at once while a plan is made (half the default per-host limit).
PLAN_CONCURRENCY = 16


@dataclass(frozen=True, slots=True)
class DeletePlan:
    """What deleting ``reference`` removes: the manifest ``digest`` and every tag on it.

    ``tags`` holds every tag of the repository that pointed at ``digest`` when the plan
    was made (the tag asked for among them), in natural order; ``other_tags`` those
    besides the one asked for. ``listed`` is every tag the repository had then.

    ``referrers`` are the manifests whose ``subject`` is ``digest`` (signatures, SBOMs,
    attestations): the delete leaves them, and the tags that hold them, in place, without
    their image. None when they could not be looked up; ``referrers_error`` then says why.
    ``children`` are the manifests an index lists (its platform images, attestations): the
    delete removes the index only, and they stay; ``children_error`` says why they are
    not known when the index could not be read.

    ``listed_by`` are the indexes tagged in the repository that list ``digest`` (as a
    platform image, say): the delete leaves them pointing at a missing manifest.
    ``listed_by_unchecked`` counts the tagged indexes not read (too many), and
    ``listed_by_error`` says why some could not be read.

    ``referrer_deletes`` is what deleting with the referrers removes first, in order
    (the referrers, theirs, and the tag-schema indexes listing them), and
    ``referrer_notes`` what it cannot (lookups that failed, past the bounds). The plan
    deletes them only when ``with_referrers`` is set: :meth:`including_referrers`.
    """

    registry: str
    repository: str
    reference: str
    digest: str
    media_type: str
    size: int
    tags: tuple[str, ...]
    listed: tuple[str, ...] = ()
    referrers: tuple[FoundReferrer, ...] | None = None
    referrers_error: str | None = None
    children: tuple[Descriptor, ...] = ()
    children_error: str | None = None
    listed_by: tuple[ListingIndex, ...] = ()
    listed_by_unchecked: int = 0
    listed_by_error: str | None = None
    referrer_deletes: tuple[DeleteStep, ...] = ()
    referrer_notes: tuple[str, ...] = ()
    with_referrers: bool = False

    def including_referrers(self) -> DeletePlan:
        """This plan, deleting ``referrer_deletes`` before the manifest."""
        return dataclasses.replace(self, with_referrers=True)

    @property
    def deletes(self) -> tuple[DeleteStep, ...]:
        """Every ``DELETE`` the plan sends, in order: the image last."""
        image = DeleteStep(self.digest, self.media_type, "image", tags=self.tags)
        return (*(self.referrer_deletes if self.with_referrers else ()), image)

    @property
    def is_index(self) -> bool:
        """The manifest is an image index (or a Docker manifest list)."""
        return mt.is_index(self.media_type)

    @property
    def other_tags(self) -> tuple[str, ...]:
        """The tags that go too, besides the one asked for."""
        return tuple(t for t in self.tags if t != self.reference)

    @property
    def by_digest(self) -> str:
        """``HOST/REPO@DIGEST``: exactly what is deleted."""
        return f"{self.registry}/{self.repository}@{self.digest}"


class Deletes:
    """Plans and sends manifest deletes for one registry's session."""

    def __init__(self, session: Session, manifests: Manifests, referrers: Referrers) -> None:
        self._session = session
        self._manifests = manifests
        self._referrers = referrers

    async def plan(
        self, repository: str, reference: str, *, concurrency: int = PLAN_CONCURRENCY
    ) -> DeletePlan:
        """The digest ``reference`` names now, every tag that goes with it, and what stays.

        Raises :class:`NotFound` when the reference does not exist, and the registry's
        error when a tag cannot be resolved (nothing is deleted without knowing what goes).
        Referrers and an index's children that cannot be read are written in the plan.
        """
        if not is_digest(reference):
            validate_tag(reference)
        session = self._session
        target = await self._manifests.head(repository, reference)
        # The tag list is read anew (a tag pushed a moment ago may go too); the tags in it
        # are resolved through the cache (answers younger than ``tag_ttl``), else a HEAD.
        owner = await session.listing_owner()
        if owner is not None:
            tag_list.forget(session, repository, [owner])
        listed = await self._listed(repository)
        limit = asyncio.Semaphore(max(1, concurrency))

        async def resolved(tag: str) -> Descriptor | None:
            if tag == reference:
                return target
            async with limit:
                try:
                    return await self._manifests.resolve(repository, tag)
                except NotFound:
                    return None  # deleted since the list was read

        found, (referrers, referrers_error), (children, children_error) = await asyncio.gather(
            asyncio.gather(*(resolved(t) for t in listed)),
            self._referrers_of(repository, target.digest, set(listed)),
            self._children_of(repository, target),
        )
        tagged = {t: d for t, d in zip(listed, found, strict=True) if d is not None}
        tags = [t for t, d in tagged.items() if d.digest == target.digest]
        listed_by, cascade = await asyncio.gather(
            indexes_listing(
                self._manifests, repository, target.digest, tagged, concurrency=concurrency
            ),
            self._cascade(repository, target.digest, referrers, tagged),
        )
        if not is_digest(reference) and reference not in tags:
            tags.append(reference)  # a tag the list did not show yet
        return DeletePlan(
            registry=session.registry,
            repository=repository,
            reference=reference,
            digest=target.digest,
            media_type=target.media_type,
            size=target.size,
            tags=tuple(sort_tags(set(tags))),
            listed=tuple(listed),
            referrers=referrers,
            referrers_error=referrers_error,
            children=children,
            children_error=children_error,
            listed_by=listed_by.indexes,
            listed_by_unchecked=listed_by.unchecked,
            listed_by_error=listed_by.error,
            referrer_deletes=cascade.steps,
            referrer_notes=cascade.notes,
        )

    async def _cascade(
        self,
        repository: str,
        digest: str,
        referrers: tuple[FoundReferrer, ...] | None,
        tagged: dict[str, Descriptor],
    ) -> ReferrerDeletes:
        """What deleting with the referrers removes first; nothing when none are known."""
        if not referrers:
            return ReferrerDeletes()
        return await referrer_deletes(self._referrers, repository, digest, referrers, tagged)

    async def _referrers_of(
        self, repository: str, digest: str, listed: set[str]
    ) -> tuple[tuple[FoundReferrer, ...] | None, str | None]:
        """What refers to ``digest``; or None and why it could not be found out."""
        try:
            found = await self._referrers.find_where(repository, digest, tags=listed)
        except RegistryError as exc:
            return None, str(exc)
        return tuple(found), None

    async def _children_of(
        self, repository: str, target: Descriptor
    ) -> tuple[tuple[Descriptor, ...], str | None]:
        """The manifests an index lists (cached by digest, else one GET); () for an image."""
        if not mt.is_index(target.media_type):
            return (), None
        try:
            fetched = await self._manifests.manifest(repository, target.digest)
        except RegistryError as exc:
            return (), str(exc)
        index = fetched.manifest
        if not isinstance(index, ImageIndex):
            return (), f"{short_digest(target.digest)} is not an index as its type says"
        return index.manifests, None

    async def _listed(self, repository: str) -> list[str]:
        tags: list[str] = []
        try:
            async for page in tag_list.list_tags(self._session, repository):
                tags.extend(page)
        except NotFound:
            return []  # only untagged manifests: nothing goes along
        return sort_tags(set(tags))

    async def delete(self, plan: DeletePlan) -> None:
        """``DELETE`` the plan's manifests by digest, in order; then forget the repository's
        tags. Without ``with_referrers``, that is the one manifest of the plan."""
        if not (plan.with_referrers and plan.referrer_deletes):
            try:
                await self._send(plan.repository, plan.digest)
            except NotFound:
                self.forget(plan)
                raise
            self.forget(plan)
            return
        steps = plan.deletes
        done: list[DeleteStep] = []
        try:
            for step in steps:
                try:
                    await self._send(plan.repository, step.digest)
                except NotFound:
                    if step.role == "image":
                        raise
                    # A referrer gone already (another run, a registry that deletes
                    # them with their subject): what was asked for is done.
                done.append(step)
        except RegistryError as exc:
            raise PartialDelete(exc, tuple(done), steps[len(done) :]) from exc
        finally:
            self.forget(plan)

    async def _send(self, repository: str, digest: str) -> None:
        """One ``DELETE`` by digest; the registry's refusals as one-line errors."""
        session = self._session
        shown = f"{repository}@{short_digest(digest)}"
        try:
            await session.get(
                f"/v2/{repo_path(repository)}/manifests/{digest}",
                method="DELETE",
                scope=f"repository:{repository}:delete",
                what=f"delete {shown}",
                ok=(200, 202, 204),
            )
        except NotFound as exc:
            raise NotFound(
                f"{shown} is not in {session.registry} (deleted already?); "
                f"list what is left with: regview tags {session.registry}/{repository}",
                codes=exc.codes,
            ) from None
        except Denied as exc:
            raise Denied(
                f"{session.registry} does not let you delete in {repository} (403): "
                "ask for delete rights, or log in as a user that has them",
                codes=exc.codes,
            ) from None
        except AuthError as exc:
            if type(exc) is not AuthError:
                raise  # the login itself was refused: its message says so
            if session.owner not in (None, "anonymous"):
                message = (
                    f"{session.registry} does not let {session.identity} delete in {repository}"
                    " (401): the account lacks delete rights; log in as a user that has them"
                )
            else:
                message = (
                    f"{session.registry} wants credentials to delete in {repository} (401): "
                    "log in with -u USER --password-stdin, or an auth file, as a user that "
                    "may delete"
                )
            raise AuthError(message, codes=exc.codes) from None
        except ServerError as exc:
            if exc.status != 405:
                raise
            raise Unsupported(
                f"{session.registry} does not allow deleting manifests (405 UNSUPPORTED): "
                "its operator has to enable it (distribution: storage.delete.enabled: true)",
                codes=exc.codes,
            ) from None

    def forget(self, plan: DeletePlan) -> None:
        """Drop the repository's tag list and tag -> digest entries from the cache."""
        session = self._session
        tag_list.invalidate(session, plan.repository)
        owners = {"anonymous"} | ({session.owner} if session.owner is not None else set())
        tag_list.forget(session, plan.repository, owners)
        self._manifests.forget_tags(plan.repository, set(plan.listed) | set(plan.tags), owners)
