"""SBKube's oldest config.yaml style: a list of apps with ``specs`` and pull-/install- types.

Each app is rewritten into the unified shape, with the location of each converted field, so
errors point at the ``specs`` entry the user wrote.
"""

from __future__ import annotations

from typing import Any

from sbkube_ci._yaml import PathKey

SIMPLE_TYPES = {
    "install-yaml": "yaml",
    "pull-git": "git",
    "pull-http": "http",
    "install-kustomize": "kustomize",
    "install-action": "action",
    "exec": "exec",
    "copy-app": "noop",
}

# An app in the unified shape, and where its parts were written: (path in the legacy file,
# path below the unified app), so that errors point into the legacy file.
Converted = tuple[Any, list[tuple[PathKey, PathKey]]]
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


def convert_list_apps(apps: list[Any]) -> dict[str, Converted]:
    """The older list style: merge each install-helm with the pull-helm that fetched it."""
    pulls: dict[str, int] = {}
    for index, item in enumerate(apps):
        if isinstance(item, dict) and item.get("type") in {"pull-helm", "pull-helm-oci"}:
            specs = item.get("specs") or {}
            pulls[str(specs.get("dest") or specs.get("chart"))] = index
    result: dict[str, Converted] = {}
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
            if pull is not None:  # the chart was written in the pull: point there first
                sources += [(("apps", pull, "specs", *s), d) for s, d in _PULL_LOCATIONS]
            sources += _spec_sources(here, "helm", specs)
        elif kind in {"pull-helm", "pull-helm-oci"}:
            if _is_paired(item, apps):
                continue  # merged into the install-helm app that uses it
            app["type"] = "noop"  # fetched but never installed: nothing to deploy
        else:
            app["type"] = SIMPLE_TYPES.get(str(kind), kind)
            if kind == "install-yaml" and _deletes(specs):
                app["type"] = "action"  # only the action app can delete
                specs = {"actions": [_as_action(a) for a in specs.get("actions") or []]}
            app.update(_simple_specs(app["type"], specs))
            sources += _spec_sources(here, str(app["type"]), specs)
        sources.append(((*here, "type"), ("type",)))
        result[name] = (app, sources)
    return result


def _deletes(specs: dict[str, Any]) -> bool:
    actions = specs.get("actions")
    return isinstance(actions, list) and any(
        isinstance(a, dict) and a.get("type") == "delete" for a in actions
    )


def _as_action(action: Any) -> Any:
    # install-yaml's `create` is an apply that must not find the object; apply covers it.
    if isinstance(action, dict) and action.get("type") == "create":
        return {**action, "type": "apply"}
    return action


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
        host = repo.removeprefix("oci://").split("/", maxsplit=1)[0]
        named = not any(ch in repo for ch in "./:")  # a key of sources.yaml, not a host
        if not named and (pull.get("type") == "pull-helm-oci" or "." in host):
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
        return {"manifests": [a.get("path") for a in specs.get("actions") or [] if a]}
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
