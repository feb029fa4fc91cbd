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
  children), in a :class:`DeletePlan`; :meth:`RegistryClient.delete` deletes that manifest
  by digest.
* **Errors**: every failure is a :class:`RegistryError` whose message says what went wrong
  and what to do; the hierarchy is documented in :mod:`regview.registry.errors`.
* **Secrets**: :data:`redactor` (a :class:`Redactor`) knows every credential and token the
  process holds and hides them, as ``<hidden>``, from whatever is shown or logged.

Example::

    from regview.registry import RegistryClient, Settings

    async with RegistryClient("127.0.0.1:5000", settings=Settings(use_cache=False)) as c:
        fetched = await c.manifest("acme/web", "latest")
"""

from __future__ import annotations

from regview.registry import layers, media_types
from regview.registry.client import ApiVersion, ClientPool, RegistryClient
from regview.registry.credential import Credential
from regview.registry.credentials import CredentialStore
from regview.registry.delete import DeletePlan
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
from regview.registry.efficiency_rules import CiRules, RuleResult, evaluate_rules, parse_ci_config
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
    "LoginFailed",
    "MalformedContent",
    "MergedFilesystem",
    "NetworkError",
    "NotFound",
    "OciLayoutSource",
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
