"""diff.ignore paths: parsing (slashes, quoted dots, list items) and removal by rule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from sbkube_ci.config.sections import DiffSettings, IgnoreRule
from sbkube_ci.diff.ignore import ALL_ITEMS, apply_rules, compile_rules, parse_path
from sbkube_ci.errors import ConfigError
from tests.diff.objects import deployment, service


@pytest.mark.parametrize(
    ("path", "segments"),
    [
        (
            "spec.template.metadata.annotations.checksum/config",
            ["spec", "template", "metadata", "annotations", "checksum/config"],
        ),
        ('metadata.labels["helm.sh/chart"]', ["metadata", "labels", "helm.sh/chart"]),
        ("metadata.labels['helm.sh/chart']", ["metadata", "labels", "helm.sh/chart"]),
        ('metadata.labels."helm.sh/chart".x', ["metadata", "labels", "helm.sh/chart", "x"]),
        ("spec.containers[*].image", ["spec", "containers", ALL_ITEMS, "image"]),
        ("spec.ports[1].port", ["spec", "ports", 1, "port"]),
        ('a["say \\"hi\\""]', ["a", 'say "hi"']),
        ("status", ["status"]),
    ],
)
def test_parse_path(path: str, segments: list[Any]) -> None:
    assert parse_path(path) == segments


@pytest.mark.parametrize("path", ["", "a..b", ".a", "a.", 'a."b', "a[x]", 'a."b"c'])
def test_malformed_paths_are_refused(path: str) -> None:
    with pytest.raises(ValueError, match=r"cannot parse|empty or ends"):
        parse_path(path)


def test_a_bad_rule_is_a_config_error_naming_the_rule() -> None:
    rules = [IgnoreRule(path="status"), IgnoreRule(path="spec..x")]
    with pytest.raises(ConfigError, match=r"^sbkube.yaml: diff.ignore\[1\].path: cannot parse"):
        compile_rules(rules)


def test_rules_remove_fields_only_from_matching_objects() -> None:
    dep = deployment()
    dep["spec"]["template"]["metadata"]["annotations"] = {"checksum/config": "abc", "keep": "1"}
    dep["metadata"]["labels"]["helm.sh/chart"] = "api-1.0.0"
    svc = service()
    svc["metadata"]["labels"] = {"helm.sh/chart": "api-1.0.0"}
    rules = compile_rules(
        [
            IgnoreRule(
                kind="Deployment", path="spec.template.metadata.annotations.checksum/config"
            ),
            IgnoreRule(kind="Deploy*", name="api", path='metadata.labels["helm.sh/chart"]'),
            IgnoreRule(apiVersion="apps/v1", path="spec.template.spec.containers[*].ports"),
            IgnoreRule(kind="Deployment", name="other", path="spec.replicas"),
        ]
    )
    apply_rules(dep, rules)
    apply_rules(svc, rules)
    assert dep["spec"]["template"]["metadata"]["annotations"] == {"keep": "1"}
    assert "helm.sh/chart" not in dep["metadata"]["labels"]
    assert "ports" not in dep["spec"]["template"]["spec"]["containers"][0]
    assert dep["spec"]["replicas"] == 2  # the rule names another object
    assert svc["metadata"]["labels"] == {"helm.sh/chart": "api-1.0.0"}  # not a Deployment


def test_list_items_by_index_and_all_and_missing_paths() -> None:
    obj: dict[str, Any] = {"kind": "X", "metadata": {"name": "x"}, "items": [1, 2, 3]}
    apply_rules(obj, compile_rules([IgnoreRule(path="items[1]")]))
    assert obj["items"] == [1, 3]
    apply_rules(obj, compile_rules([IgnoreRule(path="items[7]"), IgnoreRule(path="no.such.path")]))
    assert obj["items"] == [1, 3]
    apply_rules(obj, compile_rules([IgnoreRule(path="items[*]")]))
    assert obj["items"] == []


def test_the_examples_in_the_docs_are_valid() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "diff.md").read_text()
    example = text.split("## Ignoring fields", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    settings = DiffSettings.model_validate(yaml.safe_load(example)["diff"])
    rules = compile_rules(settings.ignore)
    assert [r.path[-1] for r in rules] == ["checksum/config", "helm.sh/chart", "status", "replicas"]
