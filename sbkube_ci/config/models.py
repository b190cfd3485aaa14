"""The root model of ``sbkube.yaml``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator

from sbkube_ci.config.apps import App, GitApp, HelmApp, KustomizeApp
from sbkube_ci.config.base import Model
from sbkube_ci.config.sections import (
    NOTIFIER_TYPES,
    ChecksSettings,
    Cluster,
    ClusterApp,
    DiffSettings,
    Hooks,
    Notifier,
    Settings,
    State,
)

DEFAULT_CLUSTER = "default"
CLUSTER_SEP = "@"  # "web@prod": app web's own source on cluster prod (see Config.source_key)


def split_source_key(key: str) -> tuple[str, str | None]:
    """(app, cluster) of a source key (``Config.source_key``); cluster None for the app's own."""
    name, _, cluster = key.partition(CLUSTER_SEP)
    return name, cluster or None


def app_of(key: str) -> str:
    """The app a source key (``Config.source_key``) belongs to."""
    return split_source_key(key)[0]


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
    checks: ChecksSettings = ChecksSettings()

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

    def app_on(self, name: str, cluster: str) -> App:
        """App ``name`` as ``cluster`` deploys it: with the chart version or path set there."""
        target = self.effective_clusters().get(cluster)
        app = self.apps[name]
        updates = _source_updates(app, target.apps.get(name) if target else None)
        return app.model_copy(update=updates) if updates else app

    def source_key(self, name: str, cluster: str) -> str:
        """How ``sbkube.lock`` and the build stage name the source of ``name`` on ``cluster``.

        The app's name, unless the cluster sets another chart version or path for it:
        ``<app>@<cluster>`` then, a source of its own, prepared and pinned on its own.
        """
        target = self.effective_clusters().get(cluster)
        if target and _source_updates(self.apps[name], target.apps.get(name)):
            return f"{name}{CLUSTER_SEP}{cluster}"
        return name

    def sources_of(self, names: Iterable[str], clusters: Iterable[str] | None = None) -> set[str]:
        """The source keys apps ``names`` use on ``clusters`` (default: every cluster)."""
        targets = list(self.effective_clusters() if clusters is None else clusters)
        return {
            self.source_key(name, cluster)
            for name in names
            for cluster in targets
            if self.enabled_on(name, cluster)
        }

    def source_app(self, key: str) -> App:
        """The app a source key (``source_key``) stands for."""
        name, cluster = split_source_key(key)
        return self.app_on(name, cluster) if cluster else self.apps[name]

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


def _source_updates(app: App, override: ClusterApp | None) -> dict[str, str]:
    """The fields of ``app`` that ``override`` changes in what is fetched and rendered."""
    if override is None:
        return {}
    wanted: dict[str, str | None] = {}
    if isinstance(app, HelmApp):
        wanted["version"] = override.version
    elif isinstance(app, KustomizeApp | GitApp):
        wanted["path"] = override.path
    return {
        key: value
        for key, value in wanted.items()
        if value is not None and value != getattr(app, key)
    }


def _enabled(app: App, override: ClusterApp | None) -> bool:
    if override is not None and override.enabled is not None:
        return override.enabled
    return app.enabled
