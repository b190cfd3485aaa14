"""Semantic checks that the schema cannot express: names, dependencies, repos, files."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sbkube_ci._yaml import Document, PathKey
from sbkube_ci.config.apps import (
    ActionApp,
    App,
    GitApp,
    HelmApp,
    HookApp,
    KustomizeApp,
    ManifestsTask,
    YamlApp,
)
from sbkube_ci.config.models import Config
from sbkube_ci.config.problems import Problem, problem_at
from sbkube_ci.config.types import dns_label_problem

_SECRET_LIKE = re.compile(r"(password|passwd|secret|token|apikey|api_key|private_?key)", re.I)
_HELM_RELEASE_MAX = 53


def semantic_problems(
    doc: Document, base_dir: Path, config: Config | None, apps: dict[str, App], names: set[str]
) -> list[Problem]:
    """Everything wrong beyond the schema, as far as the valid parts allow checking."""
    problems = list(_names(doc, config, apps, names))
    problems += _dependencies(doc, apps, names)
    if config is not None:
        problems += _repositories(doc, config, apps)
        problems += _cluster_files(doc, base_dir, config)
        problems += _notifier_environment(doc, config)
    for name, app in apps.items():
        problems += _app_files(doc, base_dir, name, app)
        problems += _secret_looking_values(doc, name, app)
    return problems


def _names(
    doc: Document, config: Config | None, apps: dict[str, App], names: set[str]
) -> Iterator[Problem]:
    for name in sorted(names, key=str):
        why = dns_label_problem(str(name))
        if why:
            yield problem_at(doc, ("apps", name), f"app name {why}", key=True)
    for name, app in apps.items():
        if app.namespace and (why := dns_label_problem(app.namespace)):
            yield problem_at(doc, ("apps", name, "namespace"), f"namespace {why}")
        if isinstance(app, HelmApp):
            release = app.release_name or name
            if len(release) > _HELM_RELEASE_MAX:
                path: PathKey = (
                    ("apps", name, "release_name") if app.release_name else ("apps", name)
                )
                yield problem_at(
                    doc, path, f"release name {release!r} is longer than Helm's 53 characters"
                )
    if config is not None and (why := dns_label_problem(config.settings.namespace)):
        yield problem_at(doc, ("settings", "namespace"), f"namespace {why}")


def _dependencies(doc: Document, apps: dict[str, App], names: set[str]) -> Iterator[Problem]:
    for name, app in apps.items():
        for i, dep in enumerate(app.depends_on):
            path = ("apps", name, "depends_on", i)
            if dep not in names:
                known = ", ".join(sorted(n for n in names if n != name)) or "none"
                yield problem_at(doc, path, f"app {dep!r} does not exist; known apps: {known}")
            elif dep in apps and not apps[dep].enabled and app.enabled:
                yield problem_at(
                    doc, path, f"app {dep!r} is disabled (enabled: false); enable it or drop it"
                )
            elif dep == name:
                yield problem_at(doc, path, "an app cannot depend on itself")
    for cycle in _cycles(apps):
        chain = " -> ".join([*cycle, cycle[0]])
        yield problem_at(
            doc,
            ("apps", cycle[0], "depends_on"),
            f"dependency cycle {chain}; remove one of these depends_on entries",
        )


def _cycles(apps: dict[str, App]) -> list[list[str]]:
    """Each dependency cycle once, starting at its alphabetically first app."""
    graph = {n: [d for d in a.depends_on if d in apps and d != n] for n, a in apps.items()}
    found: dict[tuple[str, ...], list[str]] = {}
    state: dict[str, int] = {}  # 1 visiting, 2 done
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in graph[node]:
            if state.get(dep) == 1:
                cycle = stack[stack.index(dep) :]
                start = cycle.index(min(cycle))
                rotated = cycle[start:] + cycle[:start]
                found.setdefault(tuple(sorted(rotated)), rotated)
            elif dep not in state:
                visit(dep)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return list(found.values())


def _repositories(doc: Document, config: Config, apps: dict[str, App]) -> Iterator[Problem]:
    settings = config.settings
    for name, app in apps.items():
        if isinstance(app, HelmApp) and app.chart_kind == "repo":
            repo, _, chart = app.chart.partition("/")
            if not chart or "/" in chart:
                yield problem_at(
                    doc,
                    ("apps", name, "chart"),
                    f"{app.chart!r} is not repo/chart, oci://..., or a local path starting with ./",
                )
            elif repo not in settings.helm_repos and repo not in settings.oci_registries:
                yield problem_at(
                    doc,
                    ("apps", name, "chart"),
                    f"repository {repo!r} is not declared; add it under settings.helm_repos "
                    f"({repo}: https://...) or settings.oci_registries",
                )
        if (
            isinstance(app, GitApp)
            and app.repo not in settings.git_repos
            and "://" not in (app.repo)
        ):
            yield problem_at(
                doc,
                ("apps", name, "repo"),
                f"Git repository {app.repo!r} is not declared in settings.git_repos; "
                "declare it or write a URL",
            )


def _app_files(doc: Document, base_dir: Path, name: str, app: App) -> Iterator[Problem]:
    for field, rel in _file_fields(app):
        if not _exists(base_dir, rel):
            yield problem_at(
                doc,
                ("apps", name, *field),
                f"{rel} does not exist (paths are relative to {base_dir})",
            )


def _file_fields(app: App) -> Iterator[tuple[PathKey, str]]:
    """(path within the app, file) for every local file the app names."""
    if isinstance(app, HelmApp):
        if app.chart_kind == "local":
            yield ("chart",), app.chart
        yield from ((("values", i), rel) for i, rel in enumerate(app.values))
    elif isinstance(app, YamlApp):
        yield from ((("manifests", i), rel) for i, rel in enumerate(app.manifests))
    elif isinstance(app, KustomizeApp):
        yield ("path",), app.path
    elif isinstance(app, ActionApp):
        yield from ((("actions", i, "path"), a.path) for i, a in enumerate(app.actions))
    elif isinstance(app, HookApp):
        for i, task in enumerate(app.tasks):
            if isinstance(task, ManifestsTask):
                yield from ((("tasks", i, "files", j), f) for j, f in enumerate(task.files))


def _exists(base_dir: Path, rel: str) -> bool:
    if any(ch in rel for ch in "*?["):
        return any(base_dir.glob(rel)) if not os.path.isabs(rel) else True
    return (base_dir / os.path.expanduser(rel)).exists()


def _cluster_files(doc: Document, base_dir: Path, config: Config) -> Iterator[Problem]:
    for cname, cluster in config.clusters.items():
        for i, rel in enumerate(cluster.values):
            if not _exists(base_dir, rel):
                yield problem_at(
                    doc,
                    ("clusters", cname, "values", i),
                    f"{rel} does not exist (paths are relative to {base_dir})",
                )
        if cluster.kubeconfig and cluster.kubeconfig_env:
            yield problem_at(doc, ("clusters", cname), "set kubeconfig or kubeconfig_env, not both")


def _notifier_environment(doc: Document, config: Config) -> Iterator[Problem]:
    if os.environ.get("CI") != "true":
        return
    for name, notifier in config.notify.items():
        for field in ("webhook_url_env", "token_env", "url_env", "secret_env"):
            env = getattr(notifier, field, None)
            if env and env not in os.environ:
                yield problem_at(
                    doc,
                    ("notify", name, field),
                    f"environment variable {env} is not set in this job; notifications to "
                    f"{name} will fail until it is added as a CI secret",
                    severity="warning",
                )


def _secret_looking_values(doc: Document, name: str, app: App) -> Iterator[Problem]:
    if not isinstance(app, HelmApp):
        return
    for key, value in _flatten(app.set_values_map()):
        if _SECRET_LIKE.search(key) and isinstance(value, str) and not value.startswith("${"):
            yield problem_at(
                doc,
                ("apps", name, "set_values"),
                f"{key} looks like a secret written in plain text; keep it in a CI secret or "
                "an encrypted values file",
                severity="warning",
            )


def _flatten(values: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in values.items():
        full = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            yield from _flatten(value, full)
        else:
            yield full, value
