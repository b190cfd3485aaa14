"""How long the diff step takes for 1000 apps x 5 objects: one app changed vs all changed.

Run from the repository root: ``python bench/bench_diff.py``. Prints times measured in this
one run and their ratios; nothing is asserted (times depend on the machine).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sbkube_ci.diff.engine import AppRender, AppSnapshot, DiffOptions, plan_cluster
from sbkube_ci.diff.markdown import GITHUB_COMMENT, render_comment
from sbkube_ci.diff.mask import Masker
from sbkube_ci.plan_model import ClusterPlan, Plan

APPS = 1000
Apps = dict[str, tuple[AppRender | None, AppSnapshot | None]]


def _objects(app: str, image_tag: str) -> list[dict[str, Any]]:
    meta = {"name": app, "namespace": "shop", "labels": {"app": app, "tier": "web"}}
    container = {
        "name": app,
        "image": f"ghcr.io/acme/{app}:{image_tag}",
        "env": [{"name": f"VAR_{i}", "value": f"value-{i}"} for i in range(10)],
        "ports": [{"containerPort": 8080, "name": "http"}],
    }
    return [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": meta,
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": app}},
                "template": {
                    "metadata": {"labels": {"app": app}},
                    "spec": {"containers": [container]},
                },
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": meta,
            "spec": {"ports": [{"port": 80, "targetPort": "http"}], "selector": {"app": app}},
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": meta,
            "data": {"app.conf": "".join(f"key{i} = {i}\n" for i in range(40))},
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": meta,
            "data": {"password": "c2VjcmV0LXZhbHVl", "user": "YXBw"},
        },
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta},
    ]


def _apps(changed: Callable[[int], bool]) -> Apps:
    apps: Apps = {}
    for i in range(APPS):
        name = f"app-{i:04d}"
        new_tag = "2.0" if changed(i) else "1.0"
        apps[name] = (
            AppRender(_objects(name, new_tag), render_digest=f"sha256:{name}-{new_tag}"),
            AppSnapshot(_objects(name, "1.0"), render_digest=f"sha256:{name}-1.0"),
        )
    return apps


def _time(apps: Apps, options: DiffOptions, masker: Masker) -> tuple[float, ClusterPlan]:
    """The best of 3 runs: the machine is shared, the minimum is the least disturbed."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        cluster = plan_cluster("prod", apps, state_revision="r1", options=options, masker=masker)
        best = min(best, time.perf_counter() - start)
    return best, cluster


def main() -> None:
    options = DiffOptions()
    masker = Masker(["hunter2-not-in-any-manifest"], mask_env=["DB_PASSWORD"])
    one_changed = _apps(lambda i: i == 0)
    all_changed = _apps(lambda i: True)
    # Same objects but no digests: every app is loaded and compared object by object.
    no_digest = {
        n: (AppRender(r.objects), AppSnapshot(s.objects))
        for n, (r, s) in _apps(lambda i: False).items()
        if r and s
    }
    t_one, _ = _time(one_changed, options, masker)
    t_none, _ = _time(no_digest, options, masker)
    t_all, cluster = _time(all_changed, options, masker)
    start = time.perf_counter()
    comment = render_comment(Plan(clusters=[cluster]), "prod", GITHUB_COMMENT, "artifact")
    t_md = time.perf_counter() - start
    print(f"{APPS} apps x 5 objects")
    print(f"  1 app changed (others short-circuit on render digest): {t_one * 1000:8.1f} ms")
    print(f"  0 changed, no digests (every object compared):         {t_none * 1000:8.1f} ms")
    print(f"  all {APPS} apps changed (normalize, mask, dump, diff):  {t_all * 1000:8.1f} ms")
    print(
        f"  markdown comment of the all-changed plan (65,536 B):    {t_md * 1000:8.1f} ms"
        f"  ({len(comment.encode())} bytes)"
    )
    print(
        f"  ratio all changed / 1 changed: {t_all / t_one:.0f}x; "
        f"per changed app: {t_all / APPS * 1000:.2f} ms"
    )


if __name__ == "__main__":
    main()
