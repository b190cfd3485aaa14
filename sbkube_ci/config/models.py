"""The root model of ``sbkube.yaml``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator

from sbkube_ci.config.apps import App
from sbkube_ci.config.base import Model
from sbkube_ci.config.sections import (
    NOTIFIER_TYPES,
    Cluster,
    ClusterApp,
    DiffSettings,
    Hooks,
    Notifier,
    Settings,
    State,
)

DEFAULT_CLUSTER = "default"


class Metadata(Model):
    """Free-form, as in SBKube: the known keys are typed, any other key is kept."""

    model_config = ConfigDict(extra="allow")

    name: str | None = None
    environment: str | None = None
    description: str | None = None
    labels: dict[str, str] = {}


class Config(Model):
    """SBKube's unified ``sbkube.yaml`` plus the CI-native sections."""

    # Optional, as in SBKube: a file without it is read as sbkube/v1.
    api_version: Literal["sbkube/v1"] = Field(default="sbkube/v1", alias="apiVersion")
    metadata: Metadata = Metadata()
    settings: Settings = Settings()
    apps: dict[str, App] = {}
    hooks: Hooks | None = None
    clusters: dict[str, Cluster] = {}
    state: State = State()
    notify: dict[str, Notifier] = {}
    diff: DiffSettings = DiffSettings()

    @model_validator(mode="before")
    @classmethod
    def _notifier_type_from_name(cls, data: Any) -> Any:
        # `notify: {slack: {...}}` is the short form: the key names the type.
        if isinstance(data, dict) and isinstance(data.get("notify"), dict):
            for name, notifier in data["notify"].items():
                if isinstance(notifier, dict) and "type" not in notifier and name in NOTIFIER_TYPES:
                    notifier["type"] = name
        return data

    def effective_clusters(self) -> dict[str, Cluster]:
        """The clusters to work on; one named ``default`` when none are declared."""
        if self.clusters:
            return dict(self.clusters)
        return {
            DEFAULT_CLUSTER: Cluster(
                kubeconfig=self.settings.kubeconfig, context=self.settings.kubeconfig_context
            )
        }

    def enabled_apps(self) -> dict[str, App]:
        """The apps enabled on at least one cluster (see ``enabled_on`` for one cluster)."""
        clusters = self.effective_clusters()
        return {
            name: app
            for name, app in self.apps.items()
            if any(_enabled(app, cluster.apps.get(name)) for cluster in clusters.values())
        }

    def enabled_on(self, name: str, cluster: str) -> bool:
        """Whether app ``name`` is deployed to ``cluster`` (its override wins over the app)."""
        target = self.effective_clusters().get(cluster)
        override = target.apps.get(name) if target else None
        return name in self.apps and _enabled(self.apps[name], override)

    def namespace_of(self, name: str, cluster: Cluster | None = None) -> str:
        """Most specific first: the cluster's app override, the app, the cluster, settings."""
        app = self.apps[name]
        override = cluster.apps.get(name) if cluster else None
        return (
            (override.namespace if override else None)
            or app.namespace
            or (cluster.namespace if cluster else None)
            or self.settings.namespace
        )


def _enabled(app: App, override: ClusterApp | None) -> bool:
    if override is not None and override.enabled is not None:
        return override.enabled
    return app.enabled
