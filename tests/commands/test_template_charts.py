"""``sbkube-ci template`` on the shapes of popular public charts, rendered by the real helm."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from sbkube_ci.cli import cli
from sbkube_ci.render.normalize import load_objects
from tests.support.projects import CHART_NAMES, copy_chart


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    root = tmp_path_factory.mktemp("corpus")
    apps = {name: {"type": "helm", "chart": copy_chart(name, root)} for name in CHART_NAMES}
    config = {"apiVersion": "sbkube/v1", "settings": {"namespace": "monitoring"}, "apps": apps}
    (root / "sbkube.yaml").write_text(yaml.safe_dump(config))
    result = CliRunner().invoke(cli, ["template", "-C", str(root)])
    assert result.exit_code == 0, result.output
    out = root / ".sbkube" / "rendered" / "default"
    return {name: load_objects((out / f"{name}.yaml").read_text()) for name in CHART_NAMES}


def _find(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    return next(o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name)


def test_crds_with_the_yaml_value_type_load_as_the_string_equals(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    objects = rendered["kube-prometheus-stack"]
    crd = _find(objects, "CustomResourceDefinition", "alertmanagerconfigs.monitoring.coreos.com")
    schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    route = schema["properties"]["spec"]["properties"]["route"]
    match_type = route["properties"]["matchers"]["items"]["properties"]["matchType"]
    assert match_type["enum"] == ["!=", "=", "=~", "!~"]
    config = _find(objects, "AlertmanagerConfig", "kube-prometheus-stack-default")
    assert config["spec"]["route"]["matchers"][0]["matchType"] == "="


def test_a_huge_crd_renders_whole(rendered: dict[str, list[dict[str, Any]]]) -> None:
    crd = _find(
        rendered["kube-prometheus-stack"],
        "CustomResourceDefinition",
        "prometheuses.monitoring.coreos.com",
    )
    spec = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    assert len(spec["properties"]) == 1000
    assert spec["properties"]["field999"]["properties"]["matchType"]["enum"][1] == "="
    assert len(json.dumps(crd)) > 262_144  # too big for client-side apply's annotation


def test_hook_annotations_are_kept_for_the_deploy(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    nginx = rendered["ingress-nginx"]
    account = _find(nginx, "ServiceAccount", "ingress-nginx-ingress-nginx-admission")
    assert account["metadata"]["annotations"] == {
        "helm.sh/hook": "pre-install,pre-upgrade,post-install,post-upgrade",
        "helm.sh/hook-weight": "-5",
        "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded",
    }
    check = _find(rendered["cert-manager"], "Job", "cert-manager-startupapicheck")
    assert check["metadata"]["annotations"]["helm.sh/hook"] == "post-install"
    crds = [o for o in rendered["cert-manager"] if o["kind"] == "CustomResourceDefinition"]
    assert len(crds) == 3


def test_grafana_secret_checksums_and_json_dashboards(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    grafana = rendered["grafana"]
    secret = _find(grafana, "Secret", "grafana-grafana")
    assert len(secret["data"]["admin-password"]) == 56  # 40 random characters, base64
    annotations = _find(grafana, "Deployment", "grafana-grafana")["spec"]["template"]["metadata"][
        "annotations"
    ]
    assert set(annotations) == {"checksum/config", "checksum/secret"}
    dashboards = _find(grafana, "ConfigMap", "grafana-grafana-dashboards")["data"]
    assert json.loads(dashboards["cluster.json"])["uid"] == "cluster-overview"
    assert json.loads(dashboards["inline.json"])["title"] == "Inline"
    ini = _find(grafana, "ConfigMap", "grafana-grafana")["data"]["grafana.ini"]
    assert "root_url = %(protocol)s://%(domain)s:%(http_port)s/grafana" in ini
