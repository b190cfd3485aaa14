"""Manifest files named by action apps and hook tasks: reading them and digesting them.

Paths are relative to the project directory and must stay inside it; a directory means every
``*.yaml``/``*.yml`` file in it (sorted, not recursive).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sbkube_ci._yaml import load_all_documents
from sbkube_ci.errors import DeployError, YamlError


def files_of(base_dir: Path, path: str, what: str) -> list[Path]:
    """The manifest files ``path`` names; a missing path or one outside the project is an error."""
    base = base_dir.resolve()
    target = (base / path).resolve()
    if not target.is_relative_to(base):
        raise DeployError(f"{what}: path {path} is outside the project; use a path inside it")
    if target.is_dir():
        return sorted(p for p in target.iterdir() if p.suffix in {".yaml", ".yml"} and p.is_file())
    if not target.is_file():
        raise DeployError(f"{what}: path {path} does not exist; fix the path or add the file")
    return [target]


def read_objects(base_dir: Path, path: str, what: str) -> list[dict[str, Any]]:
    """Every object in the manifest files ``path`` names, in file order."""
    objects: list[dict[str, Any]] = []
    for file in files_of(base_dir, path, what):
        name = f"{what}: {file.relative_to(base_dir.resolve()).as_posix()}"
        try:
            documents = list(load_all_documents(file.read_text(), name))
        except YamlError as exc:
            raise DeployError(str(exc)) from None
        for document in documents:
            if not isinstance(document, dict) or "kind" not in document:
                raise DeployError(f"{name}: a document is not a Kubernetes object; fix the file")
            objects.append(document)
    return objects


def digest(model: Any, base_dir: Path, paths: Sequence[str]) -> str:
    """A digest of ``model`` (JSON data) and the content of the files ``paths`` name."""
    hasher = hashlib.sha256(json.dumps(model, sort_keys=True).encode())
    for path in paths:
        hasher.update(f"\0{path}\0".encode())
        try:
            files = files_of(base_dir, path, "digest")
        except DeployError:
            continue  # a missing file fails the deploy itself, with a better message
        for file in files:
            hasher.update(f"\0{file.name}\0".encode() + file.read_bytes())
    return "sha256:" + hasher.hexdigest()
