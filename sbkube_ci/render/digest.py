"""Every digest the render stage computes, defined in one place.

The **input digest** of an app on a cluster says "rendering this again gives the same result":
plan and deploy compare it with the one recorded for the deployed revision (quiet diffs), and
the render cache is keyed by it. The **render digest** is the sha256 of the normalized text.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Bump when normalization or the rendered format changes, so old cache entries stop matching.
RENDER_FORMAT = "1"


def sha256_text(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical_json(data: Any) -> str:
    """One text for equal data: sorted keys, non-JSON scalars and keys as strings.

    Helm reads values as JSON-like maps with string keys, so ``1:`` and ``"1":`` are the same.
    """
    try:
        return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    except TypeError:  # keys of mixed types cannot be sorted: make them all strings
        return json.dumps(string_keys(data), sort_keys=True, separators=(",", ":"), default=str)


def string_keys(data: Any) -> Any:
    """``data`` with every mapping key turned into a string."""
    if isinstance(data, dict):
        return {str(key): string_keys(value) for key, value in data.items()}
    if isinstance(data, list):
        return [string_keys(item) for item in data]
    return data


def values_digest(values: dict[str, Any]) -> str:
    """The digest of merged values, independent of key order and YAML formatting."""
    return sha256_text(canonical_json(values))


def render_digest(text: str) -> str:
    """The digest of normalized rendered text."""
    return sha256_text(text)


def tree_digest(root: Path, *, exclude: Iterable[str] = ()) -> str:
    """sha256 over the relative names and contents of every file under ``root``."""
    skip = set(exclude)
    digest = hashlib.sha256()
    for file in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = file.relative_to(root).as_posix()
        if rel in skip:
            continue
        digest.update(rel.encode() + b"\0")
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return "sha256:" + digest.hexdigest()


def content_digest(content: dict[str, bytes]) -> str:
    """``tree_digest`` of files held in memory (relative name -> bytes)."""
    digest = hashlib.sha256()
    for rel in sorted(content):
        digest.update(rel.encode() + b"\0")
        digest.update(hashlib.sha256(content[rel]).digest())
    return "sha256:" + digest.hexdigest()


def files_digest(files: Iterable[tuple[str, Path]]) -> str:
    """sha256 over (name, content) pairs, in the given order."""
    digest = hashlib.sha256()
    for name, path in files:
        digest.update(name.encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return "sha256:" + digest.hexdigest()


def major_minor(version: str) -> str:
    """``v3.18.0`` -> ``3.18``; unparseable versions are kept whole."""
    parts = version.strip().lstrip("v").split(".")
    return ".".join(parts[:2]) if len(parts) >= 2 else version.strip()


@dataclass(frozen=True)
class InputDigestParts:
    """What determines one app's render on one cluster (see the module docstring)."""

    app_type: str
    source_digest: str
    tree_digest: str
    values_digest: str
    release_name: str
    namespace: str
    tool_version: str
    kube_version: str
    api_versions: tuple[str, ...]

    def digest(self) -> str:
        data = {
            "format": RENDER_FORMAT,
            "type": self.app_type,
            "source": self.source_digest,
            "tree": self.tree_digest,
            "values": self.values_digest,
            "release": self.release_name,
            "namespace": self.namespace,
            "tool": major_minor(self.tool_version) if self.tool_version else "",
            "kube_version": self.kube_version,
            "api_versions": sorted(set(self.api_versions)),
        }
        return sha256_text(canonical_json(data))
