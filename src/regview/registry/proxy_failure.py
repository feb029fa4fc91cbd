"""The error a request that cannot go through its proxy raises, in a module of its own:
the error mapping (:mod:`regview.registry.responses`, :mod:`regview.registry.auth`)
needs the class, and should not import the tunnels and httpcore to get it."""

from __future__ import annotations

import httpx

__all__ = ["ProxyFailure"]


class ProxyFailure(httpx.ProxyError):
    """A request that cannot go through its proxy; ``str()`` is the message to show."""
