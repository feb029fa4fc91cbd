"""Readable text for the ``inspect`` command, built from its JSON object.

Layers are numbered as the explorer numbers them: 1 is the bottom layer. The JSON keeps
0-based positions (``layerIndex`` points into ``layers``).

An index's entries are rows of aligned columns: the platform, the digest, the media
type and the size. A buildx attestation manifest (platform ``unknown/unknown``) says
in its first column which image it attests: ``attests linux/amd64``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["attested", "problem_lines", "problem_text", "render_inspect"]

_ATTESTATION_TYPE = ("vnd.docker.reference.type", "attestation-manifest")
_ATTESTED_DIGEST = "vnd.docker.reference.digest"
_LABEL_LIMIT = 40  # a platform is the registry's text: a long one must not widen every row


def attested(entry: Mapping[str, Any]) -> str | None:
    """For an index entry that is a buildx attestation manifest, the digest of the
    image it attests (``""`` when it does not say); None for any other entry."""
    annotations = entry.get("annotations")
    if not isinstance(annotations, Mapping):
        return None
    key, value = _ATTESTATION_TYPE
    if annotations.get(key) != value:
        return None
    digest = annotations.get(_ATTESTED_DIGEST)
    return digest if isinstance(digest, str) else ""


def short_name(media_type: object) -> str:
    """What a person calls a media type (``OCI manifest``); the registry's face is
    imported here, not at the top: ``regview --version`` imports this module."""
    from regview.registry import media_types

    return media_types.short_name(media_type if isinstance(media_type, str) else None)


def _size(n: object) -> str:
    if not isinstance(n, int):
        return "?"
    import humanize

    return f"{humanize.naturalsize(n, binary=False)} ({n:,} B)" if n >= 1000 else f"{n} B"


def _field(lines: list[str], label: str, value: object, indent: str = "") -> None:
    if value is None or value == [] or value == {}:
        return
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    lines.append(f"{indent}{label:<13}{value}")


def _label(text: str) -> str:
    return _clip(text, _LABEL_LIMIT)


def _clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with a visible ``…``: the start of a secret
    cut off before an ellipsis is still recognised and hidden."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _manifest_rows(manifests: Sequence[Mapping[str, Any]], indent: str) -> list[str]:
    """An index's entries, one row each, in columns as wide as their widest cell; each
    followed by its own description when the walk was recursive."""
    platforms = {
        e.get("digest"): e.get("platform") for e in manifests if attested(e) is None
    }
    labels = []
    for entry in manifests:
        digest = attested(entry)
        if digest is None:
            labels.append(_label(str(entry.get("platform") or "-")))
        else:
            what = platforms.get(digest) or (digest.partition(":")[2][:12] or "?")
            labels.append(_label(f"attests {what}"))
    kinds = [short_name(e.get("mediaType")) for e in manifests]
    sizes = [_size(e.get("size")) for e in manifests]
    label_width = max(map(len, labels), default=0)
    kind_width = max(map(len, kinds), default=0)
    rows: list[str] = []
    for entry, label, kind, size in zip(manifests, labels, kinds, sizes, strict=True):
        rows.append(
            f"{indent}  {label:<{label_width}}  {entry.get('digest')}  {kind:<{kind_width}}  "
            f"{size}{_unverifiable(entry)}"
        )
        image = entry.get("image")
        if isinstance(image, Mapping):
            rows.extend(render_inspect(image, indent + "      "))
    return rows


def render_inspect(obj: Mapping[str, Any], indent: str = "") -> list[str]:
    """Lines describing an inspect object; callers make them terminal-safe."""
    lines: list[str] = []
    media_type = obj.get("mediaType")
    _field(lines, "Reference", obj.get("reference"), indent)
    _field(lines, "Digest", obj.get("digest"), indent)
    _field(lines, "Media type", f"{short_name(media_type)}  ({media_type})", indent)
    _field(lines, "Size", _size(obj.get("size")), indent)
    if "artifactType" in obj:
        _field(lines, "Artifact", obj.get("artifactType"), indent)
    subject = obj.get("subject")
    if isinstance(subject, Mapping):
        _field(lines, "Subject", subject.get("digest"), indent)
    for key, value in (obj.get("annotations") or {}).items():
        _field(lines, "Annotation", f"{key}={value}", indent)
    manifests = obj.get("manifests")
    if isinstance(manifests, list):
        lines.append(f"{indent}Manifests")
        lines.extend(_manifest_rows(manifests, indent))
    config = obj.get("config")
    if isinstance(config, Mapping) and "os" not in config and _unverifiable(config):
        lines.append(
            f"{indent}Config         {config.get('digest')}  {_size(config.get('size'))}"
            f"{_unverifiable(config)}"
        )
    if isinstance(config, Mapping) and "os" in config:
        platform = "/".join(
            str(p)
            for p in (config.get("os"), config.get("architecture"), config.get("variant"))
            if p
        )
        lines.append(f"{indent}Config         {config.get('digest')}  {_size(config.get('size'))}")
        _field(lines, "  Note", config.get("note"), indent)
        _field(lines, "  Platform", platform, indent)
        _field(lines, "  Created", config.get("created"), indent)
        _field(lines, "  User", config.get("user"), indent)
        _field(lines, "  WorkingDir", config.get("workingDir"), indent)
        _field(lines, "  Entrypoint", config.get("entrypoint"), indent)
        _field(lines, "  Cmd", config.get("cmd"), indent)
        for env in config.get("env") or []:
            _field(lines, "  Env", env, indent)
        _field(lines, "  Ports", config.get("exposedPorts"), indent)
        _field(lines, "  Volumes", config.get("volumes"), indent)
        _field(lines, "  StopSignal", config.get("stopSignal"), indent)
        for key, value in (config.get("labels") or {}).items():
            _field(lines, "  Label", f"{key}={value}", indent)
    layers = obj.get("layers")
    if isinstance(layers, list):
        lines.append(f"{indent}Layers ({len(layers)}, {_size(obj.get('layersSize'))})")
        for number, layer in enumerate(layers, start=1):
            lines.append(
                f"{indent}  {number:>3}  {layer.get('digest')}  {_size(layer.get('size')):<22}"
                f"{short_name(layer.get('mediaType'))}{_unverifiable(layer)}"
            )
    if isinstance(config, Mapping):
        history = config.get("history") or []
        if history:
            lines.append(f"{indent}History")
            for h in history:
                index = h.get("layerIndex")
                if h.get("emptyLayer"):
                    where = "empty"
                elif isinstance(index, int) and not isinstance(index, bool):
                    where = f"layer {index + 1}"
                else:
                    where = "layer ?"
                created_by = _clip(" ".join(str(h.get("createdBy") or "").split()), 160)
                lines.append(f"{indent}  {where:<9} {created_by}")
    lines.extend(problem_lines(obj, indent))
    return lines


def problem_lines(obj: Mapping[str, Any], indent: str = "") -> list[str]:
    """The ⚠ section: the document's image-spec problems, then its config's."""
    found: list[tuple[str, Mapping[str, Any]]] = []
    for where, holder in (("", obj), ("config blob: ", obj.get("config"))):
        problems = holder.get("problems") if isinstance(holder, Mapping) else None
        if isinstance(problems, list):
            found += [(where, p) for p in problems if isinstance(p, Mapping)]
    if not found:
        return []
    lines = [f"{indent}⚠ Problems ({len(found)}, by the OCI image-spec)"]
    for where, p in found:
        lines.append(f"{indent}  ⚠ {where}{problem_text(p)}")
    return lines


def problem_text(problem: Mapping[str, Any]) -> str:
    """``path: message``, or the message alone when it starts with its path."""
    path = str(problem.get("path") or "")
    message = str(problem.get("message") or "")
    if path and message.startswith(path):
        return message
    return f"{path or '(document)'}: {message}"


def _unverifiable(descriptor: Mapping[str, Any]) -> str:
    reason = descriptor.get("unverifiable")
    return f"  ({reason})" if isinstance(reason, str) else ""
