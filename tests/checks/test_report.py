"""The checks section of the report: golden comment and text, budgets, JUnit cases."""

from __future__ import annotations

from xml.etree import ElementTree

from sbkube_ci.ci.junit import check_outcomes, junit_xml
from sbkube_ci.diff.markdown import GITHUB_COMMENT, render_comment
from sbkube_ci.diff.text import render_text
from sbkube_ci.plan_model import CheckFinding, Plan
from tests.diff import scenarios
from tests.diff.golden import assert_golden

HINT = "the `sbkube-plan` artifact of https://github.com/acme/shop/actions/runs/42"
RUN = ["schema", "deprecated-api", "random-render", "no-latest-tag"]


def with_checks(plan: Plan) -> Plan:
    cluster = plan.cluster("prod")
    cluster.checks_run = RUN
    cluster.checks = [
        CheckFinding(
            check="random-render",
            severity="warning",
            app="grafana",
            object="Secret monitoring/grafana",
            path="data.admin-password",
            message="random in the chart: set `adminPassword` to pin it",
        ),
        CheckFinding(
            check="schema",
            severity="error",
            app="api",
            object="Deployment shop/api",
            path="spec.template.spec.containers[0].ports[0].containerPort",
            message='expected integer, got string "http"',
        ),
        CheckFinding(
            check="deprecated-api",
            severity="error",
            app="api",
            object="PodDisruptionBudget shop/api",
            message="policy/v1beta1 PodDisruptionBudget was removed in 1.25; use policy/v1",
        ),
        CheckFinding(
            check="schema",
            severity="info",
            app="api",
            message="2 custom resources not checked: no CRD for monitoring.coreos.com/v1 "
            "ServiceMonitor in the project",
        ),
    ]
    cluster.checks.sort(key=lambda f: ({"error": 0, "warning": 1, "info": 2}[f.severity], f.app))
    return plan


def test_comment_with_a_checks_section_matches_golden() -> None:
    text = render_comment(with_checks(scenarios.one_app_changed()), "prod", GITHUB_COMMENT, HINT)
    assert_golden("comment_checks.md", text)


def test_text_with_a_checks_section_matches_golden() -> None:
    assert_golden("text_checks.txt", render_text(with_checks(scenarios.one_app_changed())))


def test_passing_checks_say_so_in_one_line() -> None:
    plan = scenarios.no_changes()
    plan.cluster("prod").checks_run = RUN
    text = render_comment(plan, "prod", GITHUB_COMMENT, HINT)
    assert "### Checks · prod\n\nall passed · ran: schema, deprecated-api" in text


def test_over_budget_the_findings_table_gives_way_to_its_counts() -> None:
    plan = with_checks(scenarios.one_app_changed())
    full = render_comment(plan, "prod", GITHUB_COMMENT, HINT)
    budget = len(full.encode()) - 200  # the findings table is the largest block here
    text = render_comment(plan, "prod", budget, HINT)
    assert len(text.encode()) <= budget
    assert "2 errors, 1 warning, 1 note" in text
    assert f"Findings left out to fit — all of them in {HINT}." in text
    assert "| **error** | schema |" not in text
    assert "+      - image: ghcr.io/acme/api:1.5.0" in text  # the smaller diff stays


def test_junit_has_one_case_per_check_failing_on_errors() -> None:
    cluster = with_checks(scenarios.one_app_changed()).cluster("prod")
    root = ElementTree.fromstring(junit_xml(check_outcomes(cluster)))  # noqa: S314 - our own
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert list(cases) == [f"prod/checks/{name}" for name in RUN]
    failing = {name for name, case in cases.items() if case.find("failure") is not None}
    assert failing == {"prod/checks/schema", "prod/checks/deprecated-api"}
    assert cases["prod/checks/schema"].find("failure").get("message") == "1 error(s)"  # type: ignore[union-attr]


def test_strict_fails_a_plan_with_check_errors_only() -> None:
    plan = with_checks(scenarios.one_app_changed())
    assert (plan.exit_code(), plan.exit_code(strict=True)) == (2, 1)
    clean = scenarios.one_app_changed()
    assert clean.exit_code(strict=True) == 2
