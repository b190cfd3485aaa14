"""SBKube's legacy layout: one ``sources.yaml`` plus a ``config.yaml`` per app-group directory.

The files are read and rewritten into the unified ``sbkube.yaml`` shape, keeping the location
of every value so that errors still point into the original files. Both legacy app styles load:
the mapping style (``apps: {name: {type: helm, chart: ...}}``) and the older list style with
``specs`` and types such as ``pull-helm`` / ``install-helm``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sbkube_ci._yaml import Document, PathKey, read_file
from sbkube_ci.config.legacy_list import Converted, convert_list_apps
from sbkube_ci.errors import ConfigError

LEGACY_SOURCES = "sources.yaml"
LEGACY_CONFIG = "config.yaml"

_SETTINGS_KEYS = {
    "kubeconfig": "kubeconfig",
    "kubeconfig_context": "kubeconfig_context",
    "helm_repos": "helm_repos",
    "oci_registries": "oci_registries",
    "oci_repos": "oci_registries",
    "git_repos": "git_repos",
    "repos": "repos",  # older sources.yaml; split by config.compat.split_repos
    "namespace": "namespace",
    "cluster": "cluster",
    "cluster_values_file": "cluster_values_file",
    "global_values": "global_values",
    "cleanup_metadata": "cleanup_metadata",
    "http_proxy": "http_proxy",
    "https_proxy": "https_proxy",
    "no_proxy": "no_proxy",
}
# config.yaml keys that are not carried over as top-level sections.
_GROUP_KEYS = {"namespace", "apps", "deps", "cluster", "global_labels", "global_annotations"}
_PATH_FIELDS = ("values", "manifests")


def find_legacy_root(directory: Path) -> Path | None:
    """The directory holding ``sources.yaml`` for ``directory`` (itself or its parent)."""
    for candidate in (directory, directory.parent):
        if (candidate / LEGACY_SOURCES).is_file() and (
            (directory / LEGACY_CONFIG).is_file() or _group_dirs(candidate)
        ):
            return candidate
    return None


def _group_dirs(root: Path) -> list[Path]:
    groups = [root] if (root / LEGACY_CONFIG).is_file() else []
    groups += sorted(d for d in root.iterdir() if d.is_dir() and (d / LEGACY_CONFIG).is_file())
    return groups


def _chosen_groups(root: Path, sources: Document, out: Document) -> list[Path]:
    """``app_dirs:`` in sources.yaml lists the groups to load; without it, every group."""
    app_dirs = sources.data.get("app_dirs")
    if not isinstance(app_dirs, list):
        return _group_dirs(root)
    groups = []
    for i, name in enumerate(app_dirs):
        group = root / str(name)
        if (group / LEGACY_CONFIG).is_file():
            groups.append(group)
        else:
            message = f"{name}/{LEGACY_CONFIG} does not exist; fix or remove this entry"
            out.conversion_problems.append(
                (sources.locate(("app_dirs", i)), f"app_dirs[{i}]", message)
            )
    return groups


def load_legacy(root: Path | None) -> tuple[Document, Path, list[Path]]:
    """Read a legacy layout rooted at ``root`` into one unified document."""
    if root is None:
        raise ConfigError("no legacy sources.yaml found next to config.yaml")
    sources_path = root / LEGACY_SOURCES
    sources = read_file(sources_path)
    out = Document({"apiVersion": "sbkube/v1", "settings": {}, "apps": {}}, sources.file)
    files = [sources_path]
    _convert_sources(sources, out)
    groups = _chosen_groups(root, sources, out)
    members: dict[str, list[str]] = {}
    group_docs: list[tuple[Path, Document]] = []
    for group in groups:
        path = group / LEGACY_CONFIG
        doc = read_file(path)
        files.append(path)
        group_docs.append((group, doc))
        members[group.name if group != root else "."] = _convert_group(doc, group, root, out)
    for group, doc in group_docs:
        _apply_deps(doc, members, members[group.name if group != root else "."], out)
    return out, root, files


def _convert_sources(sources: Document, out: Document) -> None:
    settings = out.data["settings"]
    for key, value in sources.data.items():
        target = _SETTINGS_KEYS.get(str(key))
        if key == "app_dirs":
            continue  # chooses the groups to load (see _chosen_groups)
        if target is None:
            out.data.setdefault(key, value)  # unknown keys surface as unknown top-level keys
            _copy(sources, (key,), out, (key,))
            continue
        settings[target] = value
        _copy(sources, (key,), out, ("settings", target))
    if "cluster" in sources.data and "clusters" not in out.data:
        cluster = {"context": sources.data.get("kubeconfig_context")}
        if sources.data.get("kubeconfig"):
            cluster["kubeconfig"] = sources.data["kubeconfig"]
        out.data["clusters"] = {str(sources.data["cluster"]): cluster}
        _copy(sources, ("cluster",), out, ("clusters",))


def _convert_group(doc: Document, group: Path, root: Path, out: Document) -> list[str]:
    """Add a group's apps to ``out``; returns their names."""
    prefix = "" if group == root else f"{group.relative_to(root).as_posix()}/"
    apps = doc.data.get("apps") or {}
    converted: dict[str, Converted] = {}
    if isinstance(apps, dict):
        for name, app in apps.items():
            copied = dict(app) if isinstance(app, dict) else app
            converted[name] = (copied, [(("apps", name), ())])
    elif isinstance(apps, list):
        converted = convert_list_apps(apps)
    added = []
    for name, (app, sources) in converted.items():
        if name in out.data["apps"]:
            first = out.locate(("apps", name), key=True)
            message = f"app {name!r} is already defined at {first}; rename one of them"
            out.conversion_problems.append(
                (doc.locate(sources[0][0], key=True), f"apps.{name}", message)
            )
            continue
        added.append(name)
        out.data["apps"][name] = app
        for source, target in sources:
            _copy(doc, source, out, ("apps", name, *target))
        if isinstance(app, dict):
            _group_namespace(doc, app, name, out)
            _prefix_paths(app, prefix)
    for key in doc.data:
        if key not in _GROUP_KEYS:
            out.data.setdefault(key, doc.data[key])
            _copy(doc, (key,), out, (key,))
    return added


