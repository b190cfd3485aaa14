"""Rendered output in one stable form: one document per object, sorted, keys sorted.

``List`` kinds are flattened, comments and empty documents dropped, namespaced objects without
a namespace get the app's namespace, and objects are ordered by kind (Namespaces and CRDs
first, then Helm's install order) and then namespace and name. Equal input gives equal text,
so the sha256 of the text (the render digest) identifies a render.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from sbkube_ci._yaml import MAX_DEPTH, KubeLoader, deeper_than, load_all_documents
from sbkube_ci.errors import RenderError, YamlError
from sbkube_ci.k8s import CLUSTER_SCOPED_KINDS, kind_rank
from sbkube_ci.render.digest import render_digest
from sbkube_ci.render.emit import dump_document

_SEPARATOR = re.compile(r"^---(?:[ \t].*)?$", re.MULTILINE)
_SOURCE = re.compile(r"^# Source: (.+)$", re.MULTILINE)
_ANCHOR = re.compile(r"(?:^|[\s\[{,:-])&[^\s,\[\]{}]+")
_Loader: type[yaml.SafeLoader] = KubeLoader  # scalars typed as the API server reads them


@dataclass(frozen=True)
class Chunk:
    """Some rendered text and where it came from (a template, a manifest file)."""

    source: str
    text: str


@dataclass(frozen=True)
class Normalized:
    objects: list[dict[str, Any]]
    text: str
    digest: str


def split_helm_output(text: str, chart_name: str) -> list[Chunk]:
    """helm's output as one chunk per document, named by its ``# Source:`` comment."""
    chunks = []
    for part in _SEPARATOR.split(text):
        if part.strip():
            match = _SOURCE.search(part)
            chunks.append(Chunk(match.group(1).strip() if match else chart_name, part))
    return chunks


def normalize_rendered(chunks: Iterable[Chunk], namespace: str, where: str) -> Normalized:
    """Parse, flatten, complete and order the documents of ``chunks`` (see module doc)."""
    located = list(_documents(chunks, where))
    cluster_scoped = CLUSTER_SCOPED_KINDS | _cluster_scoped_crd_kinds(obj for _, obj in located)
    objects = []
    for source, obj in located:
        _check_identity(obj, source, where)
        _clean(obj)
        if obj["kind"] not in cluster_scoped and not obj["kind"].startswith("Cluster"):
            metadata = obj["metadata"]
            if not metadata.get("namespace"):
                metadata["namespace"] = namespace
        objects.append(obj)
    objects.sort(key=_order)
    text = dump_objects(objects)
    return Normalized(objects, text, render_digest(text))


def dump_objects(objects: list[dict[str, Any]]) -> str:
    """The normalized text: ``---`` before each document, keys sorted, nothing folded."""
    return "".join("---\n" + dump_document(obj) for obj in objects)


def load_objects(text: str) -> list[dict[str, Any]]:
    """The objects of normalized text (written by ``dump_objects``)."""
    return [obj for obj in yaml.load_all(text, Loader=_Loader) if isinstance(obj, dict)]


def _documents(chunks: Iterable[Chunk], where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for chunk in chunks:
        for document in _parse(chunk, where):
            if document is None:
                continue
            if not isinstance(document, dict):
                raise RenderError(
                    f"{where}: {chunk.source}: a rendered document is a "
                    f"{type(document).__name__}, not a Kubernetes object; fix the template"
                )
            yield from ((chunk.source, obj) for obj in _flatten(document, chunk.source, where))


def _parse(chunk: Chunk, where: str) -> list[Any]:
    try:
        if _ANCHOR.search(chunk.text):
            # Anchors make alias bombs possible: take the slower reader that counts nodes.
            documents = list(load_all_documents(chunk.text, chunk.source))
        else:
            documents = list(yaml.load_all(chunk.text, Loader=_Loader))
    except (yaml.YAMLError, YamlError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise RenderError(f"{where}: {chunk.source}: rendered invalid YAML: {detail}") from exc
    if any(deeper_than(document, MAX_DEPTH) for document in documents):
        # Everything after this (digests, diffs, masking, the API client) walks objects
        # recursively; a deeper one would end in a RecursionError instead of this line.
        raise RenderError(
            f"{where}: {chunk.source}: nesting is deeper than {MAX_DEPTH} levels; "
            "no Kubernetes object is nested like that, fix the manifest or template"
        )
    return documents


def _flatten(document: dict[str, Any], source: str, where: str) -> Iterator[dict[str, Any]]:
    kind = document.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and "items" in document:
        items = document.get("items") or []
        if not isinstance(items, list):
            raise RenderError(f"{where}: {source}: {kind}.items is not a list")
        for item in items:
            if not isinstance(item, dict):
                raise RenderError(f"{where}: {source}: an item of {kind} is not an object")
            yield from _flatten(item, source, where)
    else:
        yield document


def _check_identity(obj: dict[str, Any], source: str, where: str) -> None:
    kind = obj.get("kind")
    metadata = obj.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    if not isinstance(kind, str) or not kind:
        raise RenderError(
            f"{where}: {source}: a rendered object has no kind; every document needs "
            "apiVersion, kind and metadata.name"
        )
    if not isinstance(name, str) or not name:
        raise RenderError(
            f"{where}: {source}: a rendered {kind} has no metadata.name; every document needs "
            "apiVersion, kind and metadata.name"
        )


def _clean(obj: dict[str, Any]) -> None:
    """Drop fields that only a server fills in, when they carry nothing."""
    metadata = obj["metadata"]
    if "creationTimestamp" in metadata and metadata["creationTimestamp"] is None:
        del metadata["creationTimestamp"]
    if obj.get("status") in ({}, None) and "status" in obj:
        del obj["status"]


def _cluster_scoped_crd_kinds(objects: Iterable[dict[str, Any]]) -> set[str]:
    """Kinds that CRDs in this same render declare as cluster-scoped."""
    kinds = set()
    for obj in objects:
        spec = obj.get("spec")
        if obj.get("kind") == "CustomResourceDefinition" and isinstance(spec, dict):
            names = spec.get("names")
            if spec.get("scope") == "Cluster" and isinstance(names, dict):
                kinds.add(str(names.get("kind")))
    return kinds


def _order(obj: dict[str, Any]) -> tuple[int, str, str, str]:
    kind = obj["kind"]
    metadata = obj["metadata"]
    return (
        kind_rank(kind),
        kind,
        str(metadata.get("namespace") or ""),
        str(metadata["name"]),
    )
