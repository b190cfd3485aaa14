"""Terminal text: the same facts as the Markdown report, plain or coloured, masked."""

from __future__ import annotations

from sbkube_ci.diff.mask import Masker
from sbkube_ci.diff.text import render_text
from sbkube_ci.plan_model import AppPlan, ClusterPlan, Plan
from tests.diff import scenarios
from tests.diff.golden import assert_golden


def test_one_app_changed_matches_golden() -> None:
    assert_golden("text_one_app_changed.txt", render_text(scenarios.one_app_changed()))


def test_no_changes_says_so() -> None:
    text = render_text(scenarios.no_changes())
    assert text.splitlines()[-1] == "No changes."
    assert "0 of 2 apps change" in text


def test_colours_mark_added_removed_and_hunks_only_when_asked() -> None:
    plain = render_text(scenarios.one_app_changed())
    coloured = render_text(scenarios.one_app_changed(), color=True)
    assert "\033[" not in plain
    assert "\033[32m        +  replicas: 3\033[0m" in coloured
    assert "\033[31m        -  replicas: 2\033[0m" in coloured
    assert "\033[36m        @@ -6,7 +6,7 @@\033[0m" in coloured
    assert "\033[32m" not in coloured.splitlines()[0]


def test_errors_and_notes_are_shown_and_masked() -> None:
    app = AppPlan(name="api", action="unchanged", error="bad token hunter2hunter2")
    plan = Plan(clusters=[ClusterPlan(name="prod", state_revision=None, apps=[app])])
    text = render_text(plan, masker=Masker(["hunter2hunter2"]))
    assert "! api: failed to render: bad token ***" in text
    assert "(nothing deployed yet)" in text
    assert "No changes." not in text
    assert "note: rendered with Helm v3.18.4" in render_text(scenarios.two_clusters())
