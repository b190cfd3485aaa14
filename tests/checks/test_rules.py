"""Policy rules: each one on a violating and a complying object; the registry matches config."""

from __future__ import annotations

from typing import Any

from sbkube_ci.checks.rules import RULES
from sbkube_ci.config.sections import RULE_NAMES


def pod_owner(kind: str = "Deployment", **container: Any) -> dict[str, Any]:
    spec = {"containers": [{"name": "app", "image": "ghcr.io/acme/app:1.2.3", **container}]}
    return {"apiVersion": "apps/v1", "kind": kind, "spec": {"template": {"spec": spec}}}


def violations(rule: str, obj: dict[str, Any]) -> list[tuple[str, str]]:
    return list(RULES[rule].check(obj))


def test_the_config_names_exactly_the_rules_there_are() -> None:
    assert tuple(RULES) == RULE_NAMES


def test_no_latest_tag() -> None:
    assert violations("no-latest-tag", pod_owner()) == []
    assert violations("no-latest-tag", pod_owner(image="nginx@sha256:" + "a" * 64)) == []
    assert violations("no-latest-tag", pod_owner(image="registry:5000/app")) == [
        (
            "spec.template.spec.containers[0].image",
            "'registry:5000/app' has no tag; pin a version or a digest",
        )
    ]
    assert violations("no-latest-tag", pod_owner(image="nginx:latest"))[0][1].startswith(
        "'nginx:latest' uses :latest"
    )


def test_resources_required() -> None:
    full = {"requests": {"cpu": "100m", "memory": "64Mi"}}
    assert violations("resources-required", pod_owner(resources=full)) == []
    assert violations("resources-required", pod_owner(resources={"requests": {"cpu": "1"}})) == [
        (
            "spec.template.spec.containers[0].resources.requests",
            "no memory request; set resources.requests",
        )
    ]


def test_no_host_path_and_no_privileged_on_a_cronjob() -> None:
    spec = {
        "containers": [{"name": "c", "image": "x:1", "securityContext": {"privileged": True}}],
        "volumes": [{"name": "docker", "hostPath": {"path": "/var/run/docker.sock"}}],
    }
    job = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "spec": {"jobTemplate": {"spec": {"template": {"spec": spec}}}},
    }
    base = "spec.jobTemplate.spec.template.spec"
    assert violations("no-host-path", job) == [
        (
            f"{base}.volumes[0].hostPath",
            "volume 'docker' mounts the node's /var/run/docker.sock; use a PVC or emptyDir",
        )
    ]
    assert violations("no-privileged", job) == [
        (
            f"{base}.containers[0].securityContext.privileged",
            "privileged container; drop privileged",
        )
    ]


def test_objects_without_pods_have_nothing_to_violate() -> None:
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "data": {"image": "x:latest"}}
    assert all(violations(name, config_map) == [] for name in RULES)
