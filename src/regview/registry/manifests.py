"""Manifests: ``HEAD``/``GET /v2/<name>/manifests/<reference>``, verified and cached.

A manifest asked for by digest comes from the cache when it is there (content cannot
change); one asked for by tag goes through the tag's cached digest while it is fresh
(``tag_ttl``), else through a HEAD (cheaper than a GET, and not a pull on Docker Hub).
Every manifest fetched is checked against the digest asked for and against the
``Docker-Content-Digest`` header; a mismatch raises
:class:`~regview.registry.errors.DigestMismatch` and nothing is cached. Parsed
manifests are remembered by digest, so moving around an index does not parse the same
bytes again.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterable

from regview.registry import media_types as mt
from regview.registry.digests import compute_digest, is_digest, parse_digest, verify_digest
from regview.registry.errors import DigestMismatch, RegistryError
from regview.registry.models import Descriptor, Manifest
from regview.registry.offload import PARSE_IN_THREAD, off_loop
from regview.registry.parsers import parse_descriptor, parse_manifest
from regview.registry.responses import content_length, content_type
from regview.registry.session import Session
from regview.registry.singleflight import SingleFlight
from regview.registry.source import FetchedManifest
from regview.registry.urls import repo_path, segment

__all__ = ["Manifests"]

#: Parsed manifests kept by digest (immutable, so shared): moving around an index and its
#: images does not parse the same bytes again.
_PARSED_MEMO = 1024


class Manifests:
    """Resolves tags and fetches manifests for one registry's session."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._parsed: dict[str, Manifest] = {}
        self._head_flights: SingleFlight[Descriptor] = SingleFlight()
        self._manifest_flights: SingleFlight[FetchedManifest] = SingleFlight()

    # --- tag -> digest -----------------------------------------------------------------

    def _tag_key(self, owner: str, repository: str, tag: str) -> str:
        session = self._session
        return session.listing_key(owner, f"tag:{session.registry}/{repository}:{tag}")

    def _cached_tag(self, repository: str, tag: str, *, fresh: bool) -> Descriptor | None:
        """What the tag pointed to when we (this identity) last asked, if we may say so.

        The caller awaited :meth:`Session.listing_owner` first; a fresh answer is served
        only after :meth:`Session.confirm_login`. (Both are skipped, on this hot path,
        when the session already knows the answer.)
        """
        session = self._session
        owner = session.owner
        if owner is None:
            return None
        key = self._tag_key(owner, repository, tag)
        entry = session.cache.get_ref(key)
        if entry is None:
            return None
        if fresh and (
            entry.age() >= session.settings.tag_ttl
            or entry.fetched_at <= session.stale_time(repository)
        ):
            return None
        try:
            return parse_descriptor(entry.value, "cached tag")
        except RegistryError:
            session.cache.drop_ref(key)
            return None

    def _remember_tag(self, repository: str, tag: str, d: Descriptor) -> None:
        owner = self._session.owner
        if owner is None:
            return
        value = {"mediaType": d.media_type, "digest": d.digest, "size": d.size}
        self._session.cache.put_ref(self._tag_key(owner, repository, tag), value)

    def forget_tags(self, repository: str, tags: Iterable[str], owners: Iterable[str]) -> None:
        """Drop what ``tags`` of ``repository`` pointed to, as each of ``owners`` read it."""
        cache = self._session.cache
        for owner in owners:
            for tag in tags:
                cache.drop_ref(self._tag_key(owner, repository, tag))

    # --- content by digest -------------------------------------------------------------

    def _from_cache(
        self, repository: str, digest: str, raw: bytes | None = None
    ) -> FetchedManifest | None:
        if raw is None:
            raw = self._session.cache.get(digest)
        if raw is None:
            return None
        manifest = self._parsed.get(digest)
        if manifest is None:
            try:
                manifest = parse_manifest(raw)
            except RegistryError:
                return None
            self._remember_parsed(digest, manifest)
        self._session.hit(f"/v2/{repo_path(repository)}/manifests/{digest}")
        return FetchedManifest(repository, digest, manifest.media_type, raw, manifest)

    async def _from_cache_off_loop(self, repository: str, digest: str) -> FetchedManifest | None:
        """``_from_cache``, parsing a large manifest on a thread the first time."""
        raw = self._session.cache.get(digest)
        if raw is None:
            return None
        if digest not in self._parsed and len(raw) > PARSE_IN_THREAD:
            try:
                self._remember_parsed(digest, await asyncio.to_thread(parse_manifest, raw))
            except RegistryError:
                return None
        return self._from_cache(repository, digest, raw)

    def _remember_parsed(self, digest: str, manifest: Manifest) -> None:
        self._parsed[digest] = manifest
        while len(self._parsed) > _PARSED_MEMO:
            self._parsed.pop(next(iter(self._parsed)))

    def peek(self, repository: str, digest: str) -> FetchedManifest | None:
        """The manifest for ``digest`` from the cache, without a request; or None."""
        if not is_digest(digest):
            return None
        return self._from_cache(repository, digest)

    # --- requests ----------------------------------------------------------------------

    async def resolve(self, repository: str, reference: str) -> Descriptor:
        """Digest, media type and size of a tag or digest: from the cache, else a HEAD."""
        if is_digest(reference):
            cached = await self._from_cache_off_loop(repository, reference)
            if cached is not None:
                return cached.descriptor()
        else:
            session = self._session
            if session.owner is None:
                await session.listing_owner()
            tagged = self._cached_tag(repository, reference, fresh=True)
            if tagged is not None:
                if session.login_unconfirmed:
                    await session.confirm_login()
                session.hit(f"/v2/{repo_path(repository)}/manifests/{segment(reference)}")
                return tagged
        return await self._head_flights.do(
            ("head", repository, reference), lambda: self._head(repository, reference)
        )

    async def head(self, repository: str, reference: str) -> Descriptor:
        """Digest, media type and size of a tag or digest as the registry says it now: a
        HEAD whatever the cache holds (before a delete, a cached answer will not do)."""
        return await self._head_flights.do(
            ("head", repository, reference), lambda: self._head(repository, reference)
        )

    async def _head(self, repository: str, reference: str) -> Descriptor:
        session = self._session
        response = await session.get(
            f"/v2/{repo_path(repository)}/manifests/{segment(reference)}",
            method="HEAD",
            scope=f"repository:{repository}:pull",
            what=f"manifest {repository}:{reference}",
            headers={"Accept": ", ".join(mt.MANIFEST_ACCEPT)},
            not_found=f"{repository}:{reference} not found",
        )
        digest_header = response.headers.get("docker-content-digest")
        if digest_header is None or not is_digest(digest_header):
            # Some registries leave the digest out of HEAD answers: GET it instead.
            return (await self.manifest(repository, reference)).descriptor()
        if is_digest(reference) and digest_header != reference:
            raise DigestMismatch(
                f"{session.registry} answered for {reference} with {digest_header}",
                expected=reference,
                actual=digest_header,
            )
        media_type = content_type(response.headers) or mt.OCI_MANIFEST
        size = content_length(response.headers)
        d = Descriptor(media_type=media_type, digest=digest_header, size=size or 0)
        if not is_digest(reference):
            self._remember_tag(repository, reference, d)
        return d

    async def manifest(self, repository: str, reference: str) -> FetchedManifest:
        """The verified manifest a tag or digest names, from the cache when it can be."""
        if is_digest(reference):
            cached = await self._from_cache_off_loop(repository, reference)
            if cached is not None:
                return cached
        else:
            session = self._session
            if session.owner is None:
                await session.listing_owner()
            tagged = self._cached_tag(repository, reference, fresh=True)
            if tagged is not None:
                if session.login_unconfirmed:
                    await session.confirm_login()
                cached = await self._from_cache_off_loop(repository, tagged.digest)
                if cached is not None:
                    return cached
            stale = self._cached_tag(repository, reference, fresh=False)
            if stale is not None and self._session.cache.get(stale.digest) is not None:
                # A HEAD is cheaper than a GET and does not count as a pull on Docker Hub.
                current = await self.resolve(repository, reference)
                cached = await self._from_cache_off_loop(repository, current.digest)
                if cached is not None:
                    return cached
        return await self._manifest_flights.do(
            ("manifest", repository, reference),
            lambda: self._fetch(repository, reference),
        )

    async def _fetch(self, repository: str, reference: str) -> FetchedManifest:
        by_digest = is_digest(reference)
        if ":" in reference and not by_digest:
            parse_digest(reference)  # raises a clear InvalidReference
        response = await self._session.get(
            f"/v2/{repo_path(repository)}/manifests/{segment(reference)}",
            scope=f"repository:{repository}:pull",
            what=f"manifest {repository}:{reference}" if not by_digest else "manifest",
            headers={"Accept": ", ".join(mt.MANIFEST_ACCEPT)},
            not_found=f"{repository}{'@' if by_digest else ':'}{reference} not found",
        )
        raw = response.body
        manifest = await off_loop(len(raw), parse_manifest, raw, content_type(response.headers))
        schema1_signed = manifest.media_type == mt.DOCKER_SCHEMA1_SIGNED
        computed = schema1_digest(raw) if schema1_signed else compute_digest(raw)
        header = response.headers.get("docker-content-digest")
        if header is not None:
            header = header.strip()
            if is_digest(header) and header != computed:
                if header.split(":")[0] != "sha256":
                    verify_digest(raw, header, what="manifest")
                else:
                    raise DigestMismatch(
                        f"manifest of {repository}:{reference} does not match the "
                        f"Docker-Content-Digest header ({header[:19]}…); refusing it",
                        expected=header,
                        actual=computed,
                    )
        if by_digest and reference != computed:
            if reference.startswith("sha256:"):
                raise DigestMismatch(
                    f"manifest {reference[:19]}… of {repository} was served with other bytes "
                    f"(they hash to {computed[:19]}…); refusing it",
                    expected=reference,
                    actual=computed,
                )
            verify_digest(raw, reference, what="manifest")
            computed = reference
        if not schema1_signed:
            self._session.cache.put(computed, raw)
            self._remember_parsed(computed, manifest)
        if not by_digest:
            self._remember_tag(
                repository,
                reference,
                Descriptor(media_type=manifest.media_type, digest=computed, size=len(raw)),
            )
        return FetchedManifest(repository, computed, manifest.media_type, raw, manifest)


def schema1_digest(raw: bytes) -> str:
    """Digest of a signed schema1 manifest: of its JWS payload, signatures removed."""
    try:
        obj = json.loads(raw)
        protected = obj["signatures"][0]["protected"]
        header = json.loads(base64.urlsafe_b64decode(protected + "=" * (-len(protected) % 4)))
        length = int(header["formatLength"])
        tail = header["formatTail"]
        payload = raw[:length] + base64.urlsafe_b64decode(tail + "=" * (-len(tail) % 4))
    except (ValueError, KeyError, IndexError, TypeError, RecursionError, OverflowError):
        # OverflowError: "formatLength": 1e999 is a float infinity, and int() refuses it.
        return compute_digest(raw)
    return compute_digest(payload)
