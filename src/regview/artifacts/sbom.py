"""SPDX JSON (2.2, 2.3) and CycloneDX JSON (1.4-1.6) documents, as a package table.

SPDX: ``packages[]`` (``name``, ``versionInfo``, ``supplier``, ``licenseConcluded`` or
else ``licenseDeclared``, the ``purl`` of ``externalRefs``, ``primaryPackagePurpose``);
the header from ``name`` and ``creationInfo``. CycloneDX: ``components[]`` and their
nested ``components`` (``group``/``name``, ``version``, ``type``, ``licenses``, ``purl``,
``supplier.name``); the header from ``metadata`` (``component``, ``tools`` in the 1.4
list form or the 1.5 ``components``/``services`` form, ``timestamp``).
"""

from __future__ import annotations

from typing import Any

from regview.artifacts.fields import DecodeError, Problems, mapping, sequence
from regview.artifacts.model import Package, Sbom

__all__ = ["MAX_PACKAGES", "decode_cyclonedx", "decode_spdx", "is_cyclonedx", "is_spdx"]

MAX_PACKAGES = 1_000_000
"""Packages kept from one document (the rest are counted as a problem)."""


def is_spdx(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("spdxVersion"), str)


def is_cyclonedx(doc: Any) -> bool:
    return isinstance(doc, dict) and doc.get("bomFormat") == "CycloneDX"


def _purl_type(purl: str) -> str:
    """``npm`` of ``pkg:npm/left-pad@1.3.0``; "" when it is no purl."""
    if not purl.startswith("pkg:"):
        return ""
    return purl[4:].lstrip("/").partition("/")[0].lower()


def decode_spdx(doc: Any) -> Sbom:
    doc = mapping(doc, "the SPDX document")
    problems = Problems()
    info = problems.object("creationInfo", doc.get("creationInfo"))
    creators = tuple(
        problems.text("creationInfo", "a creator", c)
        for c in sequence(info.get("creators"), "creationInfo.creators", problems)
    )
    packages: list[Package] = []
    listed = sequence(doc.get("packages"), "packages", problems)
    i = 0

    def fix(key: str, value: Any) -> str:  # the rare field that is not a string
        return problems.text(f"package {i + 1}", key, value)

    # (Type checks inline, not a call per field: 100,000 packages decode twice as fast.)
    for i, item in enumerate(listed):
        if len(packages) >= MAX_PACKAGES:
            problems.add(f"only the first {MAX_PACKAGES:,} of {len(listed):,} packages kept")
            break
        if type(item) is not dict:
            problems.add("a package is not an object")
            continue
        get = item.get
        purl = ""
        refs = get("externalRefs")
        if type(refs) is list:
            for ref in refs:
                if type(ref) is dict and ref.get("referenceType") == "purl":
                    purl = v if type(v := ref.get("referenceLocator")) is str else fix("a purl", v)
                    break
        elif refs is not None:
            problems.add(f"package {i + 1}: externalRefs is not an array")
        license = v if type(v := get("licenseConcluded")) is str else fix("licenseConcluded", v)
        if license in ("", "NOASSERTION"):
            v = get("licenseDeclared")
            declared = v if type(v) is str else fix("licenseDeclared", v)
            license = declared if declared else license
        v = get("primaryPackagePurpose")
        purpose = v if type(v) is str else fix("primaryPackagePurpose", v)
        packages.append(
            Package(
                v if type(v := get("name")) is str else fix("name", v),
                v if type(v := get("versionInfo")) is str else fix("versionInfo", v),
                _purl_type(purl) or purpose.lower(),
                license,
                purl,
                v if type(v := get("supplier")) is str else fix("supplier", v),
            )
        )
    return Sbom(
        format="SPDX",
        spec_version=problems.text("document", "spdxVersion", doc.get("spdxVersion")),
        name=problems.text("document", "name", doc.get("name")),
        creators=creators,
        created=problems.text("creationInfo", "created", info.get("created")),
        packages=tuple(packages),
        problems=problems.result(),
    )


