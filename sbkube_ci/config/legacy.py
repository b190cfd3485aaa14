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
    "namespace": "namespace",
}
_SIMPLE_TYPES = {
    "install-yaml": "yaml",
    "pull-git": "git",
    "pull-http": "http",
    "install-kustomize": "kustomize",
    "install-action": "action",
    "exec": "exec",
    "copy-app": "noop",
}
_PATH_FIELDS = ("values", "manifests")

# An app in the unified shape, and where its parts were written: (path in the legacy file,
# path below the unified app), so that errors point into the legacy file.
_Converted = tuple[Any, list[tuple[PathKey, PathKey]]]
_SPEC_LOCATIONS: dict[str, list[tuple[PathKey, PathKey]]] = {
    "helm": [(("path",), ("chart",)), (("values",), ("values",))],
    "kustomize": [(("kustomize_path",), ("path",)), (("path",), ("path",))],
    "git": [(("repo",), ("repo",)), (("paths", 0, "src"), ("path",))],
    "http": [(("url",), ("url",)), (("paths", 0, "dest"), ("dest",))],
    "action": [(("actions",), ("actions",))],
    "exec": [(("commands",), ("commands",))],
}
_PULL_LOCATIONS: list[tuple[PathKey, PathKey]] = [
    (("repo",), ("chart",)),
    (("chart",), ("chart",)),
    (("chart_version",), ("version",)),
    (("overrides",), ("overrides",)),
    (("removes",), ("removes",)),
]


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


def load_legacy(root: Path | None) -> tuple[Document, Path, list[Path]]:
    """Read a legacy layout rooted at ``root`` into one unified document."""
    if root is None:
        raise ConfigError("no legacy sources.yaml found next to config.yaml")
    sources_path = root / LEGACY_SOURCES
    sources = read_file(sources_path)
    out = Document({"apiVersion": "sbkube/v1", "settings": {}, "apps": {}}, sources.file)
    files = [sources_path]
    _convert_sources(sources, out)
    groups = _group_dirs(root)
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
        if key == "cluster":
            continue
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
    converted: dict[str, _Converted] = {}
    if isinstance(apps, dict):
        for name, app in apps.items():
            copied = dict(app) if isinstance(app, dict) else app
            converted[name] = (copied, [(("apps", name), ())])
    elif isinstance(apps, list):
        converted = _convert_list_apps(apps)
    for name, (app, sources) in converted.items():
        if name in out.data["apps"]:
            first = out.locate(("apps", name), key=True)
            message = f"app {name!r} is already defined at {first}; rename one of them"
            out.conversion_problems.append(
                (doc.locate(sources[0][0], key=True), f"apps.{name}", message)
            )
            continue
        out.data["apps"][name] = app
        for source, target in sources:
            _copy(doc, source, out, ("apps", name, *target))
        if isinstance(app, dict):
            _group_namespace(doc, app, name, out)
            _prefix_paths(app, prefix)
    for key in doc.data:
        if key not in {"namespace", "apps", "deps"}:
            out.data.setdefault(key, doc.data[key])
            _copy(doc, (key,), out, (key,))
    return list(converted)


def _group_namespace(doc: Document, app: dict[str, Any], name: str, out: Document) -> None:
    namespace = doc.data.get("namespace")
    if namespace and "namespace" not in app:
        app["namespace"] = namespace
        _copy(doc, ("namespace",), out, ("apps", name, "namespace"))


