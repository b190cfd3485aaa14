"""Top-level sections: SBKube's ``settings`` and ``hooks``, and the CI-native sections."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BeforeValidator, Field, Tag, field_validator, model_validator

from sbkube_ci.config.base import Model
from sbkube_ci.config.review import OnMerge
from sbkube_ci.config.types import (
    MAPPING,
    TEXT,
    Duration,
    EnvName,
    SecretRef,
    SetValues,
    ValuesEntry,
    by_shape,
    by_type,
    type_tag,
)


class HelmRepo(Model):
    url: str
    username: str | None = None
    password: SecretRef | None = None
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    insecure_skip_tls_verify: bool = False
    pass_credentials: bool = Field(
        default=False,
        description="Send username/password also to chart URLs on another host (helm's "
        "--pass-credentials); by default only the repository's own host gets them",
    )


class OciRegistry(Model):
    registry: str = Field(description="host[:port]/path, with or without oci://")
    username: str | None = None
    password: SecretRef | None = None


class GitRepo(Model):
    url: str
    branch: str | None = None
    username: str | None = None
    password: SecretRef | None = None
    ssh_key: SecretRef | None = None


HelmRepoEntry = Annotated[
    Annotated[str, Tag(TEXT)] | Annotated[HelmRepo, Tag(MAPPING)],
    by_shape("the repository URL or a mapping with url (and username, password, ca_file, ...)"),
]


def _shorthand(key: str) -> Callable[[object], object]:
    def expand(value: object) -> object:
        return {key: value} if isinstance(value, str) else value

    return expand


OciRegistryEntry = Annotated[
    OciRegistry, BeforeValidator(_shorthand("registry"), json_schema_input_type=str | OciRegistry)
]
GitRepoEntry = Annotated[
    GitRepo, BeforeValidator(_shorthand("url"), json_schema_input_type=str | GitRepo)
]


class Settings(Model):
    namespace: str = "default"
    kubeconfig: str | None = None
    kubeconfig_context: str | None = None
    helm_repos: dict[str, HelmRepoEntry] = {}
    oci_registries: dict[str, OciRegistryEntry] = {}
    git_repos: dict[str, GitRepoEntry] = {}
    timeout: Duration = 600.0
    parallel: bool = True
    max_workers: int | None = Field(default=None, ge=1, le=256)
    on_failure: Literal["stop", "continue", "rollback"] = "stop"
    helm_version: Literal[3, 4] | None = Field(
        default=None,
        description="Helm major version to use (3 finds helm3 on PATH); default: helm on PATH",
    )
    # SBKube's other settings, accepted so that its files load unchanged.
    cluster: str | None = Field(default=None, description="Cluster name (documentation only)")
    cluster_values_file: str | None = Field(
        default=None, description="Values file applied to every helm app (lowest precedence)"
    )
    global_values: dict[str, Any] | None = Field(
        default=None, description="Values applied to every helm app, over cluster_values_file"
    )
    helm_label_injection: bool = True
    incompatible_charts: list[str] = []
    force_label_injection: list[str] = []
    execution_order: Literal["apps_first", "phases_first"] = "apps_first"
    parallel_apps: bool = True
    rollback_scope: Literal["app", "phase", "all"] = "app"
    http_proxy: str | None = None
    https_proxy: str | None = None
    no_proxy: list[str] | None = None
    cleanup_metadata: bool = True

    def helm_repo(self, name: str) -> HelmRepo | None:
        repo = self.helm_repos.get(name)
        return HelmRepo(url=repo) if isinstance(repo, str) else repo


class CommandHooks(Model):
    pre: list[str] = []
    post: list[str] = []
    on_failure: list[str] = []


class Hooks(Model):
    prepare: CommandHooks | None = None
    build: CommandHooks | None = None
    template: CommandHooks | None = None
    deploy: CommandHooks | None = None


class ClusterApp(Model):
    """One app's settings on one cluster, over the app's own (``clusters.<c>.apps.<app>``)."""

    enabled: bool | None = Field(default=None, description="Deploy the app on this cluster")
    namespace: str | None = None
    version: str | None = Field(
        default=None, description="Chart version or range here (helm apps with a remote chart)"
    )
    path: str | None = Field(
        default=None, description="Kustomize directory, or path in the Git repository, here"
    )
    values: list[ValuesEntry] = Field(
        default=[], description="Values files or inline values, over the cluster's values"
    )
    set_values: SetValues = Field(default={}, description="Over every other value (helm apps)")


class Cluster(Model):
    kubeconfig: str | None = None
    kubeconfig_env: EnvName | None = Field(
        default=None, description="Environment variable holding the kubeconfig content"
    )
    context: str | None = None
    namespace: str | None = None
    values: list[ValuesEntry] = Field(default=[], description="For every helm app")
    set_values: dict[str, Any] = Field(default={}, description="For every helm app")
    apps: dict[str, ClusterApp] = Field(default={}, description="Per-app settings here")
    kube_version: str | None = Field(default=None, description="--kube-version for rendering")
    api_versions: list[str] = Field(default=[], description="--api-versions for rendering")
    on_merge: OnMerge | None = Field(default=None, description="What merging does here")


class S3State(Model):
    bucket: str
    prefix: str = ""
    region: str | None = None
    endpoint_url: str | None = None
    sse: Literal["AES256", "aws:kms"] | None = None
    kms_key_id: str | None = None


class GitState(Model):
    remote: str = Field(default="origin", description="A remote name or a Git URL")
    branch: str = "sbkube-state"
    author_name: str = "sbkube-ci"
    author_email: str = "sbkube-ci@users.noreply.github.com"
    token_env: EnvName | None = None
    token_user: str = Field(
        default="x-access-token",
        description="HTTP user sent with the token (GitLab job tokens: gitlab-ci-token)",
    )


class LocalState(Model):
    path: str = ".sbkube/state"


class LockSettings(Model):
    lease: Duration = 900.0
    wait: Duration = 600.0


class State(Model):
    backend: Literal["git", "s3", "local"] = "local"
    s3: S3State | None = None
    git: GitState = GitState()
    local: LocalState = LocalState()
    lock: LockSettings = LockSettings()

    @model_validator(mode="after")
    def _backend_configured(self) -> State:
        if self.backend == "s3" and self.s3 is None:
            raise ValueError("backend s3 needs an s3 section with at least a bucket")
        return self


EventName = Literal[
    "plan",
    "deploy_started",
    "deploy_succeeded",
    "deploy_failed",
    "rollback",
    "lock_taken_over",
    "drift_detected",
]
#: Every event but ``plan``, which would post on every push to every PR.
DEFAULT_EVENTS: list[EventName] = [event for event in get_args(EventName) if event != "plan"]


_SLACK_CHANNEL = re.compile(r"^([#@]?[a-z0-9][a-z0-9._-]{0,79}|[CGD][A-Z0-9]{6,})$")


def _check_slack_channel(value: str) -> str:
    if not _SLACK_CHANNEL.match(value):
        raise ValueError(
            f"{value!r} is not a Slack channel; write #name (lower-case letters, digits, "
            "'-', '_' or '.', at most 80) or a channel ID such as C0123456"
        )
    return value


SlackChannel = Annotated[
    str,
    AfterValidator(_check_slack_channel),
    Field(json_schema_extra={"pattern": _SLACK_CHANNEL.pattern}),
]


class NotifierBase(Model):
    on: list[EventName] = Field(default_factory=lambda: list(DEFAULT_EVENTS))
    clusters: list[str] = Field(default=[], description="Only these clusters (empty: all)")

    @model_validator(mode="before")
    @classmethod
    def _yaml_on_key(cls, data: Any) -> Any:
        # YAML 1.1 reads a bare `on:` key as the boolean true (the GitHub Actions quirk);
        # renamed in place so the loader's per-mapping bookkeeping (by id) still applies.
        if isinstance(data, dict) and True in data and "on" not in data:
            data["on"] = data.pop(True)
        return data

    @field_validator("on", mode="before")
    @classmethod
    def _known_events(cls, value: Any) -> Any:
        known = get_args(EventName)
        for item in value if isinstance(value, list) else []:
            if isinstance(item, str) and item not in known:
                raise ValueError(f"unknown event {item!r}; events are: {', '.join(known)}")
        return value


class SlackNotifier(NotifierBase):
    type: Literal["slack"]
    webhook_url_env: EnvName | None = None
    token_env: EnvName | None = None
    channel: SlackChannel | None = None

    @model_validator(mode="after")
    def _one_transport(self) -> SlackNotifier:
        if bool(self.webhook_url_env) == bool(self.token_env):
            raise ValueError("set exactly one of webhook_url_env or token_env (with channel)")
        if self.token_env and not self.channel:
            raise ValueError("token_env needs a channel (for example #deploys or C0123456)")
        return self


class DiscordNotifier(NotifierBase):
    type: Literal["discord"]
    webhook_url_env: EnvName


class WebhookNotifier(NotifierBase):
    type: Literal["webhook"]
    url_env: EnvName
    secret_env: EnvName | None = None


NOTIFIER_TYPES = ("slack", "discord", "webhook")
Notifier = Annotated[
    Annotated[SlackNotifier, type_tag("slack")]
    | Annotated[DiscordNotifier, type_tag("discord")]
    | Annotated[WebhookNotifier, type_tag("webhook")],
    by_type(NOTIFIER_TYPES),
]


class IgnoreRule(Model):
    kind: str | None = None
    api_version: str | None = Field(default=None, alias="apiVersion")
    name: str | None = None
    path: str


class DiffBudgets(Model):
    github_comment: int = 65_536
    step_summary: int = 1_048_576
    gitlab_note: int = 1_000_000


class DiffSettings(Model):
    mask_env: list[EnvName] = []
    ignore: list[IgnoreRule] = []
    context_lines: int = Field(default=3, ge=0, le=50)
    budgets: DiffBudgets = DiffBudgets()


#: The built-in policy rules a project can switch on by name (``checks.rules``); each is a
#: function in ``sbkube_ci/checks/rules.py``'s ``RULES`` (a test keeps the two in step).
RULE_NAMES = ("no-latest-tag", "resources-required", "no-host-path", "no-privileged")


def _known_rule(value: str) -> str:
    if value not in RULE_NAMES:
        raise ValueError(f"unknown rule {value!r}; the rules are: {', '.join(RULE_NAMES)}")
    return value


class ChecksSettings(Model):
    """Pre-deploy checks that ``plan`` runs on every render (``checks:``)."""

    schemas: bool = Field(default=True, description="Validate objects against the API schema")
    deprecated_apis: bool = Field(default=True, description="Report deprecated/removed APIs")
    random_renders: bool = Field(default=True, description="Find fields that render randomly")
    rules: list[Annotated[str, AfterValidator(_known_rule)]] = Field(
        default=[], description="Policy rules to enforce: " + ", ".join(RULE_NAMES)
    )
    strict: bool = Field(default=False, description="Check errors fail the plan (exit 1)")