def _cdx_license(item: dict[str, Any], where: str, problems: Problems) -> str:
    names: list[str] = []
    for entry in sequence(item.get("licenses"), f"{where}: licenses", problems):
        if not isinstance(entry, dict):
            problems.add(f"{where}: a licence is not an object")
            continue
        if "expression" in entry:
            names.append(problems.text(where, "a licence expression", entry["expression"]))
            continue
        lic = entry.get("license")
        if isinstance(lic, dict):
            names.append(problems.text(where, "a licence id", lic.get("id") or lic.get("name")))
    return " AND ".join(n for n in names if n)


def _cdx_tools(tools: Any, problems: Problems) -> tuple[str, ...]:
    """1.4: a list of {vendor, name, version}; 1.5+: {components: [...], services: [...]}."""
    if isinstance(tools, dict):
        listed = [
            *sequence(tools.get("components"), "metadata.tools.components", problems),
            *sequence(tools.get("services"), "metadata.tools.services", problems),
        ]
    else:
        listed = sequence(tools, "metadata.tools", problems)
    out: list[str] = []
    for tool in listed:
        if not isinstance(tool, dict):
            problems.add("metadata.tools: a tool is not an object")
            continue
        vendor = tool.get("vendor") or tool.get("publisher") or tool.get("group")
        words = [
            problems.text("metadata.tools", "vendor", vendor),
            problems.text("metadata.tools", "name", tool.get("name")),
            problems.text("metadata.tools", "version", tool.get("version")),
        ]
        out.append("Tool: " + " ".join(w for w in words if w))
    return tuple(out)


def decode_cyclonedx(doc: Any) -> Sbom:
    doc = mapping(doc, "the CycloneDX document")
    problems = Problems()
    metadata = problems.object("metadata", doc.get("metadata"))
    component = metadata.get("component")
    name = ""
    if isinstance(component, dict):
        name = problems.text("metadata.component", "name", component.get("name"))
        version = problems.text("metadata.component", "version", component.get("version"))
        name = f"{name}@{version}" if name and version else name
    creators = _cdx_tools(metadata.get("tools"), problems)
    for author in sequence(metadata.get("authors"), "metadata.authors", problems):
        if isinstance(author, dict) and author.get("name"):
            creators += ("Person: " + problems.text("metadata.authors", "name", author["name"]),)

    packages: list[Package] = []
    # Nested components (a component's own "components"), depth first, in document order,
    # without recursion: a hostile document may nest them deep.
    stack: list[Any] = list(reversed(sequence(doc.get("components"), "components", problems)))
    while stack:
        item = stack.pop()
        if len(packages) >= MAX_PACKAGES:
            problems.add(f"only the first {MAX_PACKAGES:,} components kept")
            break
        if not isinstance(item, dict):
            problems.add("a component is not an object")
            continue
        where = f"component {len(packages) + 1}"
        group = problems.text(where, "group", item.get("group"))
        base = problems.text(where, "name", item.get("name"))
        supplier = item.get("supplier")
        packages.append(
            Package(
                name=f"{group}/{base}" if group else base,
                version=problems.text(where, "version", item.get("version")),
                type=problems.text(where, "type", item.get("type")),
                license=_cdx_license(item, where, problems),
                purl=problems.text(where, "purl", item.get("purl")),
                supplier=problems.text(where, "supplier", supplier.get("name"))
                if isinstance(supplier, dict)
                else "",
            )
        )
        children = sequence(item.get("components"), f"{where}: components", problems)
        stack.extend(reversed(children))
    spec = doc.get("specVersion")
    if not isinstance(spec, str):
        raise DecodeError("the CycloneDX document has no specVersion string")
    return Sbom(
        format="CycloneDX",
        spec_version=spec,
        name=name,
        creators=creators,
        created=problems.text("metadata", "timestamp", metadata.get("timestamp")),
        packages=tuple(packages),
        problems=problems.result(),
    )
