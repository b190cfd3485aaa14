"""Deprecated and removed API versions for the cluster's Kubernetes version.

The table is data (``deprecated_apis.yaml``, with its source); this module only reads it and
compares versions. Removed for the target version is an error, served but superseded is a
warning. Without a ``kube_version`` every listed API is a warning: the plan cannot know what
the cluster serves.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from sbkube_ci.checks.schemas import Gvk, MinorVersion, parse_version, show
from sbkube_ci.plan_model import CheckFinding, Severity

CHECK = "deprecated-api"
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DATA = "deprecated_apis.yaml"


@dataclass(frozen=True)
class DeprecatedApi:
    gvk: Gvk
    removed: MinorVersion
    replacement: str
    available_since: MinorVersion
    note: str = ""


def load_table() -> dict[Gvk, DeprecatedApi]:
    """The table shipped with sbkube-ci, by (group, version, kind)."""
    text = resources.files("sbkube_ci.checks").joinpath(DATA).read_text(encoding="utf-8")
    raw: dict[str, Any] = yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader
    table: dict[Gvk, DeprecatedApi] = {}
    for index, entry in enumerate(raw["apis"]):
        where = f"{DATA}: apis[{index}]"
        group, _, version = str(entry["api_version"]).rpartition("/")
        for kind in entry["kinds"]:
            gvk = Gvk(group, version, kind)
            table[gvk] = DeprecatedApi(
                gvk,
                parse_version(str(entry["removed"]), where),
                str(entry["replacement"]),
                parse_version(str(entry["available_since"]), where),
                str(entry.get("note", "")),
            )
    return table


def check_object(
    table: dict[Gvk, DeprecatedApi], obj: dict[str, Any], target: MinorVersion | None
) -> tuple[Severity, str] | None:
    """(severity, message) when ``obj`` uses a listed API version that matters for ``target``."""
    entry = table.get(Gvk.of(obj))
    if entry is None or (target is not None and target < entry.available_since):
        return None
    advice = f"use {entry.replacement}" if entry.replacement else "it has no replacement"
    advice += f" ({entry.note})" if entry.note else ""
    if target is not None and target >= entry.removed:
        return "error", f"{entry.gvk} was removed in {show(entry.removed)}; {advice}"
    when = f"removed in {show(entry.removed)}"
    return "warning", f"{entry.gvk} is deprecated and {when}; {advice}"


def finding(app: str, title: str, result: tuple[Severity, str]) -> CheckFinding:
    severity, message = result
    return CheckFinding(check=CHECK, severity=severity, app=app, object=title, message=message)