def _group_namespace(doc: Document, app: dict[str, Any], name: str, out: Document) -> None:
    """The group's namespace, global_labels and global_annotations; the app's own win."""
    namespace = doc.data.get("namespace")
    if namespace and "namespace" not in app:
        app["namespace"] = namespace
        _copy(doc, ("namespace",), out, ("apps", name, "namespace"))
    for group_key, key in (("global_labels", "labels"), ("global_annotations", "annotations")):
        shared = doc.data.get(group_key)
        if isinstance(shared, dict) and isinstance(app.get(key, {}), dict):
            app[key] = {**shared, **app.get(key, {})}
            _copy(doc, (group_key,), out, ("apps", name, key))


def _prefix_paths(app: dict[str, Any], prefix: str) -> None:
    """Paths in a group's config.yaml are relative to the group directory."""
    if not prefix:
        return
    for field in _PATH_FIELDS:
        if isinstance(app.get(field), list):
            app[field] = [prefix + p if isinstance(p, str) else p for p in app[field]]
    chart = app.get("chart")
    remote = isinstance(app.get("repo"), str)  # older shape: repo + chart name
    if (
        app.get("type") == "helm"
        and isinstance(chart, str)
        and not remote
        and _is_relative_chart(chart)
    ):
        app["chart"] = "./" + prefix + chart.removeprefix("./")
    if app.get("type") == "kustomize" and isinstance(app.get("path"), str):
        app["path"] = prefix + app["path"]
    if app.get("type") == "yaml" and "manifests" not in app:
        for field in ("path", "files"):  # SBKube's older shapes of manifests
            if isinstance(app.get(field), str):
                app[field] = prefix + app[field]
            elif isinstance(app.get(field), list):
                app[field] = [prefix + str(p) for p in app[field]]
    if app.get("type") == "helm" and isinstance(app.get("overrides"), dict):
        app["overrides"] = {k: prefix + str(v) for k, v in app["overrides"].items()}
    if app.get("type") == "action" and isinstance(app.get("actions"), list):
        app["actions"] = [
            {**a, "path": prefix + a["path"]}
            if isinstance(a, dict) and isinstance(a.get("path"), str)
            else a
            for a in app["actions"]
        ]


def _is_relative_chart(chart: str) -> bool:
    return chart.startswith("./") or ("/" not in chart and not chart.startswith((".", "~")))


def _apply_deps(
    doc: Document, members: dict[str, list[str]], own: list[str], out: Document
) -> None:
    """``deps: [group]``: every app of this group depends on every app of those groups."""
    deps = doc.data.get("deps") or []
    for i, dep in enumerate(deps if isinstance(deps, list) else []):
        dep_apps = members.get(str(dep))
        if dep_apps is None:
            known = ", ".join(sorted(members)) or "none"
            message = f"app group {dep!r} does not exist; known groups: {known}"
            out.conversion_problems.append((doc.locate(("deps", i)), f"deps[{i}]", message))
            continue
        for name in own:
            app = out.data["apps"].get(name)
            if isinstance(app, dict):
                existing = list(app.get("depends_on") or [])
                app["depends_on"] = existing + [d for d in dep_apps if d not in existing]
                for index in range(len(existing), len(app["depends_on"])):
                    _copy(doc, ("deps", i), out, ("apps", name, "depends_on", index))


def _copy(src: Document, src_prefix: PathKey, dst: Document, dst_prefix: PathKey) -> None:
    """Copy the locations under ``src_prefix`` to ``dst_prefix`` (first writer wins)."""
    n = len(src_prefix)
    for table_src, table_dst in ((src.values, dst.values), (src.keys, dst.keys)):
        for path, location in table_src.items():
            if path[:n] == src_prefix:
                table_dst.setdefault((*dst_prefix, *path[n:]), location)
