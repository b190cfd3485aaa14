"""The plan: what ``plan`` found would change, per cluster, app and object (``plan.json``).

A plan is what a reviewer approved and what ``deploy --plan`` applies, so it records the state
revision it was made against and the digests of every render. Diff texts in it are already
masked: the file is uploaded as a CI artifact and must never hold a secret.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

# Re-exported (the explicit alias tells mypy so): commands/plan.py imports it from here.
from sbkube_ci._files import write_atomic as write_atomic  # noqa: PLC0414
from sbkube_ci.errors import ConfigError

SCHEMA_VERSION = 1

PlanAction = Literal["create", "update", "delete", "unchanged"]

EXIT_NO_CHANGES = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2


class _PlanModel(BaseModel):
    # Unknown keys are kept out but not refused: a newer sbkube-ci may add fields, and the
    # schema_version check is what refuses an incompatible plan.
    model_config = ConfigDict(extra="ignore")


class ObjectChange(_PlanModel):
    """One Kubernetes object of an app and what happens to it."""

    group: str = Field(description='API group ("" for the core group)')
    version: str
    kind: str
    namespace: str = Field(default="", description='"" for cluster-scoped objects')
    name: str
    action: PlanAction
    diff: str = Field(default="", description="Unified diff (or whole object), already masked")
    hook: str | None = Field(default=None, description="helm.sh/hook annotation, if any")
    previous_version: str | None = Field(default=None, description="Version before, if changed")

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def title(self) -> str:
        """``Kind namespace/name`` with the hook, as reviewers read it in a comment."""
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        # Custom groups are named (Certificate.cert-manager.io); Kubernetes' own are implied.
        custom = "." in self.group and not self.group.endswith(".k8s.io")
        kind = f"{self.kind}.{self.group}" if custom else self.kind
        hook = f" (helm.sh/hook: {self.hook})" if self.hook else ""
        return f"{kind} {where}{hook}"


class VersionChange(_PlanModel):
    """A chart or image whose version moves: "chart redis 19.6.0 → 19.6.2"."""

    kind: Literal["chart", "image"]
    name: str
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.kind} {self.name} {self.old} → {self.new}"


class RandomFieldRef(_PlanModel):
    """A field a chart renders at random (``random-render`` check), left out of the diff."""

    api_version: str
    kind: str
    name: str
    path: list[str | int]


class AppPlan(_PlanModel):
    """One app on one cluster: its action, its objects and the digests it was planned with."""

    name: str
    action: PlanAction
    objects: list[ObjectChange] = []
    added: int = 0
    changed: int = 0
    deleted: int = 0
    render_digest: str | None = None
    input_digest: str | None = None
    source: dict[str, Any] = {}
    error: str | None = Field(default=None, description="Why the app could not be rendered")
    helm_version_note: str | None = None
    note: str | None = Field(
        default=None, description="What else merging does to this app (a deploy_mode switch)"
    )
    versions: list[VersionChange] = Field(default=[], description="Chart and image moves")
    cluster_source: str | None = Field(
        default=None, description="The chart version or path this cluster sets for the app"
    )
    random_fields: list[RandomFieldRef] = Field(
        default=[], description="Fields the chart renders at random, left out of the diff"
    )
    stable_digest: str | None = Field(
        default=None,
        description="sha256 of the render without random_fields: what deploy --plan holds a "
        "new render of a randomly rendering chart to",
    )
    values: list[str] = Field(
        default=[],
        description="The values layers of a helm app on this cluster, lowest first (names only)",
    )

    @property
    def cluster_values(self) -> list[str]:
        """The layers specific to this cluster, the ones a reviewer compares across clusters."""
        return [layer for layer in self.values if "clusters." in layer]

    @model_validator(mode="after")
    def _count_objects(self) -> AppPlan:
        # Counts are derived, so a hand-edited or truncated file cannot make them lie.
        actions = [o.action for o in self.objects]
        self.added = actions.count("create")
        self.changed = actions.count("update")
        self.deleted = actions.count("delete")
        return self

    @property
    def has_changes(self) -> bool:
        return self.action != "unchanged"


Severity = Literal["error", "warning", "info"]


class CheckFinding(_PlanModel):
    """What a pre-deploy check found in one app's render (or about the cluster, app "")."""

    check: str = Field(description='"schema", "deprecated-api", "random-render" or a rule name')
    severity: Severity
    app: str = ""
    object: str = Field(default="", description="Kind namespace/name, as in the diff")
    path: str = Field(default="", description="Field path in the object, e.g. spec.replicas")
    message: str

    @property
    def where(self) -> str:
        """``app: Kind ns/name: path``, leaving out what is empty."""
        return ": ".join(part for part in (self.app, self.object, self.path) if part)


