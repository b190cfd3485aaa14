"""``--changed-since REF``: the apps whose inputs changed since a Git ref, and their dependants.

An app changed when its entry in the config differs from the one at REF, or its settings on
a cluster (``clusters.<c>.apps.<app>``) do, or when a file it reads changed (values files,
``overrides/<app>/``, a local chart, manifests, a kustomize directory and its bases). Any
other change to ``settings`` or ``clusters``, or to a cluster's values files, changes every
app; a change to ``sbkube.lock`` changes every app with a remote source.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sbkube_ci import _proc
from sbkube_ci._yaml import read_text
from sbkube_ci.config.apps import App, HelmApp, KustomizeApp, YamlApp
from sbkube_ci.config.kinds import flag_problem
from sbkube_ci.config.loader import Project
from sbkube_ci.errors import ConfigError, YamlError
from sbkube_ci.render.kustomize import kustomize_inputs

LOCK_FILE = "sbkube.lock"


def changed_apps(project: Project, ref: str) -> set[str]:
    """Names of the apps changed since ``ref``, with every app that depends on them."""
    base = project.base_dir
    files = changed_files(base, ref)
    old = _old_config(project, ref)
    apps = project.config.apps
    if old is None or _globals_changed(project, old, files):
        return set(apps)
    old_apps = _mapping(old.get("apps"))
    current = _mapping(project.document.data.get("apps"))
    old_clusters = _cluster_apps(old)
    current_clusters = _cluster_apps(project.document.data)
    changed = {
        name
        for name, app in apps.items()
        if current.get(name) != old_apps.get(name)
        or current_clusters.get(name) != old_clusters.get(name)
        or any(_touches(path, files) for path in _every_app_path(project, name))
        or (LOCK_FILE in files and _remote(app))
    }
    return with_dependants(project, changed)


def changed_files(base: Path, ref: str) -> set[str]:
    """Files (relative to ``base``) that differ from ``ref`` in the working tree, or are new."""
    what = f"--changed-since {ref}"
    if why := flag_problem(ref):  # git diff would take --output=<file> as its option
        raise ConfigError(f"{what}: refused: {why}; name a commit, branch or tag")
    check = _proc.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
        cwd=base,
        ok_codes=range(256),
        error=ConfigError,
    )
    if check.returncode != 0:
        raise ConfigError(
            f"{what}: not a commit in the Git repository at {base}; check the ref, and in CI "
            "fetch enough history (actions/checkout fetch-depth: 0, GIT_DEPTH: 0)"
        )
    diff = _proc.run(
        ["git", "diff", "--name-only", "--relative", ref, "--"],
        cwd=base,
        error=ConfigError,
        what=what,
    )
    untracked = _proc.run(
        ["git", "ls-files", "--others", "--exclude-standard"], cwd=base, error=ConfigError
    )
    return {line for line in (diff.stdout + untracked.stdout).splitlines() if line}


def with_dependants(project: Project, names: set[str]) -> set[str]:
    """``names`` plus every app that depends on one of them, transitively."""
    apps = project.config.apps
    result = set(names)
    grew = True
    while grew:
        grew = False
        for name, app in apps.items():
            if name not in result and any(dep in result for dep in app.depends_on):
                result.add(name)
                grew = True
    return result


def app_paths(project: Project, name: str, app: App) -> Iterator[str]:
    """The project files (relative, possibly globs) an app's render reads."""
    yield f"overrides/{name}"
    if isinstance(app, HelmApp):
        yield from app.values_files()
        if isinstance(app.overrides, dict):
            yield from app.overrides.values()  # SBKube's mapping form: files of the project
        if app.chart_kind == "local":
            yield app.chart
    elif isinstance(app, YamlApp):
        yield from app.manifests
    elif isinstance(app, KustomizeApp):
        yield app.path
        for file in kustomize_inputs(project.resolve(app.path), root=project.base_dir):
            try:
                yield file.relative_to(project.base_dir.resolve()).as_posix()
            except ValueError:
                continue


def _every_app_path(project: Project, name: str) -> Iterator[str]:
    """``app_paths`` of the app and of each cluster's version of it (another kustomize path),
    and the values files its clusters give it."""
    config = project.config
    for key in sorted({name} | config.sources_of([name])):
        yield from app_paths(project, name, config.source_app(key))
    for cluster in config.clusters.values():
        override = cluster.apps.get(name)
        yield from (v for v in override.values if isinstance(v, str)) if override else ()


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _touches(path: str, files: set[str]) -> bool:
    pattern = os.path.normpath(os.path.expanduser(path)).replace(os.sep, "/")
    if any(char in pattern for char in "*?["):
        return any(fnmatch.fnmatch(f, pattern) for f in files)
    return any(f == pattern or f.startswith(pattern + "/") for f in files)


def _remote(app: App) -> bool:
    return (isinstance(app, HelmApp) and app.chart_kind != "local") or app.type in {"git", "http"}


def _cluster_apps(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each app's settings per cluster (``clusters.<c>.apps.<app>``), by app."""
    found: dict[str, dict[str, Any]] = {}
    for cname, cluster in _mapping(data.get("clusters")).items():
        for name, settings in _mapping(_mapping(cluster).get("apps")).items():
            found.setdefault(name, {})[cname] = settings
    return found


def _without_cluster_apps(data: dict[str, Any]) -> dict[str, Any]:
    """The clusters section without the per-app settings (those change only their app)."""
    return {
        cname: {k: v for k, v in cluster.items() if k != "apps"}
        if isinstance(cluster, dict)
        else cluster
        for cname, cluster in _mapping(data.get("clusters")).items()
    }


def _globals_changed(project: Project, old: dict[str, Any], files: set[str]) -> bool:
    data = project.document.data
    if data.get("settings") != old.get("settings"):
        return True
    if _without_cluster_apps(data) != _without_cluster_apps(old):
        return True
    cluster_files = [
        entry
        for cluster in project.config.clusters.values()
        for entry in cluster.values
        if isinstance(entry, str)
    ]
    return any(_touches(f, files) for f in cluster_files)


def _old_config(project: Project, ref: str) -> dict[str, Any] | None:
    """The raw config at ``ref``; None when it did not exist or cannot be compared."""
    if len(project.files) != 1:
        return None  # the legacy layout: compare nothing, treat everything as changed
    rel = project.files[0].resolve().relative_to(project.base_dir.resolve()).as_posix()
    shown = _proc.run(["git", "show", f"{ref}:./{rel}"], cwd=project.base_dir, ok_codes=(0, 128))
    if shown.returncode != 0:
        return None
    try:
        return read_text(shown.stdout, f"{ref}:{rel}").data
    except YamlError:
        return None
