"""Semantic checks that the schema cannot express: names, dependencies, repos, files.

They read the raw document where they can, so that one app or section failing the schema does
not hide the other problems of the file: every problem is reported in one run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sbkube_ci._paths import escape_problem, link_problem
from sbkube_ci._yaml import Document, PathKey
from sbkube_ci.config.apps import (
    ActionApp,
    App,
    GitApp,
    HelmApp,
    HookApp,
    HookTask,
    HttpApp,
    KustomizeApp,
    ManifestsTask,
    YamlApp,
)
from sbkube_ci.config.cluster_apps import cluster_app_problems
from sbkube_ci.config.credentials import literal_credential_problems, secret_looking_values
from sbkube_ci.config.files import FileChecks
from sbkube_ci.config.graph import dependency_cycles
from sbkube_ci.config.kinds import release_problem
from sbkube_ci.config.models import Config
from sbkube_ci.config.problems import Problem, problem_at, walk
from sbkube_ci.config.refusals import command_value_problems
from sbkube_ci.config.types import dns_label_problem
from sbkube_ci.config.user_repos import UNDECLARED_HINT


def semantic_problems(
    doc: Document, base_dir: Path, config: Config | None, apps: dict[str, App]
) -> list[Problem]:
    """Everything wrong beyond the schema, as far as the valid parts allow checking."""
    raw_apps = doc.data.get("apps")
    raw_apps = raw_apps if isinstance(raw_apps, dict) else {}
    problems = list(_names(doc, apps, raw_apps))
    problems += _dependencies(doc, raw_apps)
    problems += _repositories(doc, apps)
    files = FileChecks(base_dir)
    problems += _cluster_problems(doc, files)
    problems += cluster_app_problems(doc, files)
    if config is not None:
        problems += _notifier_environment(doc, config)
    problems += literal_credential_problems(doc, apps)
    problems += command_value_problems(doc, apps)
    for name, app in apps.items():
        problems += _app_files(doc, files, name, app)
    return problems


def _names(doc: Document, apps: dict[str, App], raw_apps: dict[str, Any]) -> Iterator[Problem]:
    for name in raw_apps:
        if why := dns_label_problem(name):
            yield problem_at(doc, ("apps", name), f"app name {why}", key=True)
    for name, app in apps.items():
        if app.namespace and (why := dns_label_problem(app.namespace)):
            yield problem_at(doc, ("apps", name, "namespace"), f"namespace {why}")
        # an explicit release_name is checked with the other command-line values
        default_release = isinstance(app, HelmApp) and not app.release_name
        if default_release and not dns_label_problem(name) and (why := release_problem(name)):
            yield problem_at(doc, ("apps", name), why, key=True)
    for path in (("settings", "namespace"), *_cluster_namespaces(doc)):
        namespace = walk(doc.data, path)
        if isinstance(namespace, str) and (why := dns_label_problem(namespace)):
            yield problem_at(doc, path, f"namespace {why}")


def _cluster_namespaces(doc: Document) -> Iterator[PathKey]:
    clusters = doc.data.get("clusters")
    if isinstance(clusters, dict):
        yield from (("clusters", name, "namespace") for name in clusters)


def _dependencies(doc: Document, raw_apps: dict[str, Any]) -> Iterator[Problem]:
    enabled = {
        name: not (isinstance(app, dict) and app.get("enabled") is False)
        for name, app in raw_apps.items()
    }
    graph: dict[str, list[str]] = {}
    for name, app in raw_apps.items():
        deps = app.get("depends_on") if isinstance(app, dict) else None
        graph[name] = []
        for i, dep in enumerate(deps if isinstance(deps, list) else []):
            if not isinstance(dep, str):
                continue  # the schema reports it
            path = ("apps", name, "depends_on", i)
            if dep == name:
                yield problem_at(doc, path, "an app cannot depend on itself; remove this entry")
            elif dep not in raw_apps:
                known = ", ".join(n for n in sorted(raw_apps) if n != name) or "none"
                yield problem_at(doc, path, f"app {dep!r} does not exist; known apps: {known}")
            elif enabled[name] and not enabled[dep]:
                yield problem_at(
                    doc,
                    path,
                    f"app {dep!r} is disabled (enabled: false); enable it or remove this entry",
                )
            else:
                graph[name].append(dep)
    for cycle in dependency_cycles(graph):
        chain = " -> ".join([*cycle, cycle[0]])
        deps = raw_apps[cycle[0]]["depends_on"]
        index = deps.index(cycle[1 % len(cycle)])
        yield problem_at(
            doc,
            ("apps", cycle[0], "depends_on", index),
            f"dependency cycle {chain}; remove one of these depends_on entries",
        )


def _declared(doc: Document, section: str) -> set[str]:
    names = walk(doc.data, ("settings", section))
    return set(names) if isinstance(names, dict) else set()


def _repositories(doc: Document, apps: dict[str, App]) -> Iterator[Problem]:
    helm_repos = _declared(doc, "helm_repos")
    oci = _declared(doc, "oci_registries")
    git_repos = _declared(doc, "git_repos")
    for name, app in apps.items():
        if isinstance(app, HelmApp) and app.chart_kind == "repo":
            repo, _, chart = app.chart.partition("/")
            if not repo or not chart or "/" in chart:
                yield problem_at(
                    doc,
                    ("apps", name, "chart"),
                    "must be repo/chart, oci://registry/path/chart, or a local path starting "
                    "with ./",
                )
            elif repo not in helm_repos and repo not in oci:
                yield problem_at(
                    doc,
                    ("apps", name, "chart"),
                    f"repository {repo!r} is not declared; add it under settings.helm_repos "
                    f"({repo}: https://...) or settings.oci_registries ({UNDECLARED_HINT})",
                )
        if isinstance(app, GitApp) and app.repo not in git_repos and "://" not in app.repo:
            yield problem_at(
                doc,
                ("apps", name, "repo"),
                f"Git repository {app.repo!r} is not declared in settings.git_repos; "
                "declare it there or write a URL",
            )


def _app_files(doc: Document, files: FileChecks, name: str, app: App) -> Iterator[Problem]:
    base_dir = files.base_dir
    for field, rel in _file_fields(app):
        path = ("apps", name, *field)
        yield from files.problems(doc, path, rel, chart=field == ("chart",))
    relative: list[tuple[PathKey, str]] = []
    if isinstance(app, HelmApp):
        relative += [(("overrides", i), rel) for i, rel in enumerate(app.overrides)]
        relative += [(("removes", i), rel) for i, rel in enumerate(app.removes)]
        if app.overrides and (why := link_problem(base_dir, f"overrides/{name}")):
            yield problem_at(doc, ("apps", name, "overrides"), why)
    if isinstance(app, HttpApp):
        relative.append((("dest",), app.dest))
    for field, rel in relative:
        if os.path.isabs(rel) or ".." in Path(rel).parts:
            message = f"{rel} must be a relative path without '..' (it names a file of the app)"
            yield problem_at(doc, ("apps", name, *field), message)


def _file_fields(app: App) -> Iterator[tuple[PathKey, str]]:
    """(path within the app, file) for every local file the app names."""
    if isinstance(app, HelmApp):
        if app.chart_kind == "local":
            yield ("chart",), app.chart
        values = enumerate(app.values)  # inline mappings are values, not files
        yield from ((("values", i), rel) for i, rel in values if isinstance(rel, str))
    elif isinstance(app, YamlApp):
        yield from ((("manifests", i), rel) for i, rel in enumerate(app.manifests))
    elif isinstance(app, KustomizeApp):
        yield ("path",), app.path
    elif isinstance(app, ActionApp):
        yield from ((("actions", i, "path"), a.path) for i, a in enumerate(app.actions))
    elif isinstance(app, HookApp):
        yield from _task_files(("tasks",), app.tasks)
    if app.hooks is not None:
        hooks = app.hooks
        for name in ("pre_deploy_manifests", "post_deploy_manifests"):
            files = getattr(hooks, name)
            yield from ((("hooks", name, i), f) for i, f in enumerate(files))
        yield from _task_files(("hooks", "pre_deploy_tasks"), hooks.pre_deploy_tasks)
        yield from _task_files(("hooks", "post_deploy_tasks"), hooks.post_deploy_tasks)


def _task_files(where: PathKey, tasks: list[HookTask]) -> Iterator[tuple[PathKey, str]]:
    for i, task in enumerate(tasks):
        if isinstance(task, ManifestsTask):
            yield from (((*where, i, "files", j), f) for j, f in enumerate(task.files))


def _cluster_problems(doc: Document, files: FileChecks) -> Iterator[Problem]:
    base_dir = files.base_dir
    shared = walk(doc.data, ("settings", "cluster_values_file"))
    if isinstance(shared, str):
        yield from files.problems(doc, ("settings", "cluster_values_file"), shared)
    local_state = walk(doc.data, ("state", "local", "path"))
    if isinstance(local_state, str) and (why := escape_problem(base_dir, local_state)):
        yield problem_at(doc, ("state", "local", "path"), f"{why}; keep the state inside it")
    clusters = doc.data.get("clusters")
    for cname, cluster in (clusters if isinstance(clusters, dict) else {}).items():
        if not isinstance(cluster, dict):
            continue
        values = cluster.get("values")
        for i, rel in enumerate(values if isinstance(values, list) else []):
            if isinstance(rel, str):
                yield from files.problems(doc, ("clusters", cname, "values", i), rel)
        if cluster.get("kubeconfig") and cluster.get("kubeconfig_env"):
            yield problem_at(
                doc,
                ("clusters", cname, "kubeconfig_env"),
                "set kubeconfig or kubeconfig_env, not both",
            )
        set_values = cluster.get("set_values")
        if isinstance(set_values, dict):
            yield from secret_looking_values(doc, ("clusters", cname, "set_values"), set_values)


def _notifier_environment(doc: Document, config: Config) -> Iterator[Problem]:
    if os.environ.get("CI") != "true":
        return  # locally the CI secrets are not expected to be set
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
