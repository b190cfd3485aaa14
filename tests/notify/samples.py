"""The events the golden payloads and the tests are made of: realistic and reproducible."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sbkube_ci.notify import AppChange, Commit, Failure, Notification

WHEN = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
RUN = "https://github.com/acme/shop/actions/runs/4242424242"
PR = "https://github.com/acme/shop/pull/318"
COMMIT = Commit(
    sha="3f9c2a1e8b7d6c5f4a3b2c1d0e9f8a7b6c5d4e3f",
    message="Raise api replicas for the <Black Friday> sale & pin redis\n\nSee INC-42.",
    url="https://github.com/acme/shop/commit/3f9c2a1e8b7d6c5f4a3b2c1d0e9f8a7b6c5d4e3f",
)
DB_PASSWORD = "Hunter2-s3cret-pw"
SLACK_WEBHOOK = "https://hooks.slack.com/services/T000/B000/s3cr3tw3bh00k"


def event(**changes: Any) -> Notification:
    """A bare ``deploy_succeeded`` on prod at WHEN, with ``changes`` to its fields."""
    base: dict[str, Any] = {"kind": "deploy_succeeded", "clusters": ("prod",), "time": WHEN}
    return Notification(**{**base, **changes})


def success() -> Notification:
    return Notification(
        kind="deploy_succeeded",
        clusters=("prod",),
        apps=(
            AppChange("api", "prod", "12", "13", added=1, changed=2),
            AppChange("redis", "prod", "7", "8", changed=1),
            AppChange("worker", "prod", None, "1", added=4),
        ),
        project="shop",
        actor="alice",
        commit=COMMIT,
        pr_url=PR,
        run_url=RUN,
        duration=192.4,
        time=WHEN,
    )


def failure() -> Notification:
    """A failed deploy whose error line leaks a database password and the Slack webhook."""
    error = (
        'Error: UPGRADE FAILED: cannot patch "api-db" with kind Secret: '
        f"postgres://app:{DB_PASSWORD}@db.shop:5432/shop rejected; "
        f"notify hook {SLACK_WEBHOOK} unreachable\nsecond line that nobody reads"
    )
    return success().with_kind(
        "deploy_failed",
        failure=Failure(app="api", error=error, cluster="prod"),
        duration=61.0,
    )


def many_apps(count: int = 300) -> Notification:
    """``count`` apps over 60 clusters, long names, a long error: every limit bites."""
    clusters = tuple(f"eu-west-{i % 3 + 1}-prod-shard-{i:02d}" for i in range(60))
    apps = tuple(
        AppChange(
            name=f"payments-ledger-reconciliation-service-{i:03d}",
            cluster=clusters[i % len(clusters)],
            old_revision=f"1.{i}.0+sha.{COMMIT.sha}",
            new_revision=f"1.{i + 1}.0+sha.{COMMIT.sha[::-1]}",
            added=i % 5,
            changed=i % 7,
            deleted=i % 3,
        )
        for i in range(count)
    )
    return Notification(
        kind="deploy_failed",
        clusters=clusters,
        apps=apps,
        project="acme-commerce-platform-europe-payments-ledger-reconciliation-"
        "and-settlement-services-blue-green-rollout-2026-q4-wave-3",
        actor="release-bot",
        commit=Commit(
            sha=COMMIT.sha, message="Bump every chart " + "and more " * 600, url=COMMIT.url
        ),
        pr_url=PR,
        run_url=RUN,
        duration=3725.0,
        failure=Failure(
            app=apps[-1].name,
            error="Error: timed out waiting for the condition: " + "pod not ready; " * 400,
            cluster=apps[-1].cluster,
        ),
        detail="Deploy stopped at the first failure (settings.on_failure: stop). " * 60,
        time=WHEN,
    )
