"""The caching registry client: a :class:`~regview.registry.source.Source` over HTTP.

One :class:`RegistryClient` talks to one registry. :class:`ClientPool` hands out clients
for several registries that share one cache and one credential store (the CLI's
``inspect`` of references on different hosts uses it).

Content addressed by digest (manifests, configs) comes from the cache without a request;
tags and tag lists are trusted for ``tag_ttl`` seconds, then revalidated (a HEAD for a
tag, ``If-None-Match`` for a tag list when the server gave an ETag).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from regview.registry import media_types as mt
from regview.registry.blobs import BlobStream, HttpBlobStream
from regview.registry.cache import ContentCache
from regview.registry.credentials import Credential, CredentialStore
from regview.registry.digests import compute_digest, is_digest, parse_digest, verify_digest
from regview.registry.errors import (
    AuthError,
    Denied,
    DigestMismatch,
    InvalidReference,
    LoginFailed,
    MalformedContent,
    NotFound,
    ProtocolError,
    RegistryError,
    TooLarge,
)
from regview.registry.models import (
    Descriptor,
    ImageIndex,
    Manifest,
    load_json,
    parse_config,
    parse_descriptor,
    parse_manifest,
)
from regview.registry.reference import is_loopback, normalize_registry
from regview.registry.settings import RequestRecord, Settings
from regview.registry.singleflight import SingleFlight
from regview.registry.source import FetchedConfig, FetchedManifest, Stats
from regview.registry.transport import Response, Transport, error_for

__all__ = ["ApiVersion", "ClientPool", "RegistryClient", "api_base_url"]

_CATALOG_PAGE = 1000
_FALLBACK_PAGE = 100
_COSIGN_SUFFIXES = {
    ".sig": mt.COSIGN_SIGNATURE,
    ".att": "application/vnd.dsse.envelope.v1+json",
    ".sbom": "application/vnd.dev.cosign.sbom",
}


def api_base_url(registry: str, *, plain_http: bool = False) -> str:
    """``https://registry-1.docker.io`` for docker.io, ``http://`` for loopback hosts.

    A loopback host that turns out to speak TLS is switched to https by the transport.
    """
    host = "registry-1.docker.io" if registry == "docker.io" else registry
    scheme = "http" if plain_http or is_loopback(host) else "https"
    return f"{scheme}://{host}"


def _segment(text: str) -> str:
    """Percent-encode one path segment; ``.`` and ``..`` cannot walk up the path."""
    try:
        encoded = quote(text, safe=":@")
    except UnicodeEncodeError:
        # A name from JSON may hold a lone surrogate ("\udcff"): no URL can name it.
        raise InvalidReference(
            "name or tag is not valid Unicode (it holds a lone surrogate); it cannot be "
            "asked for"
        ) from None
    if encoded in (".", ".."):
        encoded = encoded.replace(".", "%2E")
    return encoded


def _repo_path(repository: str) -> str:
    if not repository:
        raise InvalidReference("empty repository name")
    return "/".join(_segment(part) for part in repository.split("/"))


@dataclass(frozen=True, slots=True)
class ApiVersion:
    """What ``GET /v2/`` told us."""

    status: int
    api_version: str | None
    auth_schemes: tuple[str, ...]


class _NotModified(Exception):
    pass


class RegistryClient:
    """Read-only client for one registry, with verification, limits and caching."""

    def __init__(
        self,
        registry: str,
        *,
        settings: Settings | None = None,
        credentials: CredentialStore | None = None,
        credential: Credential | None = None,
        cache: ContentCache | None = None,
        http_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.registry = normalize_registry(registry)
        self.settings = settings or Settings()
        self._store = credentials
        self._static = credential
        if cache is None:
            cache = ContentCache(self.settings.cache_root(), write_behind=True)
            self._owns_cache = True
        else:
            self._owns_cache = False
        self.cache = cache
        self._stats = Stats()
        self._transport = Transport(
            self.registry,
            api_base_url(self.registry, plain_http=self.settings.plain_http),
            settings=self.settings,
            stats=self._stats,
            credentials=self._credential,
            http_transport=http_transport,
            may_switch_to_https=not self.settings.plain_http,
        )
        self._head_flights: SingleFlight[Descriptor] = SingleFlight()
        self._parsed: dict[str, Manifest] = {}
        self._manifest_flights: SingleFlight[FetchedManifest] = SingleFlight()
        self._blob_flights: SingleFlight[bytes] = SingleFlight()
        self._blob_sizes: dict[str, int] = {}
        self._referrers_api: bool | None = None
        self._stale_before: dict[str, float] = {}
        self._identity = "anonymous"

    # --- Source properties -------------------------------------------------------------

    @property
    def name(self) -> str:
        """The registry host (``host[:port]``, ``docker.io`` for Docker Hub)."""
        return self.registry

    @property
    def identity(self) -> str:
        """Who we are there: the user name once credentials are used, else ``anonymous``."""
        return self._identity

    @property
    def stats(self) -> Stats:
        """Request, cache-hit and pull-budget counters, updated in place."""
        return self._stats

    @property
    def token_requests(self) -> int:
        """Token requests sent to the auth realm so far."""
        return self._transport.auth.token_requests

    def _hit(self, path: str) -> None:
        """Count a cache hit, and log it with ``-v`` like a request that was not sent."""
        self._stats.cache_hits += 1
        logger = self.settings.logger
        if logger is not None:
            url = str(self._transport.url(path))
            logger(RequestRecord(method="GET", url=url, status=None, elapsed_ms=0.0, cache="hit"))

    async def _credential(self) -> Credential | None:
        cred = self._static
        if cred is None and self._store is not None:
            cred = await asyncio.to_thread(self._store.lookup, self.registry)
        if cred is not None and not cred.is_anonymous:
            self._identity = cred.username or "token"
        return cred

    async def aclose(self) -> None:
        """Close the connections and wait for the cache writes this client owns."""
        try:
            await self._transport.aclose()
        finally:
            if self._owns_cache:
                await asyncio.to_thread(self.cache.flush)

    async def __aenter__(self) -> RegistryClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # --- requests ----------------------------------------------------------------------

    async def _get(
        self,
        path: str,
        *,
        scope: str | None,
        what: str,
        method: str = "GET",
        headers: dict[str, str] | None = None,
        params: dict[str, str | int] | None = None,
        max_bytes: int | None = None,
        not_found: str | None = None,
        ok: tuple[int, ...] = (200,),
    ) -> Response:
        url = self._transport.url(path, params)
        response = await self._transport.request(
            method, url, scope=scope, headers=headers, max_bytes=max_bytes, what=what
        )
        if response.status not in ok:
            raise error_for(response, what, not_found=not_found)
        return response

    async def ping(self) -> ApiVersion:
        """``GET /v2/``: is this a registry, and which auth does it want?"""
        url = self._transport.url("/v2/")
        response = await self._transport.request("GET", url, scope=None, what="API check")
        if response.status not in (200, 401):
            raise error_for(response, "API check")
        schemes = tuple(
            sorted(
                {
                    v.split(" ", 1)[0].lower()
                    for v in response.headers.get_list("www-authenticate")
                    if v.strip()
                }
            )
        )
        return ApiVersion(
            response.status, response.headers.get("docker-distribution-api-version"), schemes
        )

    # --- listings ----------------------------------------------------------------------

    async def repositories(self, *, page_size: int | None = None) -> AsyncIterator[list[str]]:
        """Repository names from ``_catalog``, one page at a time (Link pagination)."""
        try:
            async for page in self._paginate(
                "/v2/_catalog",
                "repositories",
                scope="registry:catalog:*",
                page_size=page_size or _CATALOG_PAGE,
                what="catalog",
            ):
                yield page
        except NotFound:
            raise Denied(
                f"{self.registry} does not list its repositories (no catalog API); "
                "open a repository by name instead"
            ) from None
        except AuthError as exc:
            if isinstance(exc, Denied | LoginFailed):
                raise
            if self._identity == "anonymous":
                raise Denied(
                    f"{self.registry} lists its repositories only to authenticated users: "
                    "log in (docker login, or -u with --password-stdin) or open a "
                    "repository by name",
                    codes=exc.codes,
                ) from None
            raise Denied(
                f"{self.registry} does not list its repositories to {self._identity}: "
                "open a repository by name",
                codes=exc.codes,
            ) from None

    async def tags(self, repository: str) -> AsyncIterator[list[str]]:
        """Tags of ``repository``, one page at a time; cached, then revalidated."""
        key = f"tags:{self.registry}/{repository}"
        entry = self.cache.get_ref(key)
        if entry is not None and not _is_tag_list(entry.value):
            # Not what we wrote (a corrupt or tampered cache file): refuse it.
            self.cache.drop_ref(key)
            entry = None
        if (
            entry is not None
            and entry.age() < self.settings.tag_ttl
            and entry.fetched_at > self._stale_before.get("", 0.0)
        ):
            self._hit(f"/v2/{_repo_path(repository)}/tags/list")
            yield list(entry.value)
            return
        etag_holder: list[str | None] = [None]
        first_headers = {}
        if entry is not None and entry.etag:
            first_headers["If-None-Match"] = entry.etag
        collected: list[str] = []
        pages = 0
        try:
            async for page in self._paginate(
                f"/v2/{_repo_path(repository)}/tags/list",
                "tags",
                scope=f"repository:{repository}:pull",
                page_size=_CATALOG_PAGE,
                what=f"tag list of {repository}",
                first_headers=first_headers,
                etag_holder=etag_holder,
            ):
                pages += 1
                collected.extend(page)
                yield page
        except _NotModified:
            assert entry is not None
            self._stats.cache_hits += 1  # the 304 itself was logged as a request
            self.cache.put_ref(key, entry.value, etag=entry.etag)
            yield list(entry.value)
            return
        self.cache.put_ref(key, collected, etag=etag_holder[0] if pages == 1 else None)

    def invalidate(self, repository: str | None = None) -> None:
        """Ask the registry again, next time, for tags (all repositories when None).

        The tag list is dropped, and every tag -> digest answer fetched until now counts
        as stale, so the next look at a tag is revalidated (a HEAD). Content addressed by
        digest is never invalidated: it cannot change.
        """
        now = time.time()
        if repository is None:
            self._stale_before[""] = now
        else:
            self._stale_before[repository] = now
            self.cache.drop_ref(f"tags:{self.registry}/{repository}")

    async def _paginate(
        self,
        path: str,
        key: str,
        *,
        scope: str,
        page_size: int,
        what: str,
        first_headers: dict[str, str] | None = None,
        etag_holder: list[str | None] | None = None,
    ) -> AsyncIterator[list[str]]:
        url = self._transport.url(path, {"n": page_size})
        seen: set[str] = set()
        previous: list[str] | None = None
        pages = 0
        fell_back = False
        headers = first_headers
        while True:
            if str(url) in seen:
                # Pages already yielded stay with the caller; the error says the list may
                # be short. (A registry that ignores ``last`` and repeats one page is
                # caught below, silently: what it sent was the whole list.)
                raise ProtocolError(
                    f"the {what} links back to a page it already sent; stopped, so the "
                    "list may be incomplete"
                )
            seen.add(str(url))
            pages += 1
            if pages > self.settings.max_pages:
                raise ProtocolError(
                    f"stopped after {self.settings.max_pages:,} pages of the {what}; "
                    "raise the limit with --max-pages"
                )
            response = await self._transport.request(
                "GET", url, scope=scope, headers=headers, what=what
            )
            if response.status == 304 and headers and "If-None-Match" in headers:
                raise _NotModified
            headers = None
            if response.status == 400 and not fell_back and url.params.get("n"):
                fell_back = True
                seen.discard(str(url))
                # ``n`` may come from the server's own Link header: it need not be a number.
                try:
                    current = int(url.params["n"])
                except ValueError:
                    current = 0
                smaller = min(_FALLBACK_PAGE, current // 2 or 1)
                url = (
                    url.copy_set_param("n", smaller)
                    if smaller < current
                    else url.copy_remove_param("n")
                )
                continue
            if response.status == 404 and key == "tags":
                return  # NAME_UNKNOWN: a repository with no tags
            if response.status != 200:
                raise error_for(response, what)
            if pages == 1 and etag_holder is not None:
                etag_holder[0] = response.headers.get("etag")
            items = await _off_loop(len(response.body), _parse_page, response.body, key, what)
            if previous is not None and items == previous and items:
                return
            previous = items
            yield items
            link = _next_link(response.headers.get_list("link"))
            if link is None:
                return
            try:
                next_url = response.url.join(link)
            except httpx.InvalidURL:
                raise ProtocolError(f"the {what} has an invalid Link header; stopped") from None
            if not self._transport.same_origin(next_url):
                raise ProtocolError(
                    f"the {what} continues on another host ({next_url.host[:60]}); "
                    "stopped there rather than follow it"
                )
            url = next_url

    # --- manifests ---------------------------------------------------------------------

    def _tag_key(self, repository: str, tag: str) -> str:
        return f"tag:{self.registry}/{repository}:{tag}"

    def _cached_tag(self, repository: str, tag: str, *, fresh: bool) -> Descriptor | None:
        entry = self.cache.get_ref(self._tag_key(repository, tag))
        if entry is None:
            return None
        if fresh:
            stale_before = max(
                self._stale_before.get(repository, 0.0), self._stale_before.get("", 0.0)
            )
            if entry.age() >= self.settings.tag_ttl or entry.fetched_at <= stale_before:
                return None
        try:
            return parse_descriptor(entry.value, "cached tag")
        except RegistryError:
            self.cache.drop_ref(self._tag_key(repository, tag))
            return None

    def _remember_tag(self, repository: str, tag: str, d: Descriptor) -> None:
        value = {"mediaType": d.media_type, "digest": d.digest, "size": d.size}
        self.cache.put_ref(self._tag_key(repository, tag), value)

    def _from_cache(
        self, repository: str, digest: str, raw: bytes | None = None
    ) -> FetchedManifest | None:
        if raw is None:
            raw = self.cache.get(digest)
        if raw is None:
            return None
        manifest = self._parsed.get(digest)
        if manifest is None:
            try:
                manifest = parse_manifest(raw)
            except RegistryError:
                return None
            self._remember_parsed(digest, manifest)
        self._hit(f"/v2/{_repo_path(repository)}/manifests/{digest}")
        return FetchedManifest(repository, digest, manifest.media_type, raw, manifest)

    async def _from_cache_off_loop(self, repository: str, digest: str) -> FetchedManifest | None:
        """``_from_cache``, parsing a large manifest on a thread the first time."""
        raw = self.cache.get(digest)
        if raw is None:
            return None
        if digest not in self._parsed and len(raw) > _PARSE_IN_THREAD:
            try:
                self._remember_parsed(digest, await asyncio.to_thread(parse_manifest, raw))
            except RegistryError:
                return None
        return self._from_cache(repository, digest, raw)

    def _remember_parsed(self, digest: str, manifest: Manifest) -> None:
        self._parsed[digest] = manifest
        while len(self._parsed) > _PARSED_MEMO:
            self._parsed.pop(next(iter(self._parsed)))

    def peek_manifest(self, repository: str, digest: str) -> FetchedManifest | None:
        """The manifest for ``digest`` from the cache, without a request; or None."""
        if not is_digest(digest):
            return None
        return self._from_cache(repository, digest)

    @property
    def meters_pulls(self) -> bool:
        """True on Docker Hub, or once a registry sent rate-limit headers."""
        return self.registry == "docker.io" or self._stats.rate_limit is not None

    async def resolve(self, repository: str, reference: str) -> Descriptor:
        """Digest, media type and size of a tag or digest: from the cache, else a HEAD."""
        if is_digest(reference):
            cached = await self._from_cache_off_loop(repository, reference)
            if cached is not None:
                return cached.descriptor()
        else:
            tagged = self._cached_tag(repository, reference, fresh=True)
            if tagged is not None:
                self._hit(f"/v2/{_repo_path(repository)}/manifests/{_segment(reference)}")
                return tagged
        return await self._head_flights.do(
            ("head", repository, reference), lambda: self._head_manifest(repository, reference)
        )

    async def _head_manifest(self, repository: str, reference: str) -> Descriptor:
        response = await self._get(
            f"/v2/{_repo_path(repository)}/manifests/{_segment(reference)}",
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
                f"{self.registry} answered for {reference} with {digest_header}",
                expected=reference,
                actual=digest_header,
            )
        media_type = _content_type(response.headers) or mt.OCI_MANIFEST
        size = _content_length(response.headers)
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
            tagged = self._cached_tag(repository, reference, fresh=True)
            if tagged is not None:
                cached = await self._from_cache_off_loop(repository, tagged.digest)
                if cached is not None:
                    return cached
            stale = self._cached_tag(repository, reference, fresh=False)
            if stale is not None and self.cache.get(stale.digest) is not None:
                # A HEAD is cheaper than a GET and does not count as a pull on Docker Hub.
                current = await self.resolve(repository, reference)
                cached = await self._from_cache_off_loop(repository, current.digest)
                if cached is not None:
                    return cached
        return await self._manifest_flights.do(
            ("manifest", repository, reference),
            lambda: self._fetch_manifest(repository, reference),
        )

    async def _fetch_manifest(self, repository: str, reference: str) -> FetchedManifest:
        by_digest = is_digest(reference)
        if ":" in reference and not by_digest:
            parse_digest(reference)  # raises a clear InvalidReference
        response = await self._get(
            f"/v2/{_repo_path(repository)}/manifests/{_segment(reference)}",
            scope=f"repository:{repository}:pull",
            what=f"manifest {repository}:{reference}" if not by_digest else "manifest",
            headers={"Accept": ", ".join(mt.MANIFEST_ACCEPT)},
            not_found=f"{repository}{'@' if by_digest else ':'}{reference} not found",
        )
        raw = response.body
        content_type = _content_type(response.headers)
        manifest = await _off_loop(len(raw), parse_manifest, raw, content_type)
        schema1_signed = manifest.media_type == mt.DOCKER_SCHEMA1_SIGNED
        computed = _schema1_digest(raw) if schema1_signed else compute_digest(raw)
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
            self.cache.put(computed, raw)
            self._remember_parsed(computed, manifest)
        if not by_digest:
            self._remember_tag(
                repository,
                reference,
                Descriptor(media_type=manifest.media_type, digest=computed, size=len(raw)),
            )
        return FetchedManifest(repository, computed, manifest.media_type, raw, manifest)

    # --- blobs -------------------------------------------------------------------------

    async def config(self, repository: str, descriptor: Descriptor) -> FetchedConfig:
        """The verified, parsed image config a manifest's ``config`` descriptor names."""
        raw = await self.config_bytes(repository, descriptor)
        return FetchedConfig(descriptor.digest, raw, await _off_loop(len(raw), parse_config, raw))

    async def config_bytes(self, repository: str, descriptor: Descriptor) -> bytes:
        """The verified bytes of a config (or any small blob) named by ``descriptor``."""
        digest = parse_digest(descriptor.digest)
        limit = self.settings.max_body_bytes
        if descriptor.size > limit:
            raise TooLarge(
                f"config {digest[:19]}… declares {descriptor.size:,} bytes, over the "
                f"{limit:,} byte limit",
                limit=limit,
            )
        cached = self.cache.get(digest)
        if cached is not None:
            self._hit(f"/v2/{_repo_path(repository)}/blobs/{digest}")
            return cached
        return await self._blob_flights.do(
            ("blob", digest), lambda: self._fetch_blob(repository, digest)
        )

    async def _fetch_blob(self, repository: str, digest: str) -> bytes:
        response = await self._get(
            f"/v2/{_repo_path(repository)}/blobs/{_segment(digest)}",
            scope=f"repository:{repository}:pull",
            what=f"blob {digest[:19]}…",
            not_found=f"blob {digest[:19]}… not found in {repository}",
        )
        verify_digest(response.body, digest, what=f"blob {digest[:19]}…")
        self.cache.put(digest, response.body)
        return response.body

    async def blob_size(self, repository: str, digest: str) -> int:
        """Size of a blob from a HEAD request, remembered per digest."""
        parse_digest(digest)
        known = self._blob_sizes.get(digest)
        if known is not None:
            self._stats.cache_hits += 1
            return known
        response = await self._get(
            f"/v2/{_repo_path(repository)}/blobs/{_segment(digest)}",
            method="HEAD",
            scope=f"repository:{repository}:pull",
            what=f"blob {digest[:19]}…",
            not_found=f"blob {digest[:19]}… not found in {repository}",
        )
        size = _content_length(response.headers)
        if size is None:
            raise ProtocolError(f"{self.registry} gave no size for blob {digest[:19]}…")
        self._blob_sizes[digest] = size
        return size

    @contextlib.asynccontextmanager
    async def open_blob(
        self, repository: str, digest: str, *, offset: int = 0, length: int | None = None
    ) -> AsyncIterator[BlobStream]:
        """Stream a blob (e.g. a layer), or ``length`` bytes of it from ``offset``."""
        parse_digest(digest)
        ranged = offset > 0 or length is not None
        headers: dict[str, str] = {}
        if ranged:
            end = "" if length is None else str(offset + length - 1)
            headers["Range"] = f"bytes={offset}-{end}"
        url = self._transport.url(f"/v2/{_repo_path(repository)}/blobs/{_segment(digest)}")
        async with self._transport.open_stream(
            url,
            scope=f"repository:{repository}:pull",
            headers=headers,
            what=f"blob {digest[:19]}…",
            not_found=f"blob {digest[:19]}… not found in {repository}",
        ) as response:
            if ranged and response.status_code != 206:
                raise ProtocolError(f"{self.registry} does not serve byte ranges of blobs")

            def count(n: int) -> None:
                self._stats.bytes_received += n

            yield HttpBlobStream(response, digest, ranged=ranged, on_bytes=count)

    # --- referrers ---------------------------------------------------------------------

    async def referrers(self, repository: str, digest: str) -> list[Descriptor]:
        """Referrers API when offered, else the ``sha256-<hex>`` tag schema, plus cosign tags."""
        parse_digest(digest)
        found: dict[str, Descriptor] = {}
        listed = await self._referrers_via_api(repository, digest)
        if listed is None:
            listed = await self._referrers_via_tag(repository, digest)
        for d in listed:
            found.setdefault(d.digest, d)
        for d in await self._cosign_tags(repository, digest):
            found.setdefault(d.digest, d)
        return await self._with_artifact_types(repository, list(found.values()))

    async def _with_artifact_types(
        self, repository: str, referrers: list[Descriptor]
    ) -> list[Descriptor]:
        """Fill in ``artifactType`` where the listing left it out, from the manifests.

        The referrers API sets it, but a tag-schema index written by an older client
        (skopeo 1.9 drops it when it copies an index) may not, and the user then sees
        "referrer" where "signature" or "SBOM" was meant. A referrer manifest is small and
        cached forever by digest. Not on registries that meter pulls: every GET counts.
        """
        if self.meters_pulls or all(d.artifact_type for d in referrers):
            return referrers

        async def typed(d: Descriptor) -> Descriptor:
            if d.artifact_type:
                return d
            try:
                fetched = await self.manifest(repository, d.digest)
            except RegistryError:
                return d  # listed, but unreadable: shown untyped, and fails when opened
            kind = getattr(fetched.manifest, "artifact_type", None)
            return dataclasses.replace(d, artifact_type=kind) if kind else d

        return list(await asyncio.gather(*(typed(d) for d in referrers)))

    async def _referrers_via_api(self, repository: str, digest: str) -> list[Descriptor] | None:
        if self._referrers_api is False:
            return None
        response = await self._transport.request(
            "GET",
            self._transport.url(f"/v2/{_repo_path(repository)}/referrers/{_segment(digest)}"),
            scope=f"repository:{repository}:pull",
            headers={"Accept": mt.OCI_INDEX},
            what="referrers",
        )
        content_type = _content_type(response.headers)
        if response.status == 200 and content_type == mt.OCI_INDEX:
            self._referrers_api = True
            index = parse_manifest(response.body, mt.OCI_INDEX)
            if not isinstance(index, ImageIndex):
                raise MalformedContent("the referrers answer is not an image index")
            return list(index.manifests)
        if response.status in (404, 405, 400) or response.status == 200:
            self._referrers_api = False
            return None
        raise error_for(response, "referrers")

    async def _referrers_via_tag(self, repository: str, digest: str) -> list[Descriptor]:
        tag = digest.replace(":", "-")
        try:
            if self.meters_pulls:
                # Most images have no referrers: find out with a HEAD, which is not a pull.
                found = await self.resolve(repository, tag)
                fetched = await self.manifest(repository, found.digest)
            else:
                fetched = await self.manifest(repository, tag)
        except NotFound:
            return []
        if not isinstance(fetched.manifest, ImageIndex):
            return []
        return list(fetched.manifest.manifests)

    async def _cosign_tags(self, repository: str, digest: str) -> list[Descriptor]:
        base = digest.replace(":", "-")

        async def probe(suffix: str, artifact_type: str) -> Descriptor | None:
            tag = base + suffix
            try:
                d = await self.resolve(repository, tag)
            except NotFound:
                return None
            return Descriptor(
                media_type=d.media_type,
                digest=d.digest,
                size=d.size,
                artifact_type=artifact_type,
                annotations={"regview.tag": tag},
            )

        if len(base) + 5 > 128:  # tags are at most 128 characters
            return []
        results = await asyncio.gather(*(probe(s, t) for s, t in _COSIGN_SUFFIXES.items()))
        return [d for d in results if d is not None]


