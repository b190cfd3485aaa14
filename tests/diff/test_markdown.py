"""The Markdown report: golden files a reviewer reads, fences, markers, budgets."""

from __future__ import annotations

import pytest

from sbkube_ci.diff.markdown import GITHUB_COMMENT, render_comment, render_markdown
from tests.diff import scenarios
from tests.diff.golden import assert_golden

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
