"""Run the checks of one cluster over its rendered apps; reuse what a previous run found.

Static checks (schema, deprecated APIs, rules) depend only on an app's render, the settings,
the Kubernetes version and the project's CRDs, so their findings are cached by a key of
those. Random fields are found by comparing two renders of the same input: the deployed
snapshot when the input digest is the deployed one but the render differs, or a second render
when the input changed and the chart calls a random function; they are cached by input digest.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from sbkube_ci.checks import api_schema, deprecations, random_renders
from sbkube_ci.checks.cache import AppEntry, ChecksCache
from sbkube_ci.checks.crds import crd_schemas, crd_validator, is_crd
from sbkube_ci.checks.objects import title
from sbkube_ci.checks.random_renders import RandomField, Template
from sbkube_ci.checks.rules import RULES
from sbkube_ci.checks.schemas import Gvk, KubernetesSchemas, SchemaLibrary, parse_version
from sbkube_ci.config.sections import ChecksSettings
from sbkube_ci.plan_model import CheckFinding
from sbkube_ci.render.normalize import load_objects
from sbkube_ci.render.result import RenderedApp

VERSION = "1"  # bump when a check's logic changes: cached findings are then recomputed
Objects = list[dict[str, Any]]


@dataclass(frozen=True)
class Deployed:
    """What the state records for an app: its digests and a loader of its snapshot."""

    input_digest: str
    render_digest: str
    load: Callable[[], Objects]


@dataclass
class ClusterChecks:
    checks_run: list[str] = field(default_factory=list)
    findings: list[CheckFinding] = field(default_factory=list)
    random: dict[str, list[RandomField]] = field(default_factory=dict)


@dataclass
class _Run:
    settings: ChecksSettings
    kubernetes: KubernetesSchemas
    apps: Mapping[str, RenderedApp]
    objects: Callable[[RenderedApp], Objects]
    cache: ChecksCache
    base_key: str
    _crds: dict[Gvk, Any] | None = None
    _templates: dict[str, list[Template]] = field(default_factory=dict)
    _reader: random_renders.TemplateReader = field(default_factory=random_renders.TemplateReader)

    def crds(self) -> dict[Gvk, Any]:
        if self._crds is None:
            self._crds = {}
            for name, rendered in sorted(self.apps.items()):
                if self.cache.entry(name).has_crds:
                    self._crds.update(crd_schemas(self.objects(rendered)))
        return self._crds

    @cached_property
    def deprecated(self) -> dict[Gvk, deprecations.DeprecatedApi]:
        return deprecations.load_table() if self.settings.deprecated_apis else {}

    @cached_property
    def schema_check(self) -> api_schema.SchemaCheck | None:
        if not self.settings.schemas:
            return None
        return api_schema.SchemaCheck(self.kubernetes, self.crds(), crd_validator())

    def templates(self, rendered: RenderedApp) -> list[Template]:
        """The chart's templates, read once per distinct built chart (many apps share one)."""
        if rendered.chart is None:
            return []
        key = rendered.chart_digest or str(rendered.chart)
        if key not in self._templates:
            self._templates[key] = self._reader.templates(rendered.chart)
        return self._templates[key]


def check_cluster(
    settings: ChecksSettings,
    *,
    kube_version: str | None,
    apps: Mapping[str, RenderedApp],
    deployed: Mapping[str, Deployed],
    objects: Callable[[RenderedApp], Objects],
    cache_path: Path,
    library: SchemaLibrary | None = None,
    where: str = "cluster",
    every_app: bool = True,
) -> ClusterChecks:
    """Every enabled check over ``apps``; ``objects`` parses a render (shared with the diff).

    ``every_app``: ``apps`` are all the cluster's apps, so cached entries of others are stale
    (false for a plan of some apps only, which must not forget the others' findings).
    """
    result = ClusterChecks(checks_run=enabled_checks(settings))
    if not result.checks_run:
        return result
    library = library or SchemaLibrary()
    target = parse_version(kube_version, f"{where}.kube_version") if kube_version else None
    kubernetes, note = library.for_version(target)
    if note and settings.schemas:
        result.findings.append(CheckFinding(check="schema", severity="info", message=note))
    run = _Run(
        settings,
        kubernetes,
        apps,
        objects,
        ChecksCache.load(cache_path),
        _base_key(settings, kubernetes, kube_version),
    )
    _learn_facts(run)
    crd_key = _digest(
        [(n, a.render_digest) for n, a in sorted(apps.items()) if run.cache.entry(n).has_crds]
    )
    for name, rendered in sorted(apps.items()):
        entry = run.cache.entry(name)
        result.findings += _static_findings(
            run, name, rendered=rendered, entry=entry, target=target, crd_key=crd_key
        )
        if settings.random_renders:
            fields, findings = _random(run, name, rendered, entry, deployed.get(name))
            result.random[name] = fields
            result.findings += findings
    for stale in set(run.cache.apps) - set(apps) if every_app else ():
        del run.cache.apps[stale]
        run.cache.dirty = True
    run.cache.save()
    result.findings.sort(key=_report_order)
    return result


_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def _report_order(finding: CheckFinding) -> tuple[int, str, str, str, str]:
    """Errors first, then by app, object and field: the order every report shows."""
    f = finding
    return (_SEVERITY_ORDER[f.severity], f.app, f.object, f.path, f.check)


def enabled_checks(settings: ChecksSettings) -> list[str]:
    names = [
        name
        for name, on in (
            (api_schema.CHECK, settings.schemas),
            (deprecations.CHECK, settings.deprecated_apis),
            (random_renders.CHECK, settings.random_renders),
        )
        if on
    ]
    return names + list(dict.fromkeys(settings.rules))


