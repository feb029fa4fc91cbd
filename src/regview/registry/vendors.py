"""What regview knows of particular registries, from their documentation.

Only facts a user needs in a message live here: which registries never list their
repositories (so a refused ``_catalog`` is not a login problem), and an example of a
name to open instead. Behaviour that can be read off the answers (rate-limit headers,
page sizes, challenges) is learned from the answers, never from the host name.
"""

from __future__ import annotations

__all__ = ["catalog_refusal", "lists_no_repositories"]

#: Registries whose ``_catalog`` is refused to everyone, and a name to open instead.
_NO_CATALOG: dict[str, str] = {
    "docker.io": "docker.io/library/alpine",
    "ghcr.io": "ghcr.io/OWNER/IMAGE",
    "gcr.io": "gcr.io/PROJECT/IMAGE",
    "public.ecr.aws": "public.ecr.aws/REGISTRY_ALIAS/IMAGE",
    "registry.gitlab.com": "registry.gitlab.com/GROUP/PROJECT",
}


def lists_no_repositories(registry: str) -> bool:
    """True for a registry whose documentation says it lists no repositories to anyone."""
    return registry in _NO_CATALOG or registry.endswith(".pkg.dev")


def catalog_refusal(registry: str) -> str:
    """The message for a registry that does not list its repositories."""
    text = f"{registry} does not list its repositories: open {registry}/REPOSITORY by name"
    example = _NO_CATALOG.get(registry)
    return text if example is None else f"{text} (e.g. {example})"
