"""Schema check: objects against Kubernetes' schema for the target version and project CRDs."""

from __future__ import annotations

from typing import Any

import pytest

from sbkube_ci.checks.api_schema import SchemaCheck
from sbkube_ci.checks.crds import crd_schemas, crd_validator
from sbkube_ci.checks.schemas import Gvk, SchemaLibrary, parse_version
from sbkube_ci.errors import ConfigError
from tests.support import objects
from tests.support.objects import object_schema

LIBRARY = SchemaLibrary()


def deployment(**spec: Any) -> dict[str, Any]:
    """Deployment ``web`` as a chart renders it (``annotations:`` empty), ``spec`` merged in."""
    obj = objects.deployment(
        "web", namespace="shop", container="web", ports=[{"containerPort": 80}]
    )
    obj["metadata"]["annotations"] = None
    obj["spec"].update(spec)
    return obj


def crd() -> dict[str, Any]:
    dns_names = {"type": "array", "items": {"type": "string"}}
    duration = {"type": "string", "pattern": "^[0-9]+h$"}
    schema = object_schema(dnsNames=dns_names, duration=duration)
    schema["properties"]["spec"]["required"] = ["dnsNames"]
    return objects.crd("Certificate", "example.io", schema=schema)


def check(obj: dict[str, Any], crds: dict[Gvk, Any] | None = None) -> list[tuple[str, str]]:
    kubernetes, _ = LIBRARY.for_version((1, 33))
    outcome = SchemaCheck(kubernetes, crds or {}, crd_validator()).check(obj)
    return [(p.path, p.message) for p in outcome.problems]


def test_a_valid_deployment_has_no_problems() -> None:
    assert check(deployment()) == []


def test_each_problem_is_reported_with_its_field_path() -> None:
    broken = deployment(replicas="3")
    container = broken["spec"]["template"]["spec"]["containers"][0]
    container["ports"][0]["protocl"] = "TCP"  # a typo: dropped or rejected by the API server
    del container["name"]

    assert check(broken) == [
        ("spec.replicas", 'expected integer, got string "3"'),
        ("spec.template.spec.containers[0].name", "required field is missing"),
        ("spec.template.spec.containers[0].ports[0].protocl", "unknown field"),
    ]


def test_a_manifest_s_status_is_not_checked() -> None:
    assert check({**deployment(), "status": {"replicas": "many", "bogus": 1}}) == []


def test_a_kind_kubernetes_does_not_serve_in_its_own_group_is_an_error() -> None:
    obj = {"apiVersion": "apps/v1", "kind": "Deploymnet", "metadata": {"name": "x"}}
    assert check(obj) == [("", "Kubernetes 1.33 serves no apps/v1 Deploymnet")]


def test_a_secret_s_values_are_never_quoted() -> None:
    obj = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "immutable": "hunter2"}
    assert check(obj) == [("immutable", "expected boolean, got a string")]


def test_crds_of_the_project_are_schemas_for_their_custom_resources() -> None:
    crds = crd_schemas([crd()])
    good = {
        "apiVersion": "example.io/v1",
        "kind": "Certificate",
        "metadata": {"name": "www"},
        "spec": {"dnsNames": ["www.example.com"], "duration": "24h"},
    }
    bad = {**good, "spec": {"duration": "1 day", "dnsName": "x"}}

    assert check(good, crds) == []
    assert check(bad, crds) == [
        ("spec.dnsNames", "required field is missing"),
        ("spec.duration", 'string "1 day" does not match ^[0-9]+h$'),
        ("spec.dnsName", "unknown field"),
    ]


def test_custom_resources_without_a_crd_are_not_checked() -> None:
    kubernetes, _ = LIBRARY.for_version((1, 33))
    obj = {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor", "spec": {"x": 1}}
    outcome = SchemaCheck(kubernetes, {}, crd_validator()).check(obj)
    assert outcome.problems == ()
    assert (
        outcome.not_checked == "no CRD for monitoring.coreos.com/v1 ServiceMonitor in the project"
    )


def test_the_version_checked_against_is_the_newest_not_after_the_target() -> None:
    shipped = list(LIBRARY.versions)
    newest = shipped[-1]
    schemas, note = LIBRARY.for_version((newest[0], newest[1] + 5))
    assert schemas.version == newest
    assert "checked against" in note
    schemas, note = LIBRARY.for_version(shipped[0])
    assert (schemas.version, note) == (shipped[0], "")
    schemas, note = LIBRARY.for_version(None)
    assert schemas.version == newest
    assert "set clusters.<name>.kube_version" in note


@pytest.mark.parametrize(
    ("text", "expected"), [("1.33.0", (1, 33)), ("v1.30", (1, 30)), ("1.29.4-eks-1", (1, 29))]
)
def test_kube_versions_are_read_as_major_minor(text: str, expected: tuple[int, int]) -> None:
    assert parse_version(text, "clusters.prod.kube_version") == expected


def test_a_bad_kube_version_is_a_config_error_naming_the_field() -> None:
    with pytest.raises(
        ConfigError, match=r"clusters.prod.kube_version: 'latest' is not a Kubernetes version"
    ):
        parse_version("latest", "clusters.prod.kube_version")