class ClusterPlan(_PlanModel):
    name: str
    state_revision: str | None = Field(default=None, description="State the plan was made against")
    apps: list[AppPlan] = []
    engine_note: str | None = Field(
        default=None, description="The helm that renders now differs from the one deployed"
    )
    checks_run: list[str] = Field(default=[], description="The checks that ran, by name")
    checks: list[CheckFinding] = []

    @property
    def check_errors(self) -> list[CheckFinding]:
        return [f for f in self.checks if f.severity == "error"]

    @property
    def has_changes(self) -> bool:
        return any(app.has_changes for app in self.apps)

    @property
    def changed_apps(self) -> list[AppPlan]:
        return [app for app in self.apps if app.has_changes or app.error]

    def totals(self) -> tuple[int, int, int]:
        """(added, changed, deleted) objects over all apps."""
        return (
            sum(a.added for a in self.apps),
            sum(a.changed for a in self.apps),
            sum(a.deleted for a in self.apps),
        )


class Plan(_PlanModel):
    schema_version: int = SCHEMA_VERSION
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    commit: str | None = None
    clusters: list[ClusterPlan] = []

    @property
    def has_changes(self) -> bool:
        return any(c.has_changes for c in self.clusters)

    @property
    def has_errors(self) -> bool:
        return any(app.error for c in self.clusters for app in c.apps)

    def cluster(self, name: str) -> ClusterPlan:
        for cluster in self.clusters:
            if cluster.name == name:
                return cluster
        known = ", ".join(c.name for c in self.clusters) or "none"
        raise ConfigError(f"plan has no cluster {name!r} (clusters in the plan: {known})")

    @property
    def has_check_errors(self) -> bool:
        return any(c.check_errors for c in self.clusters)

    def exit_code(self, *, strict: bool = False) -> int:
        """1 if an app failed to render (or a check failed, if ``strict``), else 2 if anything
        changes, else 0."""
        if self.has_errors or (strict and self.has_check_errors):
            return EXIT_ERROR
        return EXIT_CHANGES if self.has_changes else EXIT_NO_CHANGES

    def to_json(self) -> str:
        return self.model_dump_json(indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str, *, name: str = "plan.json") -> Plan:
        """Parse a plan; a broken or incompatible file is a ``ConfigError`` naming it."""
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"{name}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg}); "
                "run `sbkube-ci plan` again to regenerate it"
            ) from exc
        version = raw.get("schema_version") if isinstance(raw, dict) else None
        if version != SCHEMA_VERSION:
            raise ConfigError(
                f"{name}: schema_version {version!r} is not {SCHEMA_VERSION}; "
                "make the plan with the same sbkube-ci version that deploys it"
            )
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ConfigError(
                f"{name}: {where}: {first['msg']}; run `sbkube-ci plan` again to regenerate it"
            ) from exc

    def write(self, path: Path) -> None:
        """Write the plan atomically (temp file in the same directory, then rename)."""
        write_atomic(path, self.to_json())

    @classmethod
    def read(cls, path: Path) -> Plan:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise ConfigError(f"{path}: plan file not found; run `sbkube-ci plan` first") from exc
        return cls.from_json(text, name=str(path))