def _base_key(
    settings: ChecksSettings, kubernetes: KubernetesSchemas, kube_version: str | None
) -> str:
    stat = (kubernetes.directory / "_definitions.json").stat()
    return _digest(
        [
            VERSION,
            settings.model_dump(mode="json"),
            kube_version or "",
            kubernetes.directory.name,
            stat.st_size,
            stat.st_mtime_ns,
        ]
    )


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


def _learn_facts(run: _Run) -> None:
    """Whether each app renders CRDs or custom resources (from the cache for known renders)."""
    for name, rendered in run.apps.items():
        entry = run.cache.entry(name)
        if entry.render_digest == rendered.render_digest:
            continue
        objs = run.objects(rendered)
        entry.render_digest = rendered.render_digest
        entry.has_crds = any(is_crd(obj) for obj in objs)
        entry.has_custom = any(Gvk.of(o).group not in run.kubernetes.groups for o in objs)
        entry.key = ""
        run.cache.dirty = True


def _static_findings(
    run: _Run,
    name: str,
    *,
    rendered: RenderedApp,
    entry: AppEntry,
    target: tuple[int, int] | None,
    crd_key: str,
) -> list[CheckFinding]:
    key = _digest([run.base_key, rendered.render_digest, crd_key if entry.has_custom else ""])
    if entry.key != key:
        found = _check_objects(run, name, run.objects(rendered), target)
        entry.key, entry.findings = key, [f.model_dump() for f in found]
        run.cache.dirty = True
    return [CheckFinding.model_validate(f) for f in entry.findings]


def _check_objects(
    run: _Run, app: str, objs: Objects, target: tuple[int, int] | None
) -> list[CheckFinding]:
    settings, found = run.settings, []
    table, schema = run.deprecated, run.schema_check
    not_checked: dict[str, int] = {}
    for obj in objs:
        where = title(obj)
        outdated = deprecations.check_object(table, obj, target) if table else None
        if outdated is not None:
            found.append(deprecations.finding(app, where, outdated))
        if schema is not None:
            skip = frozenset([Gvk.of(obj)]) if outdated and outdated[0] == "error" else frozenset()
            outcome = schema.check(obj, skip=skip)
            if outcome.not_checked:
                not_checked[outcome.not_checked] = not_checked.get(outcome.not_checked, 0) + 1
            found += [
                CheckFinding(
                    check=api_schema.CHECK,
                    severity="error",
                    app=app,
                    object=where,
                    path=p.path,
                    message=p.message,
                )
                for p in outcome.problems
            ]
        for rule_name in settings.rules:
            found += [
                CheckFinding(
                    check=rule_name, severity="error", app=app, object=where, path=p, message=m
                )
                for p, m in RULES[rule_name].check(obj)
            ]
    for why, count in sorted(not_checked.items()):
        plural = "s" if count != 1 else ""
        message = f"{count} custom resource{plural} not checked: {why}"
        found.append(CheckFinding(check="schema", severity="info", app=app, message=message))
    return found


def _random(
    run: _Run, name: str, rendered: RenderedApp, entry: AppEntry, deployed: Deployed | None
) -> tuple[list[RandomField], list[CheckFinding]]:
    if entry.random_input != rendered.input_digest:
        fields = _find_random(run, rendered, deployed)
        if fields is None:
            return [], []
        findings = _random_findings(name, fields, run.templates(rendered))
        entry.random_input = rendered.input_digest
        entry.random_fields = [asdict(f) for f in fields]
        entry.random_findings = [f.model_dump() for f in findings]
        run.cache.dirty = True
    fields = [RandomField(**{**f, "path": tuple(f["path"])}) for f in entry.random_fields]
    return fields, [CheckFinding.model_validate(f) for f in entry.random_findings]


def _find_random(
    run: _Run, rendered: RenderedApp, deployed: Deployed | None
) -> list[RandomField] | None:
    """Fields differing between two renders of this input; None when it was not looked at."""
    same_input = deployed is not None and deployed.input_digest == rendered.input_digest
    if deployed is not None and same_input:
        if deployed.render_digest == rendered.render_digest:
            return None  # rendered the same twice: nothing to learn
        return random_renders.random_fields(deployed.load(), run.objects(rendered))
    if rendered.rerender is None or rendered.chart is None:
        return None  # not helm: manifests and kustomize render the same every time
    if not random_renders.uses_randomness(run.templates(rendered)):
        return []
    again = load_objects(rendered.rerender())
    return random_renders.random_fields(run.objects(rendered), again)


def _random_findings(
    app: str, fields: list[RandomField], templates: list[Template]
) -> list[CheckFinding]:
    """One warning per random field, naming the values that pin it.

    A checksum over a template changes with that template's random fields, so it names the
    values of the render's other random fields when there are any (the checksum's own line
    names only the template).
    """
    found = [(f, *random_renders.values_to_pin(f, templates)) for f in fields]
    direct = list(dict.fromkeys(v for _, values, derived in found if not derived for v in values))
    findings = []
    for field_, values, derived in found:
        pinned_by = (direct or values) if derived else values
        if pinned_by:
            pin = "set " + " or ".join(f"`{v}`" for v in pinned_by) + " to pin it"
        else:
            pin = "no value pins it: fix it in the chart, or list it in diff.ignore"
        about = f" (a checksum of {derived})" if derived else ""
        findings.append(
            CheckFinding(
                check=random_renders.CHECK,
                severity="warning",
                app=app,
                object=field_.title,
                path=field_.dotted,
                message=f"random in the chart{about}: {pin}",
            )
        )
    return findings
