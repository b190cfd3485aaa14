"""The values layers of a helm app on one cluster, lowest precedence first.

1. chart defaults (the built chart's ``values.yaml``; added by ``build.merge_values``)
2. ``settings.cluster_values_file``, then ``settings.global_values`` (SBKube's values for
   every helm app)
3. the app's ``values`` (files or inline mappings, in order)
4. the cluster's ``values``, then the cluster's ``apps.<app>.values``
5. the app's ``set_values``, the cluster's ``set_values``, the cluster's ``apps.<app>.set_values``

Within each level the more specific source wins, and ``set_values`` win over every file, as
``helm --set`` wins over ``-f``. The plan lists the layers by name, so a reviewer sees which
cluster gets which values.
"""

# Labels name the config field a layer comes from; a cluster's layers start "clusters." or
# (files) end "(clusters.<c>...)" so that the plan can pick them out.

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sbkube_ci.config.apps import HelmApp
from sbkube_ci.config.models import Config
from sbkube_ci.config.sections import Cluster


@dataclass(frozen=True)
class ValuesLayer:
    """One source of values: a file, an inline mapping or a ``set_values`` mapping."""

    label: str
    kind: Literal["file", "inline", "set"]
    file: str | None = None
    data: Mapping[str, Any] | list[str] | None = None
    cluster_specific: bool = False
    field: str = ""  # the config field that names it, e.g. apps.web.values[0]


def values_layers(
    config: Config, name: str, app: HelmApp, cluster_name: str, cluster: Cluster
) -> list[ValuesLayer]:
    """Every values source of ``app`` on ``cluster``, lowest precedence first."""
    settings = config.settings
    here = f"clusters.{cluster_name}"
    override = cluster.apps.get(name)
    layers: list[ValuesLayer] = []
    if settings.cluster_values_file:
        layers.append(
            ValuesLayer(
                settings.cluster_values_file,
                "file",
                settings.cluster_values_file,
                field="settings.cluster_values_file",
            )
        )
    if settings.global_values:
        layers.append(ValuesLayer("settings.global_values", "inline", data=settings.global_values))
    layers += _entries(f"apps.{name}.values", app.values, cluster_specific=False)
    layers += _entries(f"{here}.values", cluster.values, cluster_specific=True)
    if override is not None:
        layers += _entries(f"{here}.apps.{name}.values", override.values, cluster_specific=True)
    sets: list[tuple[str, Mapping[str, Any] | list[str], bool]] = [
        (f"apps.{name}.set_values", app.set_values, False),
        (f"{here}.set_values", cluster.set_values, True),
    ]
    if override is not None:
        sets.append((f"{here}.apps.{name}.set_values", override.set_values, True))
    layers += [
        ValuesLayer(label, "set", data=data, cluster_specific=specific)
        for label, data, specific in sets
        if data
    ]
    return layers


def _entries(
    where: str, entries: list[str | dict[str, Any]], *, cluster_specific: bool
) -> Iterator[ValuesLayer]:
    for index, entry in enumerate(entries):
        if isinstance(entry, str):
            label = f"{entry} ({where}[{index}])" if cluster_specific else entry
            field = f"{where}[{index}]"
            yield ValuesLayer(label, "file", entry, cluster_specific=cluster_specific, field=field)
        else:
            label = f"{where}[{index}] (inline)"
            yield ValuesLayer(label, "inline", data=entry, cluster_specific=cluster_specific)
