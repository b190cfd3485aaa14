"""The diff engine: matching, actions, short-circuits, ignore rules, collapsing, errors."""

from __future__ import annotations

from typing import Any

from sbkube_ci.config.sections import DiffSettings, IgnoreRule
from sbkube_ci.diff.engine import (
    AppRender,
    AppSnapshot,
    DiffOptions,
    diff_objects,
    plan_app,
    plan_cluster,
    unified,
)
from sbkube_ci.diff.mask import Masker
from sbkube_ci.diff.normalize import to_yaml
from sbkube_ci.plan_model import ObjectChange
from tests.diff.objects import config_map, crd, deployment, hook_job, service

OPTIONS = DiffOptions()


def _diff(
    old: list[dict[str, Any]], new: list[dict[str, Any]], **options: Any
) -> list[ObjectChange]:
    return diff_objects(old, new, options=DiffOptions(**options), masker=Masker())


def _never_loaded() -> list[dict[str, Any]]:
    raise AssertionError("objects of an unchanged app must not be loaded")


def test_objects_are_matched_by_group_kind_namespace_name() -> None:
    changes = _diff(
        [deployment(), service(), config_map("a")],
        [deployment(image="api:2"), service(), config_map("b")],
    )
    assert [(c.kind, c.name, c.action) for c in changes] == [
        ("ConfigMap", "a", "delete"),
        ("ConfigMap", "b", "create"),
        ("Deployment", "api", "update"),
        ("Service", "api", "unchanged"),
    ]
    assert changes[3].diff == ""


def test_a_version_change_of_the_same_group_is_an_update() -> None:
    [change] = _diff(
        [deployment(api_version="autoscaling/v2beta2")], [deployment(api_version="autoscaling/v2")]
    )
    assert (change.action, change.version, change.previous_version) == ("update", "v2", "v2beta2")
    assert "-apiVersion: autoscaling/v2beta2\n+apiVersion: autoscaling/v2" in change.diff


def test_same_name_in_another_group_is_another_object() -> None:
    other = deployment()
    other["apiVersion"] = "acme.io/v1"
    changes = _diff([deployment()], [other])
    assert sorted(c.action for c in changes) == ["create", "delete"]


def test_update_is_a_unified_diff_with_configurable_context() -> None:
    [wide] = _diff([deployment()], [deployment(replicas=5)])
    [narrow] = _diff([deployment()], [deployment(replicas=5)], context_lines=0)
    assert "-  replicas: 2\n+  replicas: 5" in wide.diff
    assert wide.diff.startswith("@@ ")
    assert narrow.diff.splitlines() == ["@@ -9 +9 @@", "-  replicas: 2", "+  replicas: 5"]


def test_reordered_keyed_lists_and_server_fields_are_not_changes() -> None:
    old = deployment(env={"A": "1", "B": "2"})
    new = deployment(env={"B": "2", "A": "1"})
    new["metadata"]["resourceVersion"] = "42"
    new["status"] = {"readyReplicas": 2}
    [change] = _diff([old], [new])
    assert change.action == "unchanged"


def test_ignore_rules_apply_to_both_sides() -> None:
    old, new = deployment(), deployment()
    old["spec"]["template"]["metadata"]["annotations"] = {"checksum/config": "aaa"}
    new["spec"]["template"]["metadata"]["annotations"] = {"checksum/config": "bbb"}
    path = "spec.template.metadata.annotations.checksum/config"
    options = DiffOptions.from_settings(
        DiffSettings(ignore=[IgnoreRule(kind="Deployment", path=path)], context_lines=1)
    )
    [change] = diff_objects([old], [new], options=options, masker=Masker())
    assert change.action == "unchanged"
    assert options.context_lines == 1


def crd_yaml_lines() -> list[str]:
    return to_yaml(crd()).splitlines()


def test_created_objects_are_whole_and_collapsed_beyond_the_budget() -> None:
    [small] = _diff([], [service()])
    assert all(line.startswith("+") for line in small.diff.splitlines())
    assert "+kind: Service" in small.diff
    [big] = _diff([], [crd()], max_object_lines=10)
    lines = big.diff.splitlines()
    assert len(lines) == 11
    assert lines[-1] == f"… {len(crd_yaml_lines()) - 10} more lines"
    [deleted] = _diff([service()], [])
    assert deleted.action == "delete"
    assert all(line.startswith("-") for line in deleted.diff.splitlines())


def test_crds_compare_like_any_object_and_hooks_are_in_the_title() -> None:
    new_crd = crd()
    new_crd["spec"]["versions"][0]["served"] = False
    changes = _diff([crd(), hook_job()], [new_crd, hook_job(image="api:2")])
    assert [c.action for c in changes] == ["update", "update"]
    assert changes[0].group == "apiextensions.k8s.io"
    assert changes[1].title == "Job shop/migrate (helm.sh/hook: pre-upgrade)"


def test_unchanged_render_digest_short_circuits_without_loading_objects() -> None:
    render = AppRender(_never_loaded, render_digest="sha256:1")
    app = plan_app(
        "api",
        render,
        AppSnapshot(_never_loaded, render_digest="sha256:1"),
        options=OPTIONS,
        masker=Masker(),
    )
    assert (app.action, app.objects, app.render_digest) == ("unchanged", [], "sha256:1")