def _convert_list_apps(apps: list[Any]) -> dict[str, _Converted]:
    """The older list style: merge each install-helm with the pull-helm that fetched it."""
    pulls: dict[str, int] = {}
    for index, item in enumerate(apps):
        if isinstance(item, dict) and item.get("type") in {"pull-helm", "pull-helm-oci"}:
            specs = item.get("specs") or {}
            pulls[str(specs.get("dest") or specs.get("chart"))] = index
    result: dict[str, _Converted] = {}
    for index, item in enumerate(apps):
        name = str(item.get("name", f"app-{index}")) if isinstance(item, dict) else f"app-{index}"
        here: PathKey = ("apps", index)
        if not isinstance(item, dict):
            result[name] = (item, [(here, ())])
            continue
        kind = item.get("type")
        specs = dict(item.get("specs") or {})
        app = {k: v for k, v in item.items() if k not in {"name", "specs", "type", "path"}}
        sources: list[tuple[PathKey, PathKey]] = [(here, ())]
        if kind == "install-helm":
            pull = pulls.get(str(specs.get("path")))
            app.update(_helm_from(None if pull is None else apps[pull], specs))
            sources += _spec_sources(here, "helm", specs)
            if pull is not None:
                sources += [(("apps", pull, "specs", *s), d) for s, d in _PULL_LOCATIONS]
        elif kind in {"pull-helm", "pull-helm-oci"}:
            if _is_paired(item, apps):
                continue  # merged into the install-helm app that uses it
            app["type"] = "noop"  # fetched but never installed: nothing to deploy
        else:
            app["type"] = _SIMPLE_TYPES.get(str(kind), kind)
            app.update(_simple_specs(app["type"], specs))
            sources += _spec_sources(here, str(app["type"]), specs)
        sources.append(((*here, "type"), ("type",)))
        result[name] = (app, sources)
    return result


def _spec_sources(here: PathKey, kind: str, specs: dict[str, Any]) -> list[tuple[PathKey, PathKey]]:
    pairs = list(_SPEC_LOCATIONS.get(kind, []))
    if kind == "yaml":  # install-yaml's actions[i].path became manifests[i]
        actions = specs.get("actions")
        count = len(actions) if isinstance(actions, list) else 0
        pairs += [(("actions", i, "path"), ("manifests", i)) for i in range(count)]
    return [((*here, "specs", *s), d) for s, d in pairs]


def _is_paired(pull: dict[str, Any], apps: list[Any]) -> bool:
    specs = pull.get("specs") or {}
    target = str(specs.get("dest") or specs.get("chart"))
    return any(
        isinstance(a, dict)
        and a.get("type") == "install-helm"
        and str((a.get("specs") or {}).get("path")) == target
        for a in apps
    )


def _helm_from(pull: dict[str, Any] | None, install: dict[str, Any]) -> dict[str, Any]:
    app: dict[str, Any] = {"type": "helm"}
    if pull is None:
        app["chart"] = f"./{install.get('path', '')}"
    else:
        specs = pull.get("specs") or {}
        repo = str(specs.get("repo", ""))
        if pull.get("type") == "pull-helm-oci" or "." in repo.split("/", maxsplit=1)[0]:
            app["chart"] = f"oci://{repo.removeprefix('oci://')}/{specs.get('chart')}"
        else:
            app["chart"] = f"{repo}/{specs.get('chart')}"
        if specs.get("chart_version"):
            app["version"] = str(specs["chart_version"])
        for key in ("overrides", "removes"):
            if specs.get(key):
                app[key] = specs[key]
    if install.get("values"):
        app["values"] = install["values"]
    return app


def _simple_specs(kind: str, specs: dict[str, Any]) -> dict[str, Any]:
    if kind == "yaml":
        return {"manifests": [a.get("path") for a in specs.get("actions", []) if a]}
    if kind == "kustomize":
        return {"path": specs.get("kustomize_path", specs.get("path"))}
    if kind == "git":
        first = (specs.get("paths") or [{}])[0]
        return {"repo": specs.get("repo"), "path": first.get("src", ".")}
    if kind == "http":
        first = (specs.get("paths") or [{}])[0]
        return {"url": specs.get("url"), "dest": first.get("dest", "download.yaml")}
    if kind in {"action", "exec"}:
        return {k: v for k, v in specs.items() if k in {"actions", "commands"}}
    return {}


def _prefix_paths(app: dict[str, Any], prefix: str) -> None:
    """Paths in a group's config.yaml are relative to the group directory."""
    if not prefix:
        return
    for field in _PATH_FIELDS:
        if isinstance(app.get(field), list):
            app[field] = [prefix + str(p) for p in app[field]]
    chart = app.get("chart")
    if app.get("type") == "helm" and isinstance(chart, str) and chart.startswith("./"):
        app["chart"] = "./" + prefix + chart[2:]
    if app.get("type") == "kustomize" and isinstance(app.get("path"), str):
        app["path"] = prefix + app["path"]
    if app.get("type") == "action" and isinstance(app.get("actions"), list):
        app["actions"] = [
            {**a, "path": prefix + a["path"]}
            if isinstance(a, dict) and isinstance(a.get("path"), str)
            else a
            for a in app["actions"]
        ]


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
