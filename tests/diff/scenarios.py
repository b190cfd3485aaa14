"""Plans of typical pull requests, built through the real engine, for golden and leak tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sbkube_ci.diff.engine import AppRender, AppSnapshot, DiffOptions, plan_cluster
from sbkube_ci.diff.mask import Masker
from sbkube_ci.plan_model import ClusterPlan, Plan
from tests.diff.objects import config_map, crd, deployment, hook_job, secret, service

NEW_IMAGE = "ghcr.io/acme/api:1.5.0"
CREATED = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
COMMIT = "3f9c2a7e1b5d40c8a9e6f1d2b3c4a5e6f7a8b9c0"

Apps = dict[str, tuple[AppRender | None, AppSnapshot | None]]


def same(name: str, *objects: dict[str, Any]) -> tuple[AppRender, AppSnapshot]:
    """An app whose render digest equals the deployed one."""
    digest = f"sha256:{name}-1"
    return AppRender(list(objects), render_digest=digest), AppSnapshot(
        list(objects), render_digest=digest
    )


def changed(
    name: str, old: list[dict[str, Any]], new: list[dict[str, Any]]
) -> tuple[AppRender, AppSnapshot]:
    return (
        AppRender(new, render_digest=f"sha256:{name}-2", source={"chart": f"acme/{name}"}),
        AppSnapshot(old, render_digest=f"sha256:{name}-1"),
    )


def cluster(
    name: str, apps: Apps, masker: Masker | None = None, options: DiffOptions | None = None
) -> ClusterPlan:
    return plan_cluster(
        name,
        apps,
        state_revision="b7e4d1c09a2f66e1",
        options=options if options is not None else DiffOptions(),
        masker=masker if masker is not None else Masker(),
    )


def plan(*clusters: ClusterPlan) -> Plan:
    return Plan(created_at=CREATED, commit=COMMIT, clusters=list(clusters))


def no_changes() -> Plan:
    return plan(
        cluster("prod", {"api": same("api", deployment()), "web": same("web", service("web"))})
    )


def one_app_changed() -> Plan:
    old = [deployment(), service(), hook_job()]
    new = [
        deployment(image=NEW_IMAGE, replicas=3),
        service(),
        hook_job(image="api:2"),
    ]
    return plan(
        cluster("prod", {"api": changed("api", old, new), "web": same("web", service("web"))})
    )


def secret_changed() -> Plan:
    masker = Masker(mask_env=["DB_PASSWORD"])
    old = [
        secret("db", data={"username": "shop", "password": "old-pass-1234"}),
        deployment("db-client", env={"DB_PASSWORD": "old-pass-1234", "DB_HOST": "db"}),
    ]
    new = [
        secret("db", data={"username": "shop", "password": "new-pass-5678", "tls.key": "KEY"}),
        deployment("db-client", env={"DB_PASSWORD": "new-pass-5678", "DB_HOST": "db"}),
    ]
    return plan(cluster("prod", {"db": changed("db", old, new)}, masker))


def crd_added() -> Plan:
    new = [crd(), deployment("crontab-operator", namespace="operators")]
    render = AppRender(new, render_digest="sha256:op-1", source={"chart": "acme/crontab"})
    return plan(cluster("prod", {"crontab-operator": (render, None)}))


def app_deleted() -> Plan:
    old = [deployment("legacy"), service("legacy"), config_map("legacy", mode="compat")]
    return plan(
        cluster(
            "prod",
            {
                "legacy": (None, AppSnapshot(old, render_digest="sha256:legacy-1")),
                "api": same("api", deployment()),
            },
        )
    )


def over_budget() -> Plan:
    """One app whose diff alone is larger than a GitHub comment, and two small ones."""
    big_old = config_map("catalog", data="".join(f"item-{i}: {i}\n" for i in range(6000)))
    big_new = config_map("catalog", data="".join(f"item-{i}: {i * 2}\n" for i in range(6000)))
    return plan(
        cluster(
            "prod",
            {
                "catalog": changed("catalog", [big_old], [big_new]),
                "api": changed("api", [deployment()], [deployment(image=NEW_IMAGE)]),
                "web": changed("web", [service("web")], [service("web", port=8080)]),
            },
        )
    )


def two_clusters() -> Plan:
    """plan.md of a change rolled to staging and prod, prod on a newer Helm."""
    staging = cluster(
        "staging",
        {"api": changed("api", [deployment()], [deployment(image=NEW_IMAGE)])},
    )
    render = AppRender(
        [deployment(image=NEW_IMAGE)],
        render_digest="sha256:api-2",
        helm_version="v3.18.4",
    )
    snapshot = AppSnapshot([deployment()], render_digest="sha256:api-1", helm_version="v3.14.2")
    return plan(staging, cluster("prod", {"api": (render, snapshot)}))
