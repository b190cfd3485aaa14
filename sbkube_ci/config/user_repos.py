"""Chart repositories a file uses without declaring them, as SBKube allows.

SBKube falls back to the repositories the user added with ``helm repo add``. sbkube-ci does
too, with a warning, but a pin in ``sbkube.lock`` comes first (it is what was reviewed), and
in CI (``CI=true``, where ``prepare`` is frozen) only the lock counts: a pipeline must not
depend on a runner's helm setup. A name found in neither stays an error of the checks.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sbkube_ci._yaml import Document, read_file
from sbkube_ci.config.problems import Problem
from sbkube_ci.errors import YamlError

LOCK_NAME = (
    "sbkube.lock"  # as sbkube_ci.sources.lockfile, which config (a lower layer) does not import
)
UNDECLARED_HINT = (
    "a repository added with `helm repo add` is used on that machine only; in CI it must be "
    "pinned in sbkube.lock"
)


def helm_repositories_file(environ: Mapping[str, str]) -> Path:
    """Where helm keeps ``helm repo add``'s list, as helm itself finds it."""
    if environ.get("HELM_REPOSITORY_CONFIG"):
        return Path(environ["HELM_REPOSITORY_CONFIG"])
    home = Path(environ.get("HOME") or Path.home())
    if environ.get("XDG_CONFIG_HOME"):
        return Path(environ["XDG_CONFIG_HOME"]) / "helm/repositories.yaml"
    if sys.platform == "darwin":
        return home / "Library/Preferences/helm/repositories.yaml"
    return home / ".config/helm/repositories.yaml"


def declare_undeclared(
    doc: Document, base_dir: Path, environ: Mapping[str, str] | None = None
) -> list[Problem]:
    """Add undeclared chart repositories from sbkube.lock or helm's own list to ``doc``."""
    environ = os.environ if environ is None else environ
    wanted = _undeclared(doc)
    if not wanted:
        return []
    in_ci = environ.get("CI", "").lower() in {"true", "1", "yes"}
    helm_file = helm_repositories_file(environ)
    from_helm = {} if in_ci else _helm_urls(helm_file)
    from_lock = _lock_urls(base_dir / LOCK_NAME, wanted)
    settings = doc.data.setdefault("settings", {})
    if not isinstance(settings, dict):
        return []
    repos = settings.setdefault("helm_repos", {})
    if not isinstance(repos, dict):
        return []
    problems = []
    for repo, uses in sorted(wanted.items()):
        url, origin = from_lock.get(repo), LOCK_NAME
        if url is None:
            url, origin = from_helm.get(repo), f"your helm repositories ({helm_file})"
        if url is None:
            continue
        repos[repo] = url
        chart_path = ("apps", uses[0][0], "chart")
        doc.values.setdefault(("settings", "helm_repos", repo), doc.locate(chart_path))
        message = (
            f"repository {repo!r} is not declared; using {url} from {origin}; declare it under "
            f"settings.helm_repos so that every machine resolves it the same "
            "(`sbkube-ci migrate` does)"
        )
        problems.append(
            Problem(doc.locate(chart_path), f"apps.{uses[0][0]}.chart", message, "warning")
        )
    return problems


def _undeclared(doc: Document) -> dict[str, list[tuple[str, str]]]:
    """Repository name -> [(app, chart)] for ``repo/chart`` references not declared."""
    settings = doc.data.get("settings")
    settings = settings if isinstance(settings, dict) else {}
    declared: set[str] = set()
    for section in ("helm_repos", "oci_registries"):
        if isinstance(settings.get(section), dict):
            declared |= set(settings[section])
    apps = doc.data.get("apps")
    wanted: dict[str, list[tuple[str, str]]] = {}
    for name, app in (apps if isinstance(apps, dict) else {}).items():
        if not isinstance(app, dict) or app.get("type") != "helm":
            continue
        chart = app.get("chart")
        if not isinstance(chart, str) or chart.startswith((".", "/", "~")) or "://" in chart:
            continue
        repo, _, rest = chart.partition("/")
        if repo and rest and "/" not in rest and repo not in declared:
            wanted.setdefault(repo, []).append((str(name), rest))
    return wanted


def _helm_urls(path: Path) -> dict[str, str]:
    """name -> URL of ``helm repo add``'s list; credentials in it are never taken over."""
    data = _read(path)
    entries = data.get("repositories")
    urls = {}
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            url = entry.get("url")
            if not isinstance(url, str) or not url.startswith(("https://", "http://")):
                continue
            if "@" not in urlsplit(url).netloc:  # a URL with credentials is never copied
                urls[entry["name"]] = url
    return urls


def _lock_urls(path: Path, wanted: dict[str, list[tuple[str, str]]]) -> dict[str, str]:
    """Repository URLs recorded by the pins of the apps that use each repository."""
    apps = _read(path).get("apps")
    apps = apps if isinstance(apps, dict) else {}
    urls = {}
    for repo, uses in wanted.items():
        for name, chart in uses:
            pin: Any = apps.get(name)
            source = pin.get("source") if isinstance(pin, dict) else None
            pinned = isinstance(pin, dict) and pin.get("kind") == "helm_repo"
            if pinned and isinstance(source, str) and source.endswith(f"/{chart}"):
                urls[repo] = source.removesuffix(f"/{chart}")
                break
    return urls


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        return read_file(path).data
    except YamlError:
        return {}  # a broken lock is reported by prepare; a broken helm file is helm's
