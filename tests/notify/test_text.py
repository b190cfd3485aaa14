"""Shared wording: titles, cluster lists and the one cutting rule."""

from __future__ import annotations

from sbkube_ci.notify import AppChange, Notification
from sbkube_ci.notify.text import clusters_text, cut_text, more_apps, revision_change, title
from tests.notify import samples


def test_cut_text_keeps_text_at_the_limit_and_cuts_one_over() -> None:
    assert cut_text("abcde", 5) == "abcde"
    assert cut_text("abcdef", 5) == "abcd…"
    assert len(cut_text("x" * 10_000, 150)) == 150


def test_titles_say_what_happened_where() -> None:
    assert title(samples.success()) == "✅ Deployed shop to prod"
    assert title(samples.failure()) == "❌ Deploy of shop to prod failed"
    started = samples.success().with_kind("deploy_started")
    assert title(started) == "🚀 Deploying shop to prod…"
    drift = Notification("drift_detected", ("staging", "prod"), time=samples.WHEN)
    assert title(drift) == "⚠️ Drift detected on staging, prod"


def test_many_clusters_are_counted_not_listed() -> None:
    assert clusters_text(("a", "b", "c")) == "a, b, c"
    assert clusters_text(("a", "b", "c", "d")) == "4 clusters"


def test_revision_change_names_new_and_removed_apps() -> None:
    assert revision_change(AppChange("api", "prod", None, "1")) == "new → 1"
    assert revision_change(AppChange("api", "prod", "4", None)) == "4 → removed"
    assert more_apps(1) == "… and 1 more app"
    assert more_apps(7) == "… and 7 more apps"
