"""The pull budget: one ``HEAD /v2/<name>/manifests/<reference>``, read for its
``RateLimit-Limit`` and ``RateLimit-Remaining`` headers.

Docker Hub counts a manifest GET as a pull and not a HEAD, and answers both with the
budget (``ratelimit-limit: 100;w=21600``, ``ratelimit-remaining: 97;w=21600``), so a HEAD
reads the budget without spending it. The request is always sent (never from the
cache): the budget changes with every pull anyone makes from the same address.
"""

from __future__ import annotations

from regview.registry import media_types as mt
from regview.registry.responses import rate_number
from regview.registry.session import Session
from regview.registry.source import RateLimit
from regview.registry.urls import repo_path, segment

__all__ = ["read_pull_budget"]


async def read_pull_budget(session: Session, repository: str, reference: str) -> RateLimit | None:
    """What one HEAD of the manifest says of the pull budget; None when it says nothing.

    Raises the usual errors (:class:`~regview.registry.errors.NotFound` for a missing
    tag, :class:`~regview.registry.errors.AuthError`...). A registry that is over its
    limit answers 429 even to the HEAD on some setups:
    :class:`~regview.registry.errors.RateLimited` then says so.
    """
    response = await session.get(
        f"/v2/{repo_path(repository)}/manifests/{segment(reference)}",
        method="HEAD",
        scope=f"repository:{repository}:pull",
        what=f"manifest of {repository}:{reference}",
        headers={"Accept": ", ".join(mt.MANIFEST_ACCEPT)},
        not_found=f"no manifest {reference} in {repository}",
    )
    limit, limit_window = rate_number(response.headers.get("ratelimit-limit"))
    remaining, remaining_window = rate_number(response.headers.get("ratelimit-remaining"))
    if limit is None and remaining is None:
        return None
    return RateLimit(limit, remaining, limit_window or remaining_window)
