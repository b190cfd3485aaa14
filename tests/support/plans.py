"""Builders of plan-model pieces, for the tests of the plan and of what renders it.

Plans of whole pull requests, made by the real diff engine, are in ``tests/diff/scenarios.py``.
"""

from __future__ import annotations

from typing import Any

from sbkube_ci.plan_model import ObjectChange, PlanAction


def object_change(
    kind: str,
    name: str,
    action: PlanAction,
    *,
    group: str = "",
    version: str = "v1",
    namespace: str = "",
    **fields: Any,
) -> ObjectChange:
    """An object of an app's plan: ``group`` "" is the core group, ``namespace`` "" none."""
    return ObjectChange(
        group=group,
        version=version,
        kind=kind,
        namespace=namespace,
        name=name,
        action=action,
        **fields,
    )
