"""The reviewer's comment: provenance, what merge does, version lines, words, error state."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from sbkube_ci.config.review import OnMerge
from sbkube_ci.diff.markdown import GITHUB_COMMENT, render_comment
from sbkube_ci.diff.review_header import Review, error_comment
from sbkube_ci.diff.versions import split_image, version_changes
from tests.diff import scenarios
from tests.diff.golden import assert_golden
from tests.diff.objects import deployment, service

RUN = "https://github.com/acme/shop/actions/runs/42"
HEAD = "9e1f0c2d3b4a5968778695a4b3c2d1e0f9a8b7c6"
HINT = f"the `sbkube-plan` artifact of [this run]({RUN}) (plan.md)"


def charted(obj: dict[str, Any], chart: str) -> dict[str, Any]:
    obj = copy.deepcopy(obj)
    obj["metadata"].setdefault("labels", {})["helm.sh/chart"] = chart
    return obj


def bumped_plan() -> Any:
    redis_old = charted(deployment(name="redis", image="redis:7.2.4"), "redis-19.6.0")
    redis_new = charted(deployment(name="redis", image="redis:7.2.5"), "redis-19.6.2")
    web_old = deployment(name="web", image="nginx:1.27")
    web_new = deployment(name="web", image="nginx:1.28")
    return scenarios.plan(
        scenarios.cluster(
            "prod",
            {
                "cache": scenarios.changed("cache", [redis_old], [redis_new]),
                "web": scenarios.changed(
                    "web", [web_old, service("web")], [web_new, service("web")]
                ),
                "docs": scenarios.same("docs", service("docs")),
            },
        )
    )


def review(**on_merge: OnMerge | None) -> Review:
    return Review(commit=HEAD, run_url=RUN, on_merge=on_merge)


def test_versions_are_read_from_chart_labels_and_pod_images() -> None:
    old = [charted(deployment(image="nginx:1.27"), "my-chart-1.0.0-rc.1")]
    new = [charted(deployment(image="nginx:1.28"), "my-chart-1.1.0")]
    assert [str(c) for c in version_changes(old, new)] == [
        "chart my-chart 1.0.0-rc.1 → 1.1.0",
        "image nginx 1.27 → 1.28",
    ]
    assert version_changes(old, old) == []


def test_image_names_split_at_the_tag_not_the_registry_port() -> None:
    assert split_image("registry:5000/team/app:2.1") == ("registry:5000/team/app", "2.1")
    assert split_image("nginx") == ("nginx", "latest")
    assert split_image("nginx@sha256:" + "a" * 64) == ("nginx", "@sha256:aaaaaaaaaaaa")


def test_comment_with_version_bumps_matches_golden() -> None:
    on_merge = OnMerge(job="deploy-prod", environment="production", approval="2 reviewers")
    text = render_comment(bumped_plan(), "prod", GITHUB_COMMENT, HINT, review=review(prod=on_merge))
    assert_golden("comment_version_bumps.md", text)
    assert "- chart redis 19.6.0 → 19.6.2 (cache)" in text
    assert "- image nginx 1.27 → 1.28 (web)" in text
    assert f"Commit `{HEAD[:12]}` · [this run]({RUN}) · planned 2026-11-27 08:00 UTC" in text
    assert (
        "- `prod`: job `deploy-prod` applies this plan in environment `production`, "
        "after approval by 2 reviewers." in text
    )
    assert (
        "**2 apps change** on `prod`: no objects added, 2 changed, none deleted; 1 unchanged."
        in text
    )
    assert "state 4" not in text


def test_merge_without_declared_job_says_how_to_declare_it() -> None:
    text = render_comment(bumped_plan(), "prod", review=review(prod=None))
    assert "which job and who approves is not declared (`on_merge` of the cluster" in text
    manual = render_comment(bumped_plan(), "prod", review=review(prod=OnMerge(deploy=False)))
    assert "merging deploys nothing; this cluster is deployed by hand." in manual


def test_error_state_matches_golden() -> None:
    text = error_comment(
        "sbkube-ci plan · `prod`",
        HEAD,
        "sbkube.yaml:7:5: apps.web.chart: field required\nsecond line",
        review(),
        when=datetime(2026, 11, 27, 9, 0, tzinfo=UTC),
    )
    assert_golden("comment_error_state.md", text)
    assert f"**The plan for `{HEAD[:12]}` failed:** sbkube.yaml:7:5: apps.web.chart:" in text
    assert "second line" not in text


def test_over_budget_fallback_matches_golden_and_reads_well() -> None:
    text = render_comment(scenarios.over_budget(), "prod", GITHUB_COMMENT, HINT, review=review())
    assert_golden("comment_over_budget_fallback.md", text)
    assert len(text.encode()) <= GITHUB_COMMENT
    assert "the full plan is in the full plan is in" not in text
    assert f"the full plan is in the `sbkube-plan` artifact of [this run]({RUN})" in text
