"""Checks of per-cluster app settings (``clusters.<cluster>.apps.<app>``).

Read from the raw document, like the other semantic checks, so that one broken section does
not hide the problems of another.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sbkube_ci._yaml import Document, PathKey
from sbkube_ci.config.apps import chart_kind
from sbkube_ci.config.credentials import secret_looking_values
from sbkube_ci.config.files import FileChecks
from sbkube_ci.config.problems import Problem, problem_at
from sbkube_ci.config.types import dns_label_problem

_HELM_ONLY = ("values", "set_values")
_PATH_TYPES = ("kustomize", "git")  # the app types whose `path` a cluster may set


def take_unsupported(doc: Document) -> list[Problem]:
    """``chart`` per cluster: removed, each one error that says what to write instead.

    Taken out before the schema runs so that the error says what to do instead of "unknown
    key". A chart version or a path may differ per cluster; a whole other chart is another
    app.
    """
    problems = []
    clusters = doc.data.get("clusters")
    for cname, cluster in (clusters if isinstance(clusters, dict) else {}).items():
        overrides = cluster.get("apps") if isinstance(cluster, dict) else None
        for name, override in (overrides if isinstance(overrides, dict) else {}).items():
            if isinstance(override, dict) and "chart" in override:
                del override["chart"]
                problems.append(
                    problem_at(
                        doc,
                        ("clusters", cname, "apps", name, "chart"),
                        "a chart per cluster is another app; declare one app per chart and "
                        "enable each on its clusters (clusters.<c>.apps.<app>.enabled)",
                        key=True,
                    )
                )
    return problems


def cluster_app_problems(doc: Document, files: FileChecks) -> Iterator[Problem]:
    """Overrides of apps that do not exist, helm-only keys on other apps, missing files, and
    secret-looking values written inline."""
    raw_apps = doc.data.get("apps")
    apps: dict[str, Any] = raw_apps if isinstance(raw_apps, dict) else {}
    yield from _inline_secrets(doc, apps)
    clusters = doc.data.get("clusters")
    for cname, cluster in (clusters if isinstance(clusters, dict) else {}).items():
        overrides = cluster.get("apps") if isinstance(cluster, dict) else None
        for name, override in (overrides if isinstance(overrides, dict) else {}).items():
            where: PathKey = ("clusters", cname, "apps", name)
            if name not in apps:
                known = ", ".join(sorted(apps)) or "none"
                message = f"app {name!r} does not exist; known apps: {known}"
                yield problem_at(doc, where, message, key=True)
            elif isinstance(override, dict):
                yield from _override_problems(doc, files, where, apps[name], override)
        yield from _disabled_dependencies(doc, cname, apps, overrides)


def _inline_secrets(doc: Document, apps: dict[str, Any]) -> Iterator[Problem]:
    """Inline values are written in the file like set_values: warn about secrets the same way."""
    places: list[tuple[PathKey, Any]] = [
        (("apps", name, "values"), app.get("values"))
        for name, app in apps.items()
        if isinstance(app, dict)
    ]
    clusters = doc.data.get("clusters")
    for cname, cluster in (clusters if isinstance(clusters, dict) else {}).items():
        if not isinstance(cluster, dict):
            continue
        places.append((("clusters", cname, "values"), cluster.get("values")))
        overrides = cluster.get("apps")
        for name, override in (overrides if isinstance(overrides, dict) else {}).items():
            if isinstance(override, dict):
                where: PathKey = ("clusters", cname, "apps", name)
                places.append(((*where, "values"), override.get("values")))
                set_values = override.get("set_values")
                if isinstance(set_values, dict | list):
                    yield from secret_looking_values(doc, (*where, "set_values"), set_values)
    for path, entries in places:
        for i, entry in enumerate(entries if isinstance(entries, list) else []):
            if isinstance(entry, dict):
                yield from secret_looking_values(doc, (*path, i), entry)


def _override_problems(
    doc: Document, files: FileChecks, where: PathKey, app: Any, override: dict[str, Any]
) -> Iterator[Problem]:
    kind = app.get("type") if isinstance(app, dict) else None
    for key in _HELM_ONLY:
        if override.get(key) and kind != "helm":
            yield problem_at(
                doc,
                (*where, key),
                f"{key} apply to helm apps only; this app is type {kind}",
                key=True,
            )
    namespace = override.get("namespace")
    if isinstance(namespace, str) and (why := dns_label_problem(namespace)):
        yield problem_at(doc, (*where, "namespace"), f"namespace {why}")
    values = override.get("values")
    for i, rel in enumerate(values if isinstance(values, list) else []):
        if isinstance(rel, str):
            yield from files.problems(doc, (*where, "values", i), rel)
    yield from _source_problems(doc, files, where, app, override)


def _source_problems(
    doc: Document, files: FileChecks, where: PathKey, app: Any, override: dict[str, Any]
) -> Iterator[Problem]:
    """``version`` on helm apps with a remote chart, ``path`` on kustomize and git apps."""
    kind = app.get("type") if isinstance(app, dict) else None
    chart = app.get("chart") if isinstance(app, dict) else None
    if "version" in override and kind != "helm":
        message = f"version applies to helm apps only; this app is type {kind}"
        yield problem_at(doc, (*where, "version"), message, key=True)
    elif "version" in override and isinstance(chart, str) and chart_kind(chart) == "local":
        message = (
            f"{chart} is a local chart: its version is the one in its Chart.yaml; give the app "
            "a chart from a repository, OCI registry or Git to choose a version per cluster"
        )
        yield problem_at(doc, (*where, "version"), message, key=True)
    path = override.get("path")
    if "path" in override and kind not in _PATH_TYPES:
        message = f"path applies to kustomize and git apps only; this app is type {kind}"
        yield problem_at(doc, (*where, "path"), message, key=True)
    elif kind == "kustomize" and isinstance(path, str):
        yield from files.problems(doc, (*where, "path"), path)
    # a git app's path is checked like its own in refusals.py (inside the repository)


def _disabled_dependencies(
    doc: Document, cname: str, apps: dict[str, Any], overrides: Any
) -> Iterator[Problem]:
    """An app enabled on a cluster cannot depend on an app disabled on that cluster."""
    overrides = overrides if isinstance(overrides, dict) else {}
    if not any(isinstance(o, dict) and "enabled" in o for o in overrides.values()):
        return  # nothing differs from the app-level check

    def enabled(name: str) -> bool:
        override = overrides.get(name)
        if isinstance(override, dict) and isinstance(override.get("enabled"), bool):
            return bool(override["enabled"])
        app = apps.get(name)
        return not (isinstance(app, dict) and app.get("enabled") is False)

    for name, app in apps.items():
        deps = app.get("depends_on") if isinstance(app, dict) else None
        if not enabled(name) or not isinstance(deps, list):
            continue
        for dep in deps:
            if isinstance(dep, str) and dep in apps and not enabled(dep):
                path: PathKey = ("clusters", cname, "apps", dep, "enabled")
                if path not in doc.values:
                    path = ("apps", dep, "enabled")
                yield problem_at(
                    doc,
                    path,
                    f"app {dep!r} is disabled on cluster {cname} but {name!r} depends on it "
                    "there; enable it on this cluster or disable the app that needs it",
                )
