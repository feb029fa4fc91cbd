"""regview's registry client: the public Python API.

Everything a script, a notebook or regview's own front ends need is importable from
here; the submodules are the implementation. Nothing here imports Textual or Jupyter.

* **Sources**: :class:`RegistryClient` (one registry over HTTP, cached and verified),
  :class:`ClientPool` (clients for several registries sharing one cache) and
  :class:`OciLayoutSource` (OCI image layouts on disk) all implement :class:`Source`.
  Every method is a coroutine or an async iterator.
* **Settings**: one :class:`Settings` object (limits, TLS, proxies, cache location) for
  all of them.
* **Models**: :class:`Descriptor`, :class:`Platform`, :class:`ImageIndex`,
  :class:`ImageManifest`, :class:`Artifact`, :class:`ImageConfig`, and what a source
  returns: :class:`FetchedManifest`, :class:`FetchedConfig`.
* **Operations**: :func:`inspect` (the ``regview inspect`` document), :func:`resolve_image`
  (an index down to one platform's image), :func:`read_tag_info` (a tag's digest, size,
  platforms and date), :func:`diff_images` (two :class:`ImageSnapshot` compared, as
  :func:`read_image_snapshot` reads them), and the layer listing in :mod:`regview.registry.layers`
  (:class:`LayerIndexer`, :func:`merge_layers`, :func:`read_file`).
* **Delete**: :meth:`RegistryClient.plan_delete` says which digest and tags would go, and
  what stays behind (the :class:`FoundReferrer` artifacts that refer to it, an index's
  children, the :class:`ListingIndex` indexes that list it), in a :class:`DeletePlan`;
  :meth:`RegistryClient.delete` deletes that manifest by digest, or, for
  ``plan.including_referrers()``, each :class:`DeleteStep` in order (the referrers first),
  stopping with :class:`PartialDelete` at the first that fails.
* **Errors**: every failure is a :class:`RegistryError` whose message says what went wrong
  and what to do; the hierarchy is documented in :mod:`regview.registry.errors`.
* **Secrets**: :data:`redactor` (a :class:`Redactor`) knows every credential and token the
  process holds and hides them, as ``<hidden>``, from whatever is shown or logged.

Each name is imported on first use (PEP 562), so a script pays only for what it uses:
``regview inspect`` never loads the layer, diff or efficiency code.

Example::

    from regview.registry import RegistryClient, Settings

    async with RegistryClient("127.0.0.1:5000", settings=Settings(use_cache=False)) as c:
        fetched = await c.manifest("acme/web", "latest")
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from regview.registry import layers, media_types
    from regview.registry.client import ApiVersion, ClientPool, RegistryClient
    from regview.registry.credential import Credential
    from regview.registry.credentials import CredentialStore
    from regview.registry.delete import DeletePlan
    from regview.registry.delete_listed_by import ListingIndex
    from regview.registry.delete_referrers import DeleteStep, PartialDelete
    from regview.registry.digests import (
        compute_digest,
        is_digest,
        short_digest,
        unverifiable_reason,
        verify_digest,
    )
    from regview.registry.efficiency import (
        Efficiency,
        FileCopy,
        InefficientFile,
        LargeFile,
        LayerSize,
        analyze_efficiency,
    )
    from regview.registry.efficiency_rules import (
        CiRules,
        RuleResult,
        evaluate_rules,
        parse_ci_config,
    )
    from regview.registry.errors import (
        AuthError,
        CertificateError,
        CredentialsError,
        CycleError,
        Denied,
        DigestMismatch,
        InvalidReference,
        LayerFormatError,
        LoginFailed,
        MalformedContent,
        NetworkError,
        NotFound,
        ProtocolError,
        ProxyError,
        RateLimited,
        RegistryError,
        ServerError,
        Timeout,
        TooLarge,
        Unsupported,
    )
    from regview.registry.hosts import normalize_registry
    from regview.registry.image_diff import FileChange, ImageDiff, ImageSnapshot, diff_images
    from regview.registry.image_snapshot import read_image_snapshot
    from regview.registry.inspection import choose_platform, config_json, inspect, resolve_image
    from regview.registry.layers import (
        Entry,
        EntryType,
        IndexProgress,
        LayerIndexer,
        LayerToc,
        MergedFilesystem,
        TocStore,
        image_layers,
        merge_layers,
        read_file,
        verify_diff_ids,
    )
    from regview.registry.linting import LintedDocument, LintReport, lint
    from regview.registry.models import (
        Artifact,
        Descriptor,
        HistoryEntry,
        ImageConfig,
        ImageIndex,
        ImageManifest,
        Platform,
        Schema1Manifest,
    )
    from regview.registry.oci_layout import OciLayoutSource, descriptor_json
    from regview.registry.parsers import parse_config, parse_manifest
    from regview.registry.proxies import InvalidProxy, ProxyRules
    from regview.registry.redaction import RedactingFilter, Redactor, redactor
    from regview.registry.reference import (
        Reference,
        Target,
        parse_reference,
        parse_repository,
        parse_target,
        repository_name,
    )
    from regview.registry.referrers import FoundReferrer
    from regview.registry.settings import RequestRecord, Settings
    from regview.registry.source import FetchedConfig, FetchedManifest, RateLimit, Source, Stats
    from regview.registry.tag_info import (
        TagInfo,
        order_tags,
        preferred_platform,
        read_tag_info,
        referrer_tag_kind,
    )
    from regview.registry.tag_table import (
        DigestGroup,
        TagTableRow,
        group_by_digest,
        read_tag_table,
        sort_tag_rows,
    )
    from regview.registry.validation import (
        Problem,
        config_problems,
        layout_problems,
        looks_like_image_config,
        manifest_problems,
    )

#: Where each public name lives: it is imported on first use (PEP 562), so a caller
#: pays only for what it uses (``regview inspect`` never loads the layer code).
_HOMES: dict[str, str] = {
    "layers": "regview.registry.layers",
    "Entry": "regview.registry.layers",
    "EntryType": "regview.registry.layers",
    "IndexProgress": "regview.registry.layers",
    "LayerIndexer": "regview.registry.layers",
    "LayerToc": "regview.registry.layers",
    "MergedFilesystem": "regview.registry.layers",
    "TocStore": "regview.registry.layers",
    "image_layers": "regview.registry.layers",
    "merge_layers": "regview.registry.layers",
    "read_file": "regview.registry.layers",
    "verify_diff_ids": "regview.registry.layers",
    "media_types": "regview.registry.media_types",
    "ApiVersion": "regview.registry.client",
    "ClientPool": "regview.registry.client",
    "RegistryClient": "regview.registry.client",
    "Credential": "regview.registry.credential",
    "CredentialStore": "regview.registry.credentials",
    "DeletePlan": "regview.registry.delete",
    "ListingIndex": "regview.registry.delete_listed_by",
    "DeleteStep": "regview.registry.delete_referrers",
    "PartialDelete": "regview.registry.delete_referrers",
    "compute_digest": "regview.registry.digests",
    "is_digest": "regview.registry.digests",
    "short_digest": "regview.registry.digests",
    "unverifiable_reason": "regview.registry.digests",
    "verify_digest": "regview.registry.digests",
    "Efficiency": "regview.registry.efficiency",
    "FileCopy": "regview.registry.efficiency",
    "InefficientFile": "regview.registry.efficiency",
    "LargeFile": "regview.registry.efficiency",
    "LayerSize": "regview.registry.efficiency",
    "analyze_efficiency": "regview.registry.efficiency",
    "CiRules": "regview.registry.efficiency_rules",
    "RuleResult": "regview.registry.efficiency_rules",
    "evaluate_rules": "regview.registry.efficiency_rules",
    "parse_ci_config": "regview.registry.efficiency_rules",
    "AuthError": "regview.registry.errors",
    "CertificateError": "regview.registry.errors",
    "CredentialsError": "regview.registry.errors",
    "CycleError": "regview.registry.errors",
    "Denied": "regview.registry.errors",
    "DigestMismatch": "regview.registry.errors",
    "InvalidReference": "regview.registry.errors",
    "LayerFormatError": "regview.registry.errors",
    "LoginFailed": "regview.registry.errors",
    "MalformedContent": "regview.registry.errors",
    "NetworkError": "regview.registry.errors",
    "NotFound": "regview.registry.errors",
    "ProtocolError": "regview.registry.errors",
    "ProxyError": "regview.registry.errors",
    "RateLimited": "regview.registry.errors",
    "RegistryError": "regview.registry.errors",
    "ServerError": "regview.registry.errors",
    "Timeout": "regview.registry.errors",
    "TooLarge": "regview.registry.errors",
    "Unsupported": "regview.registry.errors",
    "normalize_registry": "regview.registry.hosts",
    "FileChange": "regview.registry.image_diff",
    "ImageDiff": "regview.registry.image_diff",
    "ImageSnapshot": "regview.registry.image_diff",
    "diff_images": "regview.registry.image_diff",
    "read_image_snapshot": "regview.registry.image_snapshot",
    "choose_platform": "regview.registry.inspection",
    "config_json": "regview.registry.inspection",
    "inspect": "regview.registry.inspection",
    "resolve_image": "regview.registry.inspection",
    "LintedDocument": "regview.registry.linting",
    "LintReport": "regview.registry.linting",
    "lint": "regview.registry.linting",
    "Artifact": "regview.registry.models",
    "Descriptor": "regview.registry.models",
    "HistoryEntry": "regview.registry.models",
    "ImageConfig": "regview.registry.models",
    "ImageIndex": "regview.registry.models",
    "ImageManifest": "regview.registry.models",
    "Platform": "regview.registry.models",
    "Schema1Manifest": "regview.registry.models",
    "OciLayoutSource": "regview.registry.oci_layout",
    "descriptor_json": "regview.registry.oci_layout",
    "parse_config": "regview.registry.parsers",
    "parse_manifest": "regview.registry.parsers",
    "InvalidProxy": "regview.registry.proxies",
    "ProxyRules": "regview.registry.proxies",
    "RedactingFilter": "regview.registry.redaction",
    "Redactor": "regview.registry.redaction",
    "redactor": "regview.registry.redaction",
    "Reference": "regview.registry.reference",
    "Target": "regview.registry.reference",
    "parse_reference": "regview.registry.reference",
    "parse_repository": "regview.registry.reference",
    "parse_target": "regview.registry.reference",
    "repository_name": "regview.registry.reference",
    "FoundReferrer": "regview.registry.referrers",
    "RequestRecord": "regview.registry.settings",
    "Settings": "regview.registry.settings",
    "FetchedConfig": "regview.registry.source",
    "FetchedManifest": "regview.registry.source",
    "RateLimit": "regview.registry.source",
    "Source": "regview.registry.source",
    "Stats": "regview.registry.source",
    "TagInfo": "regview.registry.tag_info",
    "order_tags": "regview.registry.tag_info",
    "preferred_platform": "regview.registry.tag_info",
    "read_tag_info": "regview.registry.tag_info",
    "referrer_tag_kind": "regview.registry.tag_info",
    "DigestGroup": "regview.registry.tag_table",
    "TagTableRow": "regview.registry.tag_table",
    "group_by_digest": "regview.registry.tag_table",
    "read_tag_table": "regview.registry.tag_table",
    "sort_tag_rows": "regview.registry.tag_table",
    "Problem": "regview.registry.validation",
    "config_problems": "regview.registry.validation",
    "layout_problems": "regview.registry.validation",
    "looks_like_image_config": "regview.registry.validation",
    "manifest_problems": "regview.registry.validation",
}

__all__ = [
    "ApiVersion",
    "Artifact",
    "AuthError",
    "CertificateError",
    "CiRules",
    "ClientPool",
    "Credential",
    "CredentialStore",
    "CredentialsError",
    "CycleError",
    "DeletePlan",
    "DeleteStep",
    "Denied",
    "Descriptor",
    "DigestGroup",
    "DigestMismatch",
    "Efficiency",
    "Entry",
    "EntryType",
    "FetchedConfig",
    "FetchedManifest",
    "FileChange",
    "FileCopy",
    "FoundReferrer",
    "HistoryEntry",
    "ImageConfig",
    "ImageDiff",
    "ImageIndex",
    "ImageManifest",
    "ImageSnapshot",
    "IndexProgress",
    "InefficientFile",
    "InvalidProxy",
    "InvalidReference",
    "LargeFile",
    "LayerFormatError",
    "LayerIndexer",
    "LayerSize",
    "LayerToc",
    "LintReport",
    "LintedDocument",
    "ListingIndex",
    "LoginFailed",
    "MalformedContent",
    "MergedFilesystem",
    "NetworkError",
    "NotFound",
    "OciLayoutSource",
    "PartialDelete",
    "Platform",
    "Problem",
    "ProtocolError",
    "ProxyError",
    "ProxyRules",
    "RateLimit",
    "RateLimited",
    "RedactingFilter",
    "Redactor",
    "Reference",
    "RegistryClient",
    "RegistryError",
    "RequestRecord",
    "RuleResult",
    "Schema1Manifest",
    "ServerError",
    "Settings",
    "Source",
    "Stats",
    "TagInfo",
    "TagTableRow",
    "Target",
    "Timeout",
    "TocStore",
    "TooLarge",
    "Unsupported",
    "analyze_efficiency",
    "choose_platform",
    "compute_digest",
    "config_json",
    "config_problems",
    "descriptor_json",
    "diff_images",
    "evaluate_rules",
    "group_by_digest",
    "image_layers",
    "inspect",
    "is_digest",
    "layers",
    "layout_problems",
    "lint",
    "looks_like_image_config",
    "manifest_problems",
    "media_types",
    "merge_layers",
    "normalize_registry",
    "order_tags",
    "parse_ci_config",
    "parse_config",
    "parse_manifest",
    "parse_reference",
    "parse_repository",
    "parse_target",
    "preferred_platform",
    "read_file",
    "read_image_snapshot",
    "read_tag_info",
    "read_tag_table",
    "redactor",
    "referrer_tag_kind",
    "repository_name",
    "resolve_image",
    "short_digest",
    "sort_tag_rows",
    "unverifiable_reason",
    "verify_diff_ids",
    "verify_digest",
]


if not TYPE_CHECKING:  # (for mypy, the imports above define every name)

    def __getattr__(name: str) -> object:
        home = _HOMES.get(name)
        if home is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        import importlib

        module = importlib.import_module(home)
        value = module if home == f"{__name__}.{name}" else getattr(module, name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(globals()) | set(__all__))


del TYPE_CHECKING  # (not a public name)
