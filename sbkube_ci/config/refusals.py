"""Values refused because a tool would misread them: flags, transport helpers, path parts.

Every value that reaches a helm, git or kubectl command line is checked here for its kind
(``kinds.py``) and reported at FILE:LINE, so that ``validate`` refuses what would otherwise run
a command (``release_name: --post-renderer=/bin/sh``) or fail later with an internal error.
Settings are read from the raw document, so one broken section does not hide the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sbkube_ci._yaml import Document, PathKey
from sbkube_ci.config import kinds
from sbkube_ci.config.apps import (
    Action,
    ActionApp,
    App,
    GitApp,
    HelmApp,
    HttpApp,
    KustomizeApp,
    split_git_chart,
)
from sbkube_ci.config.problems import Problem, problem_at, walk
from sbkube_ci.config.types import dns_label_problem

Check = Callable[[str], str | None]


def command_value_problems(doc: Document, apps: dict[str, App]) -> Iterator[Problem]:
    """Every command-line value of the file that is not of its kind."""
    yield from _settings(doc)
    yield from _clusters(doc)
    yield from _state(doc)
    git_repos = set(_entries(doc, "settings", "git_repos"))
    for name, app in apps.items():
        yield from _app(doc, name, app, git_repos)
    for cname in _entries(doc, "clusters"):
        for name in _entries(doc, "clusters", cname, "apps"):
            if name in apps:
                yield from _cluster_app(doc, ("clusters", cname, "apps", name), apps[name])


def _check(doc: Document, path: PathKey, check: Check, *, key: bool = False) -> Iterator[Problem]:
    value = path[-1] if key else walk(doc.data, path)
    if isinstance(value, str) and (why := check(value)):
        yield problem_at(doc, path, _refused(why), key=key)


def _refused(why: str) -> str:
    if why == kinds.FLAG_ADVICE or why.startswith("it contains"):
        return f"refused: {why}; write the value without it"
    return why


def _entries(doc: Document, *path: str) -> dict[str, Any]:
    found = walk(doc.data, path)
    return found if isinstance(found, dict) else {}


def _settings(doc: Document) -> Iterator[Problem]:
    yield from _check(doc, ("settings", "kubeconfig_context"), kinds.context_problem)
    for key, repo in _entries(doc, "settings", "helm_repos").items():
        url: PathKey = (
            "settings",
            "helm_repos",
            key,
            *(("url",) if isinstance(repo, dict) else ()),
        )
        yield from _check(doc, url, kinds.helm_repo_url_problem)
    for key, registry in _entries(doc, "settings", "oci_registries").items():
        field = ("registry",) if isinstance(registry, dict) else ()
        yield from _check(
            doc, ("settings", "oci_registries", key, *field), kinds.oci_reference_problem
        )
    for key, repo in _entries(doc, "settings", "git_repos").items():
        field = ("url",) if isinstance(repo, dict) else ()
        yield from _check(doc, ("settings", "git_repos", key, *field), kinds.git_url_problem)
        yield from _check(doc, ("settings", "git_repos", key, "branch"), kinds.git_ref_problem)


def _clusters(doc: Document) -> Iterator[Problem]:
    for name, cluster in _entries(doc, "clusters").items():
        yield from _check(doc, ("clusters", name), kinds.cluster_name_problem, key=True)
        if not isinstance(cluster, dict):
            continue
        yield from _check(doc, ("clusters", name, "context"), kinds.context_problem)
        yield from _check(doc, ("clusters", name, "kube_version"), kinds.kube_version_problem)
        api_versions = cluster.get("api_versions")
        for i in range(len(api_versions) if isinstance(api_versions, list) else 0):
            yield from _check(doc, ("clusters", name, "api_versions", i), kinds.api_version_problem)


def _state(doc: Document) -> Iterator[Problem]:
    yield from _check(doc, ("state", "git", "remote"), kinds.git_remote_problem)
    yield from _check(doc, ("state", "git", "branch"), kinds.git_ref_problem)


def _app(doc: Document, name: str, app: App, git_repos: set[str]) -> Iterator[Problem]:
    here: PathKey = ("apps", name)
    context = getattr(app, "context", None)
    if context is not None:
        yield from _check(doc, (*here, "context"), kinds.context_problem)
    if isinstance(app, HelmApp):
        yield from _helm(doc, here, app, git_repos)
    elif isinstance(app, GitApp):
        if "://" in app.repo:  # anything else must be a key of git_repos (checks.py says so)
            yield from _check(doc, (*here, "repo"), kinds.git_url_problem)
        yield from _check(doc, (*here, "ref"), kinds.git_ref_problem)
        yield from _check(doc, (*here, "branch"), kinds.git_ref_problem)
        yield from _inside_repository(doc, (*here, "path"), app.path)
    elif isinstance(app, HttpApp):
        yield from _check(doc, (*here, "url"), kinds.http_url_problem)
    elif isinstance(app, KustomizeApp):
        yield from _check(doc, (*here, "path"), kinds.flag_problem)
    elif isinstance(app, ActionApp):
        yield from _action_namespaces(doc, here, app.actions)


def _helm(doc: Document, here: PathKey, app: HelmApp, git_repos: set[str]) -> Iterator[Problem]:
    if app.release_name is not None:
        yield from _check(doc, (*here, "release_name"), kinds.release_problem)
    chart: PathKey = (*here, "chart")
    version: PathKey = (*here, "version")
    if app.chart_kind == "oci":
        yield from _check(doc, chart, kinds.oci_reference_problem)
    elif app.chart_kind == "repo":
        _, _, chart_name = app.chart.partition("/")
        if (why := kinds.chart_name_problem(chart_name)) and "/" not in chart_name:
            yield problem_at(doc, chart, _refused(why))
    elif app.chart_kind == "git":
        repo, path = split_git_chart(app.chart)
        url_like = any(mark in repo for mark in ("://", "::", "@")) or repo.startswith(("/", "-"))
        if repo not in git_repos and url_like and (why := kinds.git_url_problem(repo)):
            yield problem_at(doc, chart, _refused(why))
        yield from _inside_repository(doc, chart, path)
    else:
        yield from _check(doc, chart, kinds.flag_problem)
    yield from _check(doc, version, _version_check(app))


def _version_check(app: HelmApp) -> Check:
    """A chart in Git is versioned by a ref; every other by a version or semver range."""
    return kinds.git_ref_problem if app.chart_kind == "git" else kinds.version_problem


def _cluster_app(doc: Document, here: PathKey, app: App) -> Iterator[Problem]:
    """A chart version or path one cluster sets for ``app``: checked as the app's own are."""
    if isinstance(app, HelmApp):
        yield from _check(doc, (*here, "version"), _version_check(app))
    elif isinstance(app, GitApp):
        path = walk(doc.data, (*here, "path"))
        if isinstance(path, str):
            yield from _inside_repository(doc, (*here, "path"), path)
    elif isinstance(app, KustomizeApp):
        yield from _check(doc, (*here, "path"), kinds.flag_problem)


def _inside_repository(doc: Document, path: PathKey, inner: str) -> Iterator[Problem]:
    if inner.startswith("/") or ".." in inner.split("/"):
        yield problem_at(
            doc, path, f"{inner} must be a path inside the repository, without '..' or a leading /"
        )


def _action_namespaces(doc: Document, here: PathKey, actions: list[Action]) -> Iterator[Problem]:
    for i, action in enumerate(actions):
        if action.namespace and (why := dns_label_problem(action.namespace)):
            where = (*here, "actions", i, "namespace")
            yield problem_at(doc, where, f"namespace {why}")
