"""SBKube's older field shapes, rewritten in place into the canonical sbkube.yaml shape.

The loader applies them to the plain data before validation, each rewrite reported as a
warning that names the fix; ``sbkube-ci migrate`` writes the same result back into the user's
own YAML (see ``commands/migrate.py``). A renamed key keeps its position.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sbkube_ci._yaml import Document, PathKey
from sbkube_ci.config.cluster_apps import take_unsupported
from sbkube_ci.config.problems import Problem, dotted
from sbkube_ci.config.user_repos import declare_undeclared

MIGRATE_HINT = "`sbkube-ci migrate` rewrites it"


@dataclass(frozen=True)
class Rewrite:
    """One rewrite: the key it read, the key it wrote (None when removed), and why."""

    old: PathKey
    new: PathKey | None
    message: str


def rename_key(mapping: MutableMapping[str, Any], old: str, new: str, value: Any) -> None:
    """Replace ``old`` by ``new`` (holding ``value``) at the same position in ``mapping``."""
    items = list(mapping.items())
    position = [key for key, _ in items].index(old)
    mapping.clear()
    for key, item in items[:position]:
        mapping[key] = item
    mapping[new] = value
    for key, item in items[position + 1 :]:
        mapping[key] = item


def normalize_apps(data: MutableMapping[str, Any]) -> list[Rewrite]:
    """Rewrite every app of ``data['apps']`` (a mapping) from SBKube's older shapes."""
    apps = data.get("apps")
    rewrites: list[Rewrite] = []
    if isinstance(apps, MutableMapping):
        for name, app in apps.items():
            if isinstance(app, MutableMapping):
                rewrites += normalize_app(app, ("apps", str(name)))
    return rewrites


def normalize_top(data: MutableMapping[str, Any]) -> list[Rewrite]:
    """Top-level keys of SBKube's unified file that mean nothing in one sbkube.yaml."""
    deps = data.get("deps")
    if "deps" not in data or not (deps is None or isinstance(deps, list)):
        return []
    del data["deps"]
    message = (
        "SBKube orders phases' files by it; within one sbkube.yaml it has no effect and is "
        "dropped: order apps with depends_on"
    )
    return [Rewrite(("deps",), None, message)]


def normalize_app(app: MutableMapping[str, Any], where: PathKey) -> list[Rewrite]:
    """One app: a yaml app's ``path``/``files``, a helm app's separate ``repo``."""
    kind = app.get("type")
    if kind == "yaml":
        return _yaml_manifests(app, where)
    if kind == "helm":
        return _helm_repo(app, where)
    return []