def test_equal_input_digest_is_unchanged_even_if_the_render_differs() -> None:
    render = AppRender(_never_loaded, render_digest="sha256:2", input_digest="sha256:in")
    snapshot = AppSnapshot(_never_loaded, render_digest="sha256:1", input_digest="sha256:in")
    app = plan_app("api", render, snapshot, options=OPTIONS, masker=Masker())
    assert app.action == "unchanged"


def test_objects_are_loaded_lazily_when_digests_differ() -> None:
    app = plan_app(
        "api",
        AppRender(
            lambda: [deployment(replicas=3)],
            render_digest="sha256:2",
            source={"chart": "acme/api", "version": "1.2.3"},
        ),
        AppSnapshot(lambda: [deployment()], render_digest="sha256:1"),
        options=OPTIONS,
        masker=Masker(),
    )
    assert (app.action, app.changed, app.source["version"]) == ("update", 1, "1.2.3")


def test_same_objects_with_different_digests_are_unchanged() -> None:
    app = plan_app(
        "api",
        AppRender([deployment()], render_digest="a"),
        AppSnapshot([deployment()], render_digest="b"),
        options=OPTIONS,
        masker=Masker(),
    )
    assert app.action == "unchanged"
    assert [o.action for o in app.objects] == ["unchanged"]


def test_created_deleted_and_failed_apps() -> None:
    masker = Masker(["hunter2hunter2"])
    cluster = plan_cluster(
        "prod",
        {
            "new": (AppRender([service("new")]), None),
            "gone": (None, AppSnapshot([service("gone")])),
            "broken": (AppRender(error="values.yaml: token hunter2hunter2 is invalid"), None),
            "nothing": (None, None),
        },
        state_revision="r7",
        options=OPTIONS,
        masker=masker,
    )
    apps = {a.name: a for a in cluster.apps}
    assert sorted(apps) == ["broken", "gone", "new"]
    assert (apps["new"].action, apps["new"].added) == ("create", 1)
    assert (apps["gone"].action, apps["gone"].deleted) == ("delete", 1)
    assert apps["broken"].error == "values.yaml: token *** is invalid"
    assert cluster.state_revision == "r7"


def test_duplicate_objects_make_the_app_fail_with_a_clear_error() -> None:
    app = plan_app("api", AppRender([service(), service()]), None, options=OPTIONS, masker=Masker())
    assert app.error == (
        "app api: two objects are Service shop/api; rename one of them "
        "(Kubernetes would keep only the last)"
    )


def test_helm_minor_version_change_is_noted() -> None:
    def note(new: str, old: str) -> str | None:
        return plan_app(
            "api",
            AppRender([service()], helm_version=new),
            AppSnapshot([service()], helm_version=old),
            options=OPTIONS,
            masker=Masker(),
        ).helm_version_note

    assert note("v3.18.4", "v3.18.1") is None
    assert note("v3.18.4", "v3.17.0") == (
        "rendered with Helm v3.18.4, deployed with Helm v3.17.0: "
        "some charts render differently across Helm versions"
    )
    assert note("4.0.0", "v3.18.0") is not None


def test_an_engine_change_is_one_cluster_line_and_null_fields_are_no_change() -> None:
    nulls = service()
    nulls["spec"] = {**nulls["spec"], "loadBalancerClass": None, "ports": [{"port": 80}]}
    plain = service()
    plain["spec"] = {**plain["spec"], "ports": [{"port": 80}]}
    apps = {
        "api": (
            AppRender([nulls], helm_version="v4.3.1"),
            AppSnapshot([plain], helm_version="v3.18.0"),
        ),
        "web": (
            AppRender([plain], helm_version="v4.3.1"),
            AppSnapshot([plain], helm_version="v3.18.0"),
        ),
        "db": (
            AppRender([plain], helm_version="v3.18.0"),
            AppSnapshot([plain], helm_version="v3.18.0"),
        ),
    }

    cluster = plan_cluster("prod", apps, state_revision="r1", options=OPTIONS, masker=Masker())

    assert cluster.engine_note == (
        "rendered with Helm v4.3.1, deployed with Helm v3.18.0 (2 apps): "
        "objects are compared with null fields as absent, so only real changes show"
    )
    assert [a.action for a in cluster.apps] == ["unchanged", "unchanged", "unchanged"]
    same_engine = plan_app(
        "api",
        AppRender([nulls], helm_version="v4.3.1"),
        AppSnapshot([plain], helm_version="v4.3.0"),
        options=OPTIONS,
        masker=Masker(),
    )
    assert same_engine.action == "update"  # without an engine change, a null is shown


def test_unified_keeps_content_lines_that_look_like_headers_and_unicode_breaks() -> None:
    assert unified("a\n-- x\n++ y\n", "a\n-- z\n++ y\n", 0).splitlines() == [
        "@@ -2 +2 @@",
        "--- x",
        "+-- z",
    ]
    [change] = _diff([config_map("c", v="a\u2028b")], [config_map("c", v="a\u2028c")])
    assert change.diff.count("\n-") == 1
    assert change.diff.count("\n+") == 1


def test_source_pins_are_kept_and_masked() -> None:
    source = {"repo": "https://bot:tok3n-value@charts.acme.io", "version": "1.2.3"}
    app = plan_app(
        "api",
        AppRender([service()], source=source),
        None,
        options=OPTIONS,
        masker=Masker(["tok3n-value"]),
    )
    assert app.source == {"repo": "https://bot:***@charts.acme.io", "version": "1.2.3"}
