"""SBKube's app types: a discriminated union on ``type``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, Tag

from sbkube_ci.config.base import Model
from sbkube_ci.config.types import LIST, MAPPING, TEXT, Duration, SetValues, by_shape, by_type

Stage = Literal["prepare", "build", "template", "deploy"]


class ManifestsTask(Model):
    type: Literal["manifests"]
    name: str
    files: list[str] = Field(min_length=1)


class InlineTask(Model):
    type: Literal["inline"]
    name: str
    content: Annotated[
        Annotated[dict[str, Any], Tag(MAPPING)] | Annotated[list[dict[str, Any]], Tag(LIST)],
        by_shape("a manifest (mapping) or a list of manifests"),
    ]


class CommandTask(Model):
    type: Literal["command"]
    name: str
    command: Annotated[
        Annotated[str, Tag(TEXT)] | Annotated[list[str], Tag(LIST)],
        by_shape("a command line or a list of arguments"),
    ]
    retry: int = Field(default=0, ge=0, le=10)
    on_failure: Literal["fail", "ignore"] = "fail"


TASK_TYPES = ("manifests", "inline", "command")
HookTask = Annotated[
    Annotated[ManifestsTask, Tag("manifests")]
    | Annotated[InlineTask, Tag("inline")]
    | Annotated[CommandTask, Tag("command")],
    by_type(TASK_TYPES),
]


class AppHooks(Model):
    """Commands run around each stage for one app (deploy-time only in CI)."""

    pre_prepare: list[str] = []
    post_prepare: list[str] = []
    pre_build: list[str] = []
    post_build: list[str] = []
    pre_template: list[str] = []
    post_template: list[str] = []
    pre_deploy: list[str] = []
    post_deploy: list[str] = []
    on_deploy_failure: list[str] = []
    pre_deploy_tasks: list[HookTask] = []
    post_deploy_tasks: list[HookTask] = []


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
    chart: str = Field(description="repo/chart, oci://registry/path/chart, or a local ./path")
    version: str | None = Field(default=None, description="Exact version or a semver range")
    values: list[str] = []
    set_values: SetValues = Field(
        default={}, description="Mapping of dotted keys to values, or legacy ['key=value'] list"
    )
    overrides: list[str] = []
    removes: list[str] = []
    release_name: str | None = None
    create_namespace: bool = False
    wait: bool = True
    timeout: Duration | None = None
    atomic: bool = False
    deploy_mode: Literal["helm", "apply"] = "helm"
    force_conflicts: bool = False

    def set_values_map(self) -> dict[str, Any]:
        """``set_values`` as a mapping, converting the legacy ``key=value`` list."""
        if isinstance(self.set_values, dict):
            return dict(self.set_values)
        return dict(item.split("=", 1) for item in self.set_values)

    @property
    def chart_kind(self) -> Literal["local", "oci", "repo"]:
        if self.chart.startswith(("./", "../", "/")) or self.chart in {".", ".."}:
            return "local"
        if self.chart.startswith("oci://"):
            return "oci"
        return "repo"


class YamlApp(AppBase):
    type: Literal["yaml"]
    manifests: list[str] = Field(min_length=1)
    force_conflicts: bool = False


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
    type: Literal["apply", "delete"]
    path: str
    namespace: str | None = None


class ActionApp(AppBase):
    type: Literal["action"]
    actions: list[Action] = Field(min_length=1)


class HookApp(AppBase):
    type: Literal["hook"]
    tasks: list[HookTask] = Field(min_length=1)


class NoopApp(AppBase):
    type: Literal["noop"]


APP_TYPES = ("helm", "yaml", "git", "http", "kustomize", "exec", "action", "hook", "noop")
App = Annotated[
    Annotated[HelmApp, Tag("helm")]
    | Annotated[YamlApp, Tag("yaml")]
    | Annotated[GitApp, Tag("git")]
    | Annotated[HttpApp, Tag("http")]
    | Annotated[KustomizeApp, Tag("kustomize")]
    | Annotated[ExecApp, Tag("exec")]
    | Annotated[ActionApp, Tag("action")]
    | Annotated[HookApp, Tag("hook")]
    | Annotated[NoopApp, Tag("noop")],
    by_type(APP_TYPES),
]
