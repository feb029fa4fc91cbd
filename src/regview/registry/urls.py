"""Where the distribution API lives: a registry's base URL, and paths built safely.

Names and tags come from users and from servers; every path segment is percent-encoded
here, so that no name can add a segment, walk up the path (``..``) or put a control
character into a URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from regview.registry.errors import InvalidReference
from regview.registry.hosts import is_loopback

__all__ = ["api_base_url", "repo_path", "segment"]


def api_base_url(
    registry: str, *, plain_http: bool = False, endpoints: Mapping[str, str] | None = None
) -> str:
    """``https://registry-1.docker.io`` for docker.io, ``http://`` for loopback hosts.

    A loopback host that turns out to speak TLS is switched to https by the transport.
    An endpoint override for ``registry`` (``Settings.endpoints``) wins over both.
    """
    if endpoints and registry in endpoints:
        base = endpoints[registry]
        return "http" + base[len("https"):] if plain_http and base.startswith("https:") else base
    host = "registry-1.docker.io" if registry == "docker.io" else registry
    scheme = "http" if plain_http or is_loopback(host) else "https"
    return f"{scheme}://{host}"


def segment(text: str) -> str:
    """Percent-encode one path segment; ``.`` and ``..`` cannot walk up the path."""
    try:
        encoded = quote(text, safe=":@")
    except UnicodeEncodeError:
        # A name from JSON may hold a lone surrogate ("\udcff"): no URL can name it.
        raise InvalidReference(
            "name or tag is not valid Unicode (it holds a lone surrogate); it cannot be asked for"
        ) from None
    if encoded in (".", ".."):
        encoded = encoded.replace(".", "%2E")
    return encoded


def repo_path(repository: str) -> str:
    """A repository name as URL path segments (``team/app`` stays two segments)."""
    if not repository:
        raise InvalidReference("empty repository name")
    return "/".join(segment(part) for part in repository.split("/"))
