"""Find, read and check the configuration; every problem located at FILE:LINE:COL."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from sbkube_ci._yaml import Document, Location, display_path, read_file
from sbkube_ci.config.apps import App
from sbkube_ci.config.checks import semantic_problems
from sbkube_ci.config.compat import apply_to_document
from sbkube_ci.config.legacy import LEGACY_CONFIG, LEGACY_SOURCES, find_legacy_root, load_legacy
from sbkube_ci.config.models import Config
from sbkube_ci.config.problems import Problem, from_validation_error, problem_at
from sbkube_ci.errors import ConfigError, ConfigProblems, SbkubeError
from sbkube_ci.workdir import work_dir_problem

CONFIG_NAMES = ("sbkube.yaml", "sbkube.yml")
_APP_ADAPTER: TypeAdapter[App] = TypeAdapter(App)


@dataclass
class Project:
    """A loaded, checked configuration and where it came from."""

    config: Config
    base_dir: Path
    document: Document
    files: list[Path]
    warnings: list[Problem] = field(default_factory=list)

    def locate(self, *path: str | int) -> Location:
        return self.document.locate(path)

    def resolve(self, relative: str) -> Path:
        """A path from the config, relative to the config's directory."""
        return (self.base_dir / os.path.expanduser(relative)).resolve()

    @cached_property
    def root(self) -> Path:
        """``base_dir`` with its symlinks resolved (once: every file the config names is
        checked against it)."""
        return self.base_dir.resolve()

    def inside(self, relative: str, where: str, error: type[SbkubeError] = ConfigError) -> Path:
        """``resolve(relative)``, refused with ``error`` when it (or a symlink) leads outside."""
        path = self.resolve(relative)
        if not path.is_relative_to(self.root):
            raise error(
                f"{where}: {relative} is outside the project directory {self.base_dir}; "
                "every file sbkube.yaml names must be inside it"
            )
        return path


def read_document(chdir: Path, file: Path | None = None) -> tuple[Document, Path, list[Path]]:
    """The configuration as one document in the unified shape, its base dir and its files."""
    chdir = chdir.resolve()
    if not chdir.is_dir():
        raise ConfigError(f"{chdir}: not a directory (check -C/--chdir)")
    if file is not None:
        path = file if file.is_absolute() else chdir / file
        if path.is_dir():
            return read_document(path)
        doc = read_file(path)
        if path.name in {LEGACY_CONFIG, LEGACY_SOURCES} and "apiVersion" not in doc.data:
            root = find_legacy_root(path.parent)
            if root is None:
                raise ConfigError(
                    f"{doc.file}: a legacy {path.name} needs {LEGACY_SOURCES} and config.yaml "
                    "files beside it or one directory up; or add apiVersion: sbkube/v1"
                )
            return load_legacy(root)
        return doc, path.parent, [path]
    for name in CONFIG_NAMES:
        if (chdir / name).is_file():
            path = chdir / name
            return read_file(path), chdir, [path]
    root = find_legacy_root(chdir)
    if root is not None:
        return load_legacy(root)
    raise ConfigError(
        f"{chdir}: no sbkube.yaml here (nor legacy config.yaml + sources.yaml); "
        "create one, or point at it with -C DIR or -f FILE"
    )


def check_document(doc: Document, base_dir: Path) -> tuple[Config | None, list[Problem]]:
    """Schema and semantic checks; returns the config (None if any error) and all problems."""
    raw = doc.data
    if "phases" in raw:
        message = (
            "phases are not supported yet; run each phase's sbkube.yaml on its own "
            "(sbkube-ci -C <phase-dir> ...)"
        )
        return None, [problem_at(doc, ("phases",), message, key=True)]
    rewritten = apply_to_document(doc, base_dir)  # SBKube's older shapes, each one a warning
    allowed: dict[int, list[str]] = {}
    apps, problems = _validate_apps(doc, allowed)
    problems += rewritten
    # Apps were validated one by one; a wrong `apps` value (5, empty) is left to Config.
    replaced = isinstance(raw.get("apps"), dict | list)
    root_raw: dict[str, Any] = {**raw, "apps": {}} if replaced else dict(raw)
    config: Config | None = None
    try:
        config = Config.model_validate(root_raw, context={"allowed_keys": allowed})
        config.apps = apps
    except ValidationError as exc:
        problems += from_validation_error(doc, exc, prefix=(), raw=root_raw, allowed=allowed)
    problems += semantic_problems(doc, base_dir, config, apps)
    problems += [Problem(where, path, message) for where, path, message in doc.conversion_problems]
    problems = _unique(sorted(problems, key=_order))
    return (config if not any(p.severity == "error" for p in problems) else None), problems


def _validate_apps(
    doc: Document, allowed: dict[int, list[str]]
) -> tuple[dict[str, App], list[Problem]]:
    """Each app on its own, so one broken app does not hide the checks of the others."""
    raw_apps = doc.data.get("apps")
    apps: dict[str, App] = {}
    problems: list[Problem] = []
    if isinstance(raw_apps, list):
        message = (
            "apps must be a mapping of app name to app (sbkube/v1); a list of apps is the "
            "legacy config.yaml format"
        )
        problems.append(problem_at(doc, ("apps",), message))
    for name, raw_app in (raw_apps if isinstance(raw_apps, dict) else {}).items():
        try:
            apps[name] = _APP_ADAPTER.validate_python(raw_app, context={"allowed_keys": allowed})
        except ValidationError as exc:
            problems += from_validation_error(
                doc, exc, prefix=("apps", name), raw=raw_app, allowed=allowed
            )
    return apps, problems


def load_project(chdir: Path, file: Path | None = None) -> Project:
    """Read and check the configuration; raise ``ConfigProblems`` listing every error."""
    doc, base_dir, files = read_document(chdir, file)
    config, problems = check_document(doc, base_dir)
    errors = [str(p) for p in problems if p.severity == "error"]
    if config is None or errors:
        raise ConfigProblems(errors)
    if why := work_dir_problem(base_dir):
        raise ConfigError(f"{display_path(base_dir)}/{why}")
    warnings = [p for p in problems if p.severity == "warning"]
    return Project(config, base_dir, doc, files, warnings)


def _unique(problems: list[Problem]) -> list[Problem]:
    """One line per place and message: a shared value (a group namespace, an alias) is one
    mistake, however many apps inherit it."""
    seen: set[tuple[Location, str]] = set()
    unique = []
    for problem in problems:
        if (problem.location, problem.message) not in seen:
            seen.add((problem.location, problem.message))
            unique.append(problem)
    return unique


def _order(problem: Problem) -> tuple[str, int, int, str]:
    loc = problem.location
    return (loc.file, loc.line, loc.column, problem.path)
