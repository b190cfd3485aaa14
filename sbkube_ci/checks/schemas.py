"""Kubernetes' OpenAPI schemas per version, from the ``kubernetes-validate`` package's data.

Only the package's data files are used, found without importing the package (its import pulls
in ``jsonschema``): one ``_definitions.json`` per Kubernetes minor version, the strict variant
(``additionalProperties: false``) so that a misspelt field is reported instead of dropped.
Each file (~1.5 MB) is read once per run, on the first object that needs it.
"""

from __future__ import annotations

import importlib.util
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from sbkube_ci.checks.openapi import OpenApiValidator, Schema
from sbkube_ci.errors import ConfigError

PACKAGE = "kubernetes_validate"
_DIR = re.compile(r"^v(\d+)\.(\d+)\.\d+-local-strict$")
_REF = "/api/_definitions.json#/$defs/"
_VERSION = re.compile(r"^v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+].*)?$")

MinorVersion = tuple[int, int]


def parse_version(text: str, where: str) -> MinorVersion:
    """``1.33``, ``v1.33.2`` or ``1.33.0-eks`` as (1, 33); anything else is a config error."""
    match = _VERSION.match(text.strip())
    if match is None:
        raise ConfigError(f"{where}: {text!r} is not a Kubernetes version; write it as 1.33.0")
    return int(match.group(1)), int(match.group(2))


def show(version: MinorVersion) -> str:
    return f"{version[0]}.{version[1]}"


def data_dir() -> Path:
    """Where kubernetes-validate keeps its schemas (a dependency: a missing one is a bug)."""
    spec = importlib.util.find_spec(PACKAGE)
    locations = spec.submodule_search_locations if spec is not None else None
    if not locations:
        raise ConfigError(
            f"the {PACKAGE} package is not installed; reinstall sbkube-ci (pip install sbkube-ci)"
        )
    return Path(next(iter(locations))) / "kubernetes-json-schema"


@dataclass(frozen=True)
class Gvk:
    group: str
    version: str
    kind: str

    @classmethod
    def of(cls, obj: dict[str, Any]) -> Gvk:
        api_version = str(obj.get("apiVersion", ""))
        group, _, version = api_version.rpartition("/")
        return cls(group, version, str(obj.get("kind", "")))

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def __str__(self) -> str:
        return f"{self.api_version} {self.kind}"


@dataclass
class KubernetesSchemas:
    """The schemas of one Kubernetes minor version, loaded on first use."""

    directory: Path
    version: MinorVersion

    @cached_property
    def _definitions(self) -> dict[str, Any]:
        with (self.directory / "_definitions.json").open(encoding="utf-8") as handle:
            loaded: dict[str, Any] = json.load(handle)["$defs"]
        return loaded

    @cached_property
    def _by_gvk(self) -> dict[Gvk, str]:
        index: dict[Gvk, str] = {}
        for name, definition in self._definitions.items():
            kinds = definition.get("x-kubernetes-group-version-kind", [])
            if len(kinds) == 1:  # several: a shared options type, never a manifest
                gvk = kinds[0]
                index[Gvk(gvk["group"], gvk["version"], gvk["kind"])] = name
        return index

    @cached_property
    def groups(self) -> frozenset[str]:
        """API groups Kubernetes itself serves ("" for the core group)."""
        return frozenset(gvk.group for gvk in self._by_gvk)

    @cached_property
    def validator(self) -> OpenApiValidator:
        return OpenApiValidator(self._resolve)

    def schema_for(self, gvk: Gvk) -> Schema | None:
        name = self._by_gvk.get(gvk)
        return self._definitions[name] if name is not None else None

    def object_meta(self) -> Schema:
        return self._resolve(_REF + "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")

    def _resolve(self, ref: str) -> Schema:
        # "/api/_definitions.json#/$defs/NAME" in a kind's file, "#/$defs/NAME" within this one
        schema: Schema = self._definitions[ref.rpartition("/$defs/")[2]]
        return schema


@dataclass
class SchemaLibrary:
    """Every version the package ships; picks the one to check a cluster's version against."""

    root: Path = field(default_factory=data_dir)
    _loaded: dict[MinorVersion, KubernetesSchemas] = field(default_factory=dict)

    @cached_property
    def versions(self) -> dict[MinorVersion, Path]:
        found: dict[MinorVersion, Path] = {}
        for entry in self.root.iterdir() if self.root.is_dir() else ():
            match = _DIR.match(entry.name)
            if match:
                found[(int(match.group(1)), int(match.group(2)))] = entry
        return dict(sorted(found.items()))

    def for_version(self, wanted: MinorVersion | None) -> tuple[KubernetesSchemas, str]:
        """The schemas for ``wanted`` (None: the newest), and a note when not an exact match."""
        if not self.versions:
            raise ConfigError(f"{self.root}: no schemas found; reinstall sbkube-ci")
        shipped = list(self.versions)
        older = [v for v in shipped if wanted is None or v <= wanted]
        chosen = older[-1] if older else shipped[0]
        note = ""
        if wanted is None:
            note = (
                f"no kube_version set for the cluster: checked against Kubernetes {show(chosen)}, "
                "the newest known; set clusters.<name>.kube_version to check against yours"
            )
        elif chosen != wanted:
            note = (
                f"no schemas for Kubernetes {show(wanted)} in {PACKAGE}: "
                f"checked against {show(chosen)}"
            )
        if chosen not in self._loaded:
            self._loaded[chosen] = KubernetesSchemas(self.versions[chosen], chosen)
        return self._loaded[chosen], note
