"""SBKube's app types: a discriminated union on ``type``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, Tag

from sbkube_ci.config.base import Model

# The hook models lived here first; re-exported so `from sbkube_ci.config.apps import ...` works.
from sbkube_ci.config.hooks import (
    TASK_TYPES,
    AppHooks,
    CommandTask,
    HookTask,
    InlineTask,
    ManifestsTask,
)
from sbkube_ci.config.types import (
    LIST,
    MAPPING,
    Duration,
    SetValues,
    ValuesEntry,
    by_shape,
    by_type,
    type_tag,
)

__all__ = [
    "APP_TYPES",
    "TASK_TYPES",
    "App",
    "AppHooks",
    "CommandTask",
    "HookTask",
    "InlineTask",
    "ManifestsTask",
]


Overrides = Annotated[
    Annotated[list[str], Tag(LIST)] | Annotated[dict[str, str], Tag(MAPPING)],
    by_shape("a list of files under overrides/<app>/, or a mapping of chart file to file"),
]


ChartKind = Literal["local", "oci", "git", "repo"]


def chart_kind(chart: str) -> ChartKind:
    """How a chart reference is found; a bare name (no ``/``) is a local chart, as in SBKube."""
    if chart.startswith("oci://"):
        return "oci"
    if chart.startswith("git::"):
        return "git"  # git::<settings.git_repos key or URL>//<path>; version is the ref
    if chart.startswith((".", "/", "~")) or "/" not in chart:
        return "local"
    return "repo"


def split_git_chart(chart: str) -> tuple[str, str]:
    """``git::<repo>//<path>`` as (repo, path); ``path`` is empty when there is no ``//``.

    The repository may be a URL (``git::https://host/org/charts.git//charts/web``): the
    ``//`` of its scheme is not the separator, as in Terraform's module sources.
    """
    rest = chart.removeprefix("git::")
    scheme = rest.find("://")
    cut = rest.find("//", scheme + 3 if scheme != -1 else 0)
    return (rest, "") if cut == -1 else (rest[:cut], rest[cut + 2 :])


class AppBase(Model):
    enabled: bool = True
    depends_on: list[str] = []
    namespace: str | None = None
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}
    notes: str | None = None
    hooks: AppHooks | None = None


class HelmApp(AppBase):
    type: Literal["helm"]
    chart: str = Field(
        description="repo/chart, oci://registry/path/chart, git::<git repo>//<path>, or ./path"
    )
    version: str | None = Field(default=None, description="Exact version or a semver range")
    values: list[ValuesEntry] = Field(
        default=[], description="Values files, or mappings of values inline, lowest first"
    )
    set_values: SetValues = Field(
        default={}, description="Mapping of dotted keys to values, or legacy ['key=value'] list"
    )
    overrides: Overrides = Field(
        default=[],
        description="Files under overrides/<app>/ replacing chart files, or (SBKube) a mapping "
        "of chart file to replacement file",
    )
    removes: list[str] = []
    release_name: str | None = None
    create_namespace: bool = False
    wait: bool = True
    timeout: Duration | None = None
    atomic: bool = False
    deploy_mode: Literal["helm", "apply"] = "helm"
    force_conflicts: bool = False
    context: str | None = Field(default=None, description="kubeconfig context (SBKube)")
    helm_label_injection: bool = Field(
        default=True, description="Add labels/annotations via commonLabels (SBKube)"
    )

    def values_files(self) -> list[str]:
        """The entries of ``values`` that name files (the others are inline mappings)."""
        return [entry for entry in self.values if isinstance(entry, str)]

    def set_values_map(self) -> dict[str, Any]:
        """``set_values`` as a mapping, converting the legacy ``key=value`` list."""
        if isinstance(self.set_values, dict):
            return dict(self.set_values)
        return dict(item.split("=", 1) for item in self.set_values)

    @property
    def chart_kind(self) -> ChartKind:
        return chart_kind(self.chart)


class YamlApp(AppBase):
    type: Literal["yaml"]
    manifests: list[str] = Field(min_length=1)
    force_conflicts: bool = False
    context: str | None = Field(default=None, description="kubeconfig context (SBKube)")


class GitApp(AppBase):
    type: Literal["git"]
    repo: str = Field(description="A key of settings.git_repos, or a Git URL")
    path: str = "."
    branch: str | None = None
    ref: str | None = None
    force_conflicts: bool = False


class HttpApp(AppBase):
    type: Literal["http"]
    url: str
    dest: str
    headers: dict[str, str] = {}
    force_conflicts: bool = False


class KustomizeApp(AppBase):
    type: Literal["kustomize"]
    path: str
    force_conflicts: bool = False


class ExecApp(AppBase):
    type: Literal["exec"]
    commands: list[str] = Field(min_length=1)


class Action(Model):
    type: Literal["apply", "delete"] = "apply"
    path: str
    namespace: str | None = None


class ActionApp(AppBase):
    type: Literal["action"]
    actions: list[Action] = Field(min_length=1)
    context: str | None = Field(default=None, description="kubeconfig context (SBKube)")


class HookApp(AppBase):
    type: Literal["hook"]
    tasks: list[HookTask] = Field(min_length=1)
    validation: dict[str, Any] | None = None
    dependency: dict[str, Any] | None = None
    rollback: dict[str, Any] | None = None


class NoopApp(AppBase):
    type: Literal["noop"]
    description: str | None = None


APP_TYPES = ("helm", "yaml", "git", "http", "kustomize", "exec", "action", "hook", "noop")
App = Annotated[
    Annotated[HelmApp, type_tag("helm")]
    | Annotated[YamlApp, type_tag("yaml")]
    | Annotated[GitApp, type_tag("git")]
    | Annotated[HttpApp, type_tag("http")]
    | Annotated[KustomizeApp, type_tag("kustomize")]
    | Annotated[ExecApp, type_tag("exec")]
    | Annotated[ActionApp, type_tag("action")]
    | Annotated[HookApp, type_tag("hook")]
    | Annotated[NoopApp, type_tag("noop")],
    by_type(APP_TYPES),
]
