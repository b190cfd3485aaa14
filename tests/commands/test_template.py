"""``sbkube-ci template`` through the CLI: exit codes, output files, one-line errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from sbkube_ci.cli import cli
from sbkube_ci.render.normalize import load_objects
from tests.support.projects import CHART_NAMES, copy_chart

ROOT = Path(__file__).resolve().parents[2]
TOOLS = Path(sys.executable).parent


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{TOOLS}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("SBKUBE_CACHE_DIR", None)
    return subprocess.run(
        [sys.executable, "-m", "sbkube_ci", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def quickstart(tmp_path: Path) -> Path:
    copy = tmp_path / "quickstart"
    shutil.copytree(ROOT / "examples/quickstart", copy, ignore=shutil.ignore_patterns(".sbkube"))
    return copy


def test_quickstart_renders(tmp_path: Path) -> None:
    project = quickstart(tmp_path)
    result = run_cli("template", "-C", str(project))
    assert result.returncode == 0, result.stderr
    web = project / ".sbkube/rendered/staging/web.yaml"
    assert web.is_file()
    assert "kind: Deployment" in web.read_text()
    assert "replicas: 2" in web.read_text()
    assert "replicas: 3" in (project / ".sbkube/rendered/prod/web.yaml").read_text()
    assert "staging/web: rendered sha256:" in result.stdout
    again = run_cli("template", "-C", str(project))
    assert again.returncode == 0
    assert "4 app render(s), 0 rendered, 4 from cache, 0 failed" in again.stdout


def test_json_output_and_selection(tmp_path: Path) -> None:
    project = quickstart(tmp_path)
    result = run_cli(
        "template", "-C", str(project), "--app", "web", "--cluster", "prod", "--format", "json"
    )
    assert result.returncode == 0, result.stderr
    assert '"cluster": "prod"' in result.stdout
    assert '"app": "config"' not in result.stdout
    assert not (project / ".sbkube/rendered/staging").exists()


def test_failure_is_one_line_and_keep_going_exits_1(tmp_path: Path) -> None:
    project = quickstart(tmp_path)
    broken = project / "charts/web/templates/broken.yaml"
    broken.write_text("{{ .Values.nothing.here }}\n")
    stop = run_cli("template", "-C", str(project))
    assert stop.returncode == 1
    assert stop.stderr.startswith("error: apps.web on cluster ")
    assert "helm template failed: " in stop.stderr
    assert "failed: Error" not in stop.stderr  # helm's own "Error:" is not repeated
    assert stop.stderr.count("\n") == 1
    going = run_cli("template", "-C", str(project), "--keep-going")
    assert going.returncode == 1
    assert going.stderr.count("error: apps.web on cluster") == 2
    assert (project / ".sbkube/rendered/staging/config.yaml").is_file()
    assert (project / ".sbkube/rendered/prod/config.yaml").is_file()


def test_changed_since_with_nothing_changed(tmp_path: Path) -> None:
    project = quickstart(tmp_path)
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "init"]):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@e.com", *args],
            cwd=project,
            check=True,
        )
    result = run_cli("template", "-C", str(project), "--changed-since", "HEAD")
    assert result.returncode == 0, result.stderr
    assert "no app changed since HEAD" in result.stdout
    (project / "manifests/configmap.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web-config}\ndata: {a: b}\n"
    )
    changed = run_cli("template", "-C", str(project), "--changed-since", "HEAD")
    assert changed.returncode == 0, changed.stderr
    rendered = sorted(line.split(":")[0] for line in changed.stdout.splitlines()[:-1])
    assert rendered == ["prod/config", "prod/web", "staging/config", "staging/web"]


# -- the shapes of popular public charts ----------------------------------------------------------
# ``sbkube-ci template`` on the shapes of popular public charts, rendered by the real helm.


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
