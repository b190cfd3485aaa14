"""Normalization: identity, server-managed fields, keyed lists sorted, stable YAML."""

from __future__ import annotations

import pytest
import yaml

from sbkube_ci.diff.normalize import normalize_for_diff, object_key, to_yaml
from sbkube_ci.errors import RenderError
from tests.diff.objects import deployment, service


def test_object_key_uses_the_group_not_the_version() -> None:
    old = object_key(deployment(api_version="extensions/v1beta1"))
    new = object_key(deployment(api_version="extensions/v1"))
    assert old == new == ("extensions", "Deployment", "shop", "api")
    assert object_key(service()).group == ""


def test_object_without_name_is_a_render_error_naming_where() -> None:
    with pytest.raises(RenderError, match=r"^app api: an object has no kind or metadata\.name"):
        object_key({"kind": "ConfigMap", "metadata": {}}, where="app api")


def test_server_managed_fields_are_removed() -> None:
    live = deployment()
    live["metadata"].update(
        managedFields=[{"manager": "kubectl"}],
        resourceVersion="123",
        uid="u-1",
        generation=4,
        creationTimestamp="2026-01-01T00:00:00Z",
        annotations={
            "kubectl.kubernetes.io/last-applied-configuration": "{}",
            "deployment.kubernetes.io/revision": "7",
        },
    )
    live["status"] = {"replicas": 2}
    assert normalize_for_diff(live) == deployment()


def test_kept_annotations_survive() -> None:
    obj = deployment()
    obj["metadata"]["annotations"] = {"deployment.kubernetes.io/revision": "7", "team": "shop"}
    assert normalize_for_diff(obj)["metadata"]["annotations"] == {"team": "shop"}


def test_keyed_lists_are_sorted_and_ordered_lists_kept() -> None:
    obj = deployment(env={"Z": "1", "A": "2"})
    pod = obj["spec"]["template"]["spec"]
    pod["containers"].insert(0, {"name": "zz-sidecar", "image": "envoy"})
    pod["containers"][1]["ports"] = [{"containerPort": 9090}, {"containerPort": 80}]
    pod["tolerations"] = [{"key": "b"}, {"key": "a"}]
    pod["containers"][1]["args"] = ["--z", "--a"]
    result = normalize_for_diff(obj)["spec"]["template"]["spec"]
    assert [c["name"] for c in result["containers"]] == ["api", "zz-sidecar"]
    assert [e["name"] for e in result["containers"][0]["env"]] == ["A", "Z"]
    assert [p["containerPort"] for p in result["containers"][0]["ports"]] == [80, 9090]
    assert result["tolerations"] == [{"key": "b"}, {"key": "a"}]
    assert result["containers"][0]["args"] == ["--z", "--a"]


def test_service_ports_sort_by_port_then_protocol() -> None:
    svc = service()
    svc["spec"]["ports"] = [
        {"port": 53, "protocol": "UDP"},
        {"port": 443},
        {"port": 53, "protocol": "TCP"},
    ]
    ports = normalize_for_diff(svc)["spec"]["ports"]
    assert ports == [
        {"port": 53, "protocol": "TCP"},
        {"port": 53, "protocol": "UDP"},
        {"port": 443},
    ]


def test_normalize_does_not_touch_its_input() -> None:
    obj = deployment(env={"Z": "1", "A": "2"})
    obj["status"] = {}
    normalize_for_diff(obj)
    assert "status" in obj
    assert obj["spec"]["template"]["spec"]["containers"][0]["env"][0]["name"] == "Z"


def test_yaml_is_sorted_block_style_and_multiline_strings_are_literal_blocks() -> None:
    text = to_yaml({"b": {"y": 1, "x": [1, 2]}, "a": "line 1\nline 2\n", "c": "x" * 300})
    assert text.splitlines()[:3] == ["a: |", "  line 1", "  line 2"]
    assert "{" not in text
    assert "  x:\n  - 1\n  - 2\n  y: 1\n" in text
    assert ("c: " + "x" * 300) in text  # never wrapped
    assert yaml.safe_load(text)["a"] == "line 1\nline 2\n"
