"""The plan model: JSON round trip, derived counts, exit codes, atomic writes, bad files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sbkube_ci.errors import ConfigError
from sbkube_ci.plan_model import AppPlan, ClusterPlan, Plan, PlanAction
from tests.diff import scenarios
from tests.support.plans import object_change


def _app(name: str, *actions: PlanAction, error: str | None = None) -> AppPlan:
    objects = [
        object_change("Deployment", f"{name}-{i}", action, group="apps", namespace="shop")
        for i, action in enumerate(actions)
    ]
    changed = any(a != "unchanged" for a in actions)
    return AppPlan(
        name=name, action="update" if changed else "unchanged", objects=objects, error=error
    )


def test_json_round_trip_keeps_every_field() -> None:
    plan = scenarios.one_app_changed()
    again = Plan.from_json(plan.to_json())
    assert again == plan
    assert again.to_json() == plan.to_json()
    job = next(o for o in again.clusters[0].apps[0].objects if o.kind == "Job")
    assert job.hook == "pre-upgrade"
    assert job.action == "update"


def test_counts_are_derived_from_objects_even_when_the_file_says_otherwise() -> None:
    app = _app("api", "create", "update", "update", "delete", "unchanged")
    assert (app.added, app.changed, app.deleted) == (1, 2, 1)
    raw = json.loads(Plan(clusters=[ClusterPlan(name="prod", apps=[app])]).to_json())
    raw["clusters"][0]["apps"][0]["added"] = 99
    assert Plan.from_json(json.dumps(raw)).clusters[0].apps[0].added == 1


@pytest.mark.parametrize(
    ("apps", "code"),
    [
        ([], 0),
        ([_app("api", "unchanged")], 0),
        ([_app("api", "unchanged"), _app("web", "update")], 2),
        ([_app("api", "update"), _app("web", error="helm template failed")], 1),
    ],
)
def test_exit_code_is_0_without_changes_2_with_changes_1_on_errors(
    apps: list[AppPlan], code: int
) -> None:
    assert Plan(clusters=[ClusterPlan(name="prod", apps=apps)]).exit_code() == code


def test_write_is_atomic_and_leaves_no_temp_file(tmp_path: Path) -> None:
    path = tmp_path / ".sbkube" / "plan.json"
    plan = scenarios.secret_changed()
    plan.write(path)
    plan.write(path)  # replacing an existing plan
    assert os.listdir(path.parent) == ["plan.json"]
    assert Plan.read(path) == plan


def test_object_title_names_kind_namespace_name_and_hook() -> None:
    job = object_change(
        "Job", "migrate", "create", group="batch", namespace="shop", hook="pre-upgrade"
    )
    assert job.title == "Job shop/migrate (helm.sh/hook: pre-upgrade)"
    assert job.api_version == "batch/v1"
    crd = object_change("CronTab", "x", "create", group="stable.example.com")
    assert crd.title == "CronTab.stable.example.com x"
    ingress = object_change("Ingress", "web", "update", group="networking.k8s.io", namespace="shop")
    assert ingress.title == "Ingress shop/web"
    assert object_change("Namespace", "shop", "delete", group="").api_version == "v1"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "plan.json:1:2: not valid JSON"),
        ('{"schema_version": 99}', "schema_version 99 is not 1"),
        ("[]", "schema_version None is not 1"),
        (
            '{"schema_version": 1, "clusters": [{"apps": []}]}',
            "plan.json: clusters.0.name: Field required",
        ),
    ],
)
def test_a_broken_plan_file_is_one_config_error_naming_it(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        Plan.from_json(text)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_plan_file_says_to_run_plan(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="plan file not found; run `sbkube-ci plan` first"):
        Plan.read(tmp_path / "plan.json")


def test_unknown_cluster_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"no cluster 'dev' \(clusters in the plan: prod\)"):
        scenarios.no_changes().cluster("dev")
