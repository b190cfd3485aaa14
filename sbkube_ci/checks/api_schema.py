"""Schema check: each object against its Kubernetes or CRD schema, every problem by path."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sbkube_ci.checks.openapi import OpenApiValidator, Problem, Schema
from sbkube_ci.checks.schemas import Gvk, KubernetesSchemas, show

CHECK = "schema"
_TOP_LEVEL = ("apiVersion", "kind", "metadata")
_QUOTED = re.compile(r'string "(?:[^"\\]|\\.)*"')


@dataclass(frozen=True)
class Outcome:
    """What the schema check says about one object: problems, or that it was not checked."""

    problems: tuple[Problem, ...] = ()
    not_checked: str = ""  # why, for a custom resource without a CRD in the project


@dataclass
class SchemaCheck:
    kubernetes: KubernetesSchemas
    crds: Mapping[Gvk, Schema]
    crd_validator: OpenApiValidator

    def check(self, obj: dict[str, Any], *, skip: frozenset[Gvk] = frozenset()) -> Outcome:
        """``skip``: API versions another check already reports (removed ones)."""
        gvk = Gvk.of(obj)
        if gvk in skip:
            return Outcome()
        if "status" in obj:  # the API server ignores a manifest's status (CRDs often carry one)
            obj = {key: value for key, value in obj.items() if key != "status"}
        schema = self.kubernetes.schema_for(gvk)
        if schema is not None:
            problems = self.kubernetes.validator.problems(obj, schema)
        elif gvk in self.crds:
            problems = list(self._custom(obj, self.crds[gvk]))
        elif gvk.group in self.kubernetes.groups:
            version = show(self.kubernetes.version)
            return Outcome((Problem("", f"Kubernetes {version} serves no {gvk}"),))
        else:
            return Outcome(not_checked=f"no CRD for {gvk} in the project")
        if obj.get("kind") == "Secret":  # never quote a Secret's values in a report
            problems = [Problem(p.path, _QUOTED.sub("a string", p.message)) for p in problems]
        return Outcome(tuple(problems))

    def _custom(self, obj: dict[str, Any], schema: Schema) -> Iterator[Problem]:
        body = {k: v for k, v in obj.items() if k not in _TOP_LEVEL}
        yield from self.crd_validator.problems(body, schema)
        meta = obj.get("metadata")
        if meta is not None:
            yield from self.kubernetes.validator.problems(
                meta, self.kubernetes.object_meta(), "metadata"
            )