def _yaml_manifests(app: MutableMapping[str, Any], where: PathKey) -> list[Rewrite]:
    if "manifests" in app:
        return []  # both written: the schema reports the extra key
    for old in ("path", "files"):
        value = app.get(old)
        if isinstance(value, str) or (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            manifests = [value] if isinstance(value, str) else value
            rename_key(app, old, "manifests", manifests)
            message = f"SBKube's older {old}: read as manifests; {MIGRATE_HINT}"
            return [Rewrite((*where, old), (*where, "manifests"), message)]
    return []


def _helm_repo(app: MutableMapping[str, Any], where: PathKey) -> list[Rewrite]:
    repo, chart = app.get("repo"), app.get("chart")
    if not isinstance(repo, str) or not isinstance(chart, str) or "/" in chart:
        return []
    app["chart"] = f"{repo.rstrip('/')}/{chart}"
    del app["repo"]
    message = f"SBKube's older repo + chart: read as chart: {app['chart']}; {MIGRATE_HINT}"
    return [Rewrite((*where, "repo"), (*where, "chart"), message)]


_REPO_SECTIONS = {"helm": "helm_repos", "oci": "oci_registries", "git": "git_repos"}


def split_repos(settings: MutableMapping[str, Any], where: PathKey) -> list[Rewrite]:
    """``repos:`` (older sources.yaml) into helm_repos / oci_registries / git_repos.

    An entry is a URL (``oci://`` makes it a registry, a ``.git`` URL or ``git@`` a Git
    repository, anything else a Helm repository) or a mapping, whose ``type`` (helm, oci,
    git) decides where it goes (default helm).
    """
    repos = settings.get("repos")
    if not isinstance(repos, MutableMapping):
        return []
    rewrites = []
    for name, entry in list(repos.items()):
        section, value = _repo_section(entry)
        if section is None:
            continue  # left in repos: the schema reports it
        target = settings.setdefault(section, {})
        if not isinstance(target, MutableMapping) or name in target:
            continue
        target[name] = value
        del repos[name]
        message = f"SBKube's repos section: read as settings.{section}.{name}; {MIGRATE_HINT}"
        rewrites.append(Rewrite((*where, "repos", name), ("settings", section, name), message))
    if not repos:
        del settings["repos"]
    return rewrites


def oci_chart_maps(settings: MutableMapping[str, Any], where: PathKey) -> list[Rewrite]:
    """Older ``oci_repos``: ``{group: {chart: oci://host/path/chart}}`` -> ``{group: host/path}``.

    Taken only when every chart of a group lives under one registry path and ends in its own
    name; otherwise the entry is left for the schema to report.
    """
    registries = settings.get("oci_registries")
    if not isinstance(registries, MutableMapping):
        return []
    rewrites = []
    for name, entry in registries.items():
        if not isinstance(entry, MutableMapping) or not entry or "registry" in entry:
            continue
        urls = list(entry.items())
        if not all(isinstance(u, str) and u.startswith("oci://") for _, u in urls):
            continue
        prefixes = {str(u).removesuffix(f"/{chart}") for chart, u in urls}
        if len(prefixes) != 1 or any(not str(u).endswith(f"/{c}") for c, u in urls):
            continue
        registry = prefixes.pop().removeprefix("oci://")
        registries[name] = {"registry": registry}
        message = (
            f"SBKube's older oci_repos shape (chart: URL): read as registry: {registry}; "
            f"{MIGRATE_HINT}"
        )
        rewrites.append(Rewrite((*where, "oci_registries", name), None, message))
    return rewrites


def _repo_section(entry: Any) -> tuple[str | None, Any]:
    if isinstance(entry, str):
        if entry.startswith("oci://"):
            return "oci_registries", entry
        if entry.startswith("git@") or entry.endswith(".git"):
            return "git_repos", entry
        return "helm_repos", entry
    if isinstance(entry, MutableMapping):
        kind = entry.get("type", "helm")
        section = _REPO_SECTIONS.get(str(kind))
        if section is None:
            return None, entry
        entry.pop("type", None)
        if section == "oci_registries" and "url" in entry and "registry" not in entry:
            rename_key(entry, "url", "registry", entry["url"])
        return section, entry
    return None, entry


def apply_to_document(doc: Document, base_dir: Path) -> list[Problem]:
    """Rewrite ``doc`` in place; a warning per rewrite, located where the user wrote it.

    Undeclared chart repositories are then looked up (see ``user_repos``).
    """
    rewrites = normalize_top(doc.data) + normalize_apps(doc.data)
    settings = doc.data.get("settings")
    if isinstance(settings, MutableMapping):
        rewrites += split_repos(settings, ("settings",))
        rewrites += oci_chart_maps(settings, ("settings",))
    problems = []
    if "apiVersion" not in doc.data:
        message = "missing; read as sbkube/v1, as SBKube does; add apiVersion: sbkube/v1"
        problems.append(Problem(doc.locate(()), "apiVersion", message, "warning"))
    for rewrite in rewrites:
        if rewrite.new is not None:
            _move_locations(doc, rewrite.old, rewrite.new)
        where = doc.locate(rewrite.old, key=True)
        problems.append(Problem(where, dotted(rewrite.old), rewrite.message, "warning"))
    return problems + take_unsupported(doc) + declare_undeclared(doc, base_dir)


def _move_locations(doc: Document, old: PathKey, new: PathKey) -> None:
    """Errors about the rewritten value point at what the user wrote."""
    n = len(old)
    for table in (doc.values, doc.keys):
        for path, location in list(table.items()):
            if path[:n] == old:
                table.setdefault((*new, *path[n:]), location)
    if (*new, 0) not in doc.values and old in doc.values:
        doc.values[(*new, 0)] = doc.values[old]  # a single value that became a list
