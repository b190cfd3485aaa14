"""The Markdown report: golden files a reviewer reads, fences, markers, budgets."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sbkube_ci.ci.marker import comment_marker
from sbkube_ci.diff import markdown
from sbkube_ci.diff.markdown import (
    GITHUB_COMMENT,
    render_comment,
    render_markdown,
)
from sbkube_ci.diff.mask import Masker
from sbkube_ci.plan_model import AppPlan, ClusterPlan, Plan, PlanAction
from tests.diff import scenarios
from tests.diff.fences import fenced_contents, open_fence_at_end
from tests.diff.golden import assert_golden
from tests.support.plans import object_change

HINT = "the `sbkube-plan` artifact of https://github.com/acme/shop/actions/runs/42"


@pytest.mark.parametrize(
    "name",
    ["no_changes", "one_app_changed", "secret_changed", "crd_added", "app_deleted", "over_budget"],
)
def test_comment_matches_golden(name: str) -> None:
    plan = getattr(scenarios, name)()
    text = render_comment(plan, "prod", GITHUB_COMMENT, HINT)
    assert_golden(f"comment_{name}.md", text)
    assert text.startswith("<!-- sbkube-ci:plan:prod -->\n")
    assert len(text.encode()) <= GITHUB_COMMENT


def test_plan_md_of_two_clusters_matches_golden() -> None:
    assert_golden("plan_two_clusters.md", render_markdown(scenarios.two_clusters()))


def _app(name: str, *diffs: str, action: PlanAction = "update") -> AppPlan:
    objects = [
        object_change("ConfigMap", f"{name}-{i}", action, namespace="shop", diff=diff)
        for i, diff in enumerate(diffs)
    ]
    return AppPlan(name=name, action=action, objects=objects)


def _plan(*apps: AppPlan) -> Plan:
    return Plan(created_at=scenarios.CREATED, clusters=[ClusterPlan(name="prod", apps=list(apps))])


def test_budgets_of_the_platforms() -> None:
    assert (markdown.GITHUB_COMMENT, markdown.STEP_SUMMARY, markdown.GITLAB_NOTE) == (
        65_536,
        1_048_576,
        1_000_000,
    )


def test_backticks_in_content_never_close_the_fence() -> None:
    readme = "+# Usage\n+```yaml\n+key: value\n+```\n+````\n+`inline`"
    text = render_comment(_plan(_app("docs", readme)), "prod")
    assert "`````diff\n" + readme + "\n`````" in text
    assert fenced_contents(text) == [readme]
    assert not open_fence_at_end(text)


def test_names_cannot_inject_markdown_or_html() -> None:
    plan = _plan(_app("a|b<script>", "+x"))
    text = render_comment(plan, "prod")
    assert "<script>" not in text
    assert "| prod | a\\|b\\<script\\> | update |" in text
    assert "<summary><b>a|b&lt;script&gt;</b>" in text


def test_a_failed_app_shows_its_error_in_the_table_and_a_block() -> None:
    plan = _plan(AppPlan(name="api", action="unchanged", error="helm: chart ```x``` not found"))
    text = render_comment(plan, "prod")
    assert "| prod | api | **error** |  |  |  |" in text
    assert "**1 app failed to render** on `prod`; 0 unchanged." in text
    assert fenced_contents(text) == ["helm: chart ```x``` not found"]


def test_exactly_at_budget_is_untouched_and_one_byte_less_truncates() -> None:
    plan = _plan(_app("api", "+a\n-b"), _app("web", "+" + "x" * 500))
    full = render_comment(plan, "prod", 10**9)
    at_budget = render_comment(plan, "prod", len(full.encode()), HINT)
    assert at_budget == full
    one_over = render_comment(plan, "prod", len(full.encode()) - 1, HINT)
    assert len(one_over.encode()) <= len(full.encode()) - 1
    assert "- **web** · update: +0 ~1 -0: diff left out to fit — full diff in " + HINT in one_over
    assert "-b" in one_over  # the small app keeps its diff


def test_single_huge_app_within_the_github_budget() -> None:
    huge = "\n".join(f"+line {i} " + "y" * 80 for i in range(5000))
    text = render_comment(_plan(_app("huge", huge)), "prod", GITHUB_COMMENT, HINT)
    assert len(text.encode()) <= GITHUB_COMMENT
    assert "diff left out to fit" in text
    assert f"the full plan is in {HINT}" in text


def test_many_small_apps_within_the_github_budget() -> None:
    apps = [_app(f"app-{i:04d}", f"-replicas: 1\n+replicas: {i}") for i in range(3000)]
    text = render_comment(_plan(*apps), "prod", GITHUB_COMMENT, HINT)
    assert len(text.encode()) <= GITHUB_COMMENT
    assert text.startswith(comment_marker("prod") + "\n")
    assert not open_fence_at_end(text)


def test_the_masker_is_a_last_pass_over_everything() -> None:
    plan = _plan(_app("api", "+token: hunter2hunter2"))
    text = render_markdown(plan, masker=Masker(["hunter2hunter2"]))
    assert "hunter2hunter2" not in text
    assert "+token: ***" in text


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=0, max_value=3000), min_size=0, max_size=30),
    ticks=st.integers(min_value=0, max_value=5),
    budget=st.integers(min_value=200, max_value=40_000),
)
def test_random_plans_never_exceed_the_budget(sizes: list[int], ticks: int, budget: int) -> None:
    apps = [_app(f"app{i}", ("`" * ticks + "é") * n) for i, n in enumerate(sizes)]
    text = render_comment(_plan(*apps), "prod", budget, HINT)
    assert len(text.encode()) <= budget
    assert not open_fence_at_end(text)
    assert text.startswith(comment_marker("prod") + "\n")


def test_the_time_is_shown_in_utc() -> None:
    plan = scenarios.no_changes()
    plan.created_at = datetime(2026, 11, 27, 10, 30, tzinfo=timezone(timedelta(hours=2)))
    assert "· planned 2026-11-27 08:30 UTC" in render_comment(plan, "prod")