class ClientPool:
    """Clients for any number of registries, sharing one cache and one credential store."""

    def __init__(
        self,
        *,
        settings: Settings | None = None,
        credentials: CredentialStore | None = None,
        static: dict[str, Credential] | None = None,
        http_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.credentials = credentials
        self.static = dict(static or {})
        self.cache = ContentCache(self.settings.cache_root(), write_behind=True)
        self._http_transport = http_transport
        self._clients: dict[str, RegistryClient] = {}

    def get(self, registry: str) -> RegistryClient:
        """The client for ``registry``, made on first use."""
        key = normalize_registry(registry)
        client = self._clients.get(key)
        if client is None:
            client = RegistryClient(
                key,
                settings=self.settings,
                credentials=self.credentials,
                credential=self.static.get(key),
                cache=self.cache,
                http_transport=self._http_transport,
            )
            self._clients[key] = client
        return client

    @property
    def clients(self) -> list[RegistryClient]:
        """The clients made so far."""
        return list(self._clients.values())

    async def aclose(self) -> None:
        """Close every client, then wait for the cache writes."""
        try:
            await asyncio.gather(*(c.aclose() for c in self._clients.values()))
        finally:
            await asyncio.to_thread(self.cache.flush)

    async def __aenter__(self) -> ClientPool:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


# --- helpers ---------------------------------------------------------------------------

#: Bodies larger than this are parsed on a thread: a 4 MiB manifest takes ~0.3 s to parse,
#: and a million-tag list over a second, which would freeze the UI's event loop.
_PARSE_IN_THREAD = 256 * 1024
#: Parsed manifests kept by digest (immutable, so shared): moving around an index and its
#: images does not parse the same bytes again.
_PARSED_MEMO = 1024
_T = TypeVar("_T")


async def _off_loop(size: int, fn: Callable[..., _T], *args: Any) -> _T:
    """``fn(*args)``; on a worker thread when its input (``size`` bytes) is large."""
    if size > _PARSE_IN_THREAD:
        return await asyncio.to_thread(fn, *args)
    return fn(*args)


def _parse_page(body: bytes, key: str, what: str) -> list[str]:
    obj = load_json(body, what)
    if not isinstance(obj, dict):
        raise MalformedContent(f"the {what} is not a JSON object")
    items = obj.get(key)
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
        raise MalformedContent(f"the {what} field {key!r} is not a list of strings")
    return items


def _next_link(values: list[str]) -> str | None:
    """The ``rel="next"`` target of ``Link`` headers (RFC 8288), or None.

    A linear scan: a regular expression with nested optional groups backtracks for
    seconds on a hostile header like ``<<<<...`` and would freeze the caller's loop.
    """
    for value in values[:16]:
        text = value[:8192]
        pos = 0
        while True:
            start = text.find("<", pos)
            if start < 0:
                break
            end = text.find(">", start + 1)
            if end < 0:
                break
            following = text.find("<", end + 1)
            params = text[end + 1 : following if following >= 0 else len(text)]
            if _is_next(params):
                return text[start + 1 : end].strip()
            if following < 0:
                break
            pos = following
    return None


def _is_next(params: str) -> bool:
    """Whether a link's parameters (``; rel="next"; ...``) include the ``next`` relation."""
    for param in params.split(";"):
        name, eq, value = param.partition("=")
        if eq and name.strip().lower() == "rel":
            rels = value.strip().rstrip(",").strip().strip('"').lower().split()
            if "next" in rels:
                return True
    return False


def _is_tag_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(x, str) for x in value)


def _content_type(headers: httpx.Headers) -> str | None:
    value = headers.get("content-type")
    if not value:
        return None
    return value.split(";", 1)[0].strip().lower() or None


def _content_length(headers: httpx.Headers) -> int | None:
    value = headers.get("content-length")
    if value is None:
        return None
    try:
        n = int(value)
    except ValueError:
        return None
    return n if n >= 0 else None


def _schema1_digest(raw: bytes) -> str:
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
