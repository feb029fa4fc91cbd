"""The httpx client one registry (and its token realms) is spoken to with.

Plain http goes through our own HTTP/1.1 pool (:mod:`regview.registry.http11`), https
through httpx's transport with HTTP/2 when offered, whose new connections send a first
burst of requests at once (:mod:`regview.registry.h2_connection`); TLS is verified
against the system's trust store (``truststore``) unless ``--insecure``. Every request asks for
``Accept-Encoding: identity``: a compressed answer is inflated by the transport, with
the body cap applied to what comes out.

With proxies (``Settings.proxy``), each request goes the way
:meth:`~regview.registry.proxies.ProxyRules.for_url` says: https through a ``CONNECT``
tunnel (in our pool, or in an httpx transport of that proxy for HTTP/2), plain http sent
to the proxy; see :mod:`regview.registry.proxy_transport`.
"""

from __future__ import annotations

import ssl

import httpx

from regview.registry.deferred_transport import DeferredTransport
from regview.registry.settings import Settings

__all__ = ["make_http_client"]


def _ssl_context(insecure: bool) -> ssl.SSLContext | bool:
    if insecure:
        return False
    import truststore

    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def _tls_context(insecure: bool) -> ssl.SSLContext:
    """A context of our own for each pool (httpcore sets ALPN on the one it gets)."""
    context = _ssl_context(insecure)
    if isinstance(context, ssl.SSLContext):
        return context
    # Not ssl.create_default_context(): it loads the system's CA store (~20 ms of
    # start-up) for a context that verifies nothing.
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def make_http_client(
    settings: Settings, http_transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """The shared httpx client for one registry and its token realms.

    Plain http goes through our HTTP/1.1 pool (``http11``); https through httpx's own
    transport with HTTP/2 when offered, built on first use, unless the origin answered in
    HTTP/1.1: then our pool takes it over.
    """
    timeout = httpx.Timeout(
        connect=settings.connect_timeout,
        read=settings.read_timeout,
        write=settings.read_timeout,
        pool=settings.request_deadline,
    )
    limits = httpx.Limits(
        max_connections=settings.concurrency,
        max_keepalive_connections=settings.concurrency,
        keepalive_expiry=30.0,
    )
    transport = http_transport
    if transport is None:
        # Built on the first request: a run the cache answers never imports h11,
        # httpcore or h2.
        transport = DeferredTransport(lambda: _transport(settings, limits))
    return httpx.AsyncClient(
        timeout=timeout,
        limits=limits,
        follow_redirects=True,
        max_redirects=5,
        headers={"User-Agent": settings.user_agent, "Accept-Encoding": "identity"},
        trust_env=False,
        transport=transport,
    )


def _transport(settings: Settings, limits: httpx.Limits) -> httpx.AsyncBaseTransport:
    """Our HTTP/1.1 pool for plain http, httpx's transport (HTTP/2 when offered) for
    https, each by way of its proxy when ``Settings.proxy`` names one."""
    from regview.registry.h2_connection import fast_start_transport
    from regview.registry.http11 import Http11Transport, ProtocolRouter
    from regview.registry.proxies import Proxy
    from regview.registry.proxy_transport import ByProxy, ProxyErrors, tunnelling_transport

    rules = settings.proxy

    def httpx_transport(proxy: Proxy | None) -> httpx.AsyncBaseTransport:
        def build() -> httpx.AsyncBaseTransport:
            if proxy is None:
                return fast_start_transport(
                    _tls_context(settings.insecure), http2=_has_h2(), limits=limits
                )
            return tunnelling_transport(
                proxy, _tls_context(settings.insecure), http2=_has_h2(), limits=limits
            )

        return DeferredTransport(build)

    https = httpx_transport(None)
    transport: httpx.AsyncBaseTransport = ProtocolRouter(
        Http11Transport(
            tls=lambda: _tls_context(settings.insecure),
            max_idle_per_origin=max(1, settings.concurrency),
            proxy_for=rules.for_url if rules is not None else None,
        ),
        https if rules is None else ByProxy(rules, https, httpx_transport),
    )
    if rules is not None:
        transport = ProxyErrors(rules, transport)
    return transport


def _has_h2() -> bool:
    try:
        import h2  # noqa: F401
    except ImportError:
        return False
    return True
