"""What every operation on one registry shares: the transport, the cache, the counters.

The operations (:mod:`~regview.registry.catalog`, :mod:`~regview.registry.tag_list`,
:mod:`~regview.registry.manifests`, :mod:`~regview.registry.blob_fetch`,
:mod:`~regview.registry.referrers`) each take a :class:`Session`;
:class:`~regview.registry.client.RegistryClient` composes them.

Cached listings (tag lists, tag -> digest answers) belong to the identity that read them:
their cache keys start with the owner: ``anonymous``, ``token`` (an identity token
without a user name), or ``user-`` and a SHA-256 of the user name, so that the name is
not written to the cache either. Nothing derived from a password or a token is ever in
a key. And before a cached listing is served to an authenticated identity, the registry must
have accepted its credentials in this process: if no request has shown it yet,
:meth:`Session.confirm_login` asks once (``GET /v2/`` with the credentials), so a wrong
password is refused even while the cache is fresh.
"""

from __future__ import annotations

import asyncio
import hashlib
import time

import httpx

from regview.registry.cache import ContentCache
from regview.registry.credential import Credential
from regview.registry.credentials import CredentialStore
from regview.registry.errors import CredentialsError
from regview.registry.responses import Response, error_for
from regview.registry.settings import RequestRecord, Settings
from regview.registry.singleflight import SingleFlight
from regview.registry.source import Stats
from regview.registry.transport import Transport
from regview.registry.urls import api_base_url

__all__ = ["Session"]


class Session:
    """One registry's transport, cache, settings and counters, and who we are there."""

    def __init__(
        self,
        registry: str,
        *,
        settings: Settings,
        cache: ContentCache,
        credentials: CredentialStore | None,
        credential: Credential | None,
        http_transport: httpx.AsyncBaseTransport | None,
    ) -> None:
        self.registry = registry
        self.settings = settings
        self.cache = cache
        self.stats = Stats()
        self._store = credentials
        self._static = credential
        self.identity = "anonymous"
        #: Whose cached listings we read and write; None until the credential is known.
        self.owner: str | None = None
        self._owner_unknown = False
        self._login_confirmed = False
        self._login_check: SingleFlight[None] = SingleFlight()
        #: Tag answers fetched before these times are stale: by repository, "" for all.
        self.stale_before: dict[str, float] = {}
        self.transport = Transport(
            registry,
            api_base_url(
                registry, plain_http=settings.plain_http, endpoints=settings.endpoints
            ),
            settings=settings,
            stats=self.stats,
            credentials=self._credential,
            http_transport=http_transport,
            may_switch_to_https=not settings.plain_http,
        )

    async def _credential(self) -> Credential | None:
        cred = self._static
        if cred is None and self._store is not None:
            cred = await asyncio.to_thread(self._store.lookup, self.registry)
        if cred is not None and not cred.is_anonymous:
            self.identity = cred.username or "token"
            self.owner = _user_owner(cred.username) if cred.username else "token"
            self.stats.credential_origin = cred.source or "given by the program"
        else:
            self.owner = "anonymous"
        return cred

    async def listing_owner(self) -> str | None:
        """Whose cached listings this session reads and writes (see the module docstring).

        None when the credential could not be looked up (a broken auth file or helper):
        listings are then neither read from nor written to the cache, and the error is
        raised where a credential is needed, as before.
        """
        if self.owner is None and not self._owner_unknown:
            try:
                await self.transport.auth.credential()
            except CredentialsError:
                self._owner_unknown = True  # do not run a failing helper again per listing
        return self.owner

    def listing_key(self, owner: str, what: str) -> str:
        """The cache key of a listing (``tags:HOST/REPO``, ``tag:HOST/REPO:TAG``) of ``owner``."""
        return f"{owner} {what}"

    @property
    def login_unconfirmed(self) -> bool:
        """An authenticated identity whose login :meth:`confirm_login` has not seen yet."""
        return not self._login_confirmed and self.owner not in (None, "anonymous")

    async def confirm_login(self) -> None:
        """Before a cached listing is served: make sure the registry accepted our credentials.

        Nothing to do when anonymous, or once a request has shown it; otherwise one
        ``GET /v2/`` with the credentials (shared by concurrent callers). A refusal raises
        :class:`~regview.registry.errors.LoginFailed` (or the token service's error).
        """
        if self._login_confirmed or self.owner in (None, "anonymous"):
            return
        if self.transport.auth.accepted:
            self._login_confirmed = True
            return
        await self._login_check.do("login", self._check_login)

    async def _check_login(self) -> None:
        transport = self.transport
        await transport.request("GET", transport.url("/v2/"), scope=None, what="login check")
        # Answered without a 401: accepted, or a registry that does not ask for them.
        self._login_confirmed = True

    @property
    def meters_pulls(self) -> bool:
        """True on Docker Hub, or once a registry sent rate-limit headers."""
        return self.registry == "docker.io" or self.stats.rate_limit is not None

    def hit(self, path: str) -> None:
        """Count a cache hit, and log it with ``-v`` like a request that was not sent."""
        self.stats.cache_hits += 1
        logger = self.settings.logger
        if logger is not None:
            url = str(self.transport.url(path))
            logger(RequestRecord(method="GET", url=url, status=None, elapsed_ms=0.0, cache="hit"))

    def mark_stale(self, repository: str | None) -> None:
        """Every tag answer of ``repository`` (of all, when None) fetched until now is stale."""
        self.stale_before["" if repository is None else repository] = time.time()

    def stale_time(self, repository: str) -> float:
        """Tag answers of ``repository`` fetched at or before this time are stale."""
        return max(self.stale_before.get(repository, 0.0), self.stale_before.get("", 0.0))

    async def get(
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
        """Send ``method`` to ``path``; any status but ``ok`` raises the matching error."""
        url = self.transport.url(path, params)
        response = await self.transport.request(
            method, url, scope=scope, headers=headers, max_bytes=max_bytes, what=what
        )
        if response.status not in ok:
            raise error_for(response, what, not_found=not_found)
        return response


def _user_owner(username: str) -> str:
    """The owner of a user's cached listings: a hash of the name (not of any secret)."""
    name = username.encode("utf-8", "surrogatepass")
    return "user-" + hashlib.sha256(b"regview listing owner\0" + name).hexdigest()[:32]
