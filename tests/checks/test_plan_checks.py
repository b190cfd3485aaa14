"""Checks inside ``plan``: a real helm chart, the local state backend, the plan's outputs."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from sbkube_ci.ci.junit import check_outcomes
from sbkube_ci.commands.plan import plan
from sbkube_ci.config import load_project
from sbkube_ci.plan_model import CheckFinding
from sbkube_ci.planning.engine import make_plan
from tests.commands.test_plan import record_deployed

SECRET_TEMPLATE = """\
apiVersion: v1
kind: Secret
metadata:
  name: {{ .Release.Name }}-admin
type: Opaque
data:
  {{- if .Values.auth.adminPassword }}
  admin-password: {{ .Values.auth.adminPassword | b64enc | quote }}
  {{- else }}
  admin-password: {{ randAlphaNum 16 | b64enc | quote }}
  {{- end }}
"""
DEPLOYMENT_TEMPLATE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels: {app: dash}
  template:
    metadata:
      labels: {app: dash}
      annotations:
        checksum/secret: {{ include (print $.Template.BasePath "/secret.yaml") . | sha256sum }}
    spec:
      containers:
        - name: dash
          image: {{ .Values.image }}
"""
PDB = """\
apiVersion: policy/v1beta1
kind: PodDisruptionBudget
metadata: {name: legacy}
spec: {minAvailable: 1, selector: {matchLabels: {app: legacy}}}
"""
BROKEN = """\
apiVersion: v1
kind: Service
metadata: {name: broken}
spec:
  ports: [{port: "http"}]
  tpye: ClusterIP
"""


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    chart = tmp_path / "charts" / "dash"
    write(chart / "Chart.yaml", "apiVersion: v2\nname: dash\nversion: 0.1.0\n")
    write(chart / "values.yaml", "replicaCount: 1\nimage: ghcr.io/acme/dash:latest\nauth: {}\n")
    write(chart / "templates" / "secret.yaml", SECRET_TEMPLATE)
    write(chart / "templates" / "deployment.yaml", DEPLOYMENT_TEMPLATE)
    write(tmp_path / "values" / "dash.yaml", "replicaCount: 1\n")
    write(tmp_path / "manifests" / "pdb.yaml", PDB)
    write(tmp_path / "manifests" / "broken.yaml", BROKEN)
    write(
        tmp_path / "sbkube.yaml",
        """\
        apiVersion: sbkube/v1
        settings: {namespace: tools}
        apps:
          dash: {type: helm, chart: ./charts/dash, values: [values/dash.yaml]}
          legacy: {type: yaml, manifests: [manifests/pdb.yaml]}
          broken: {type: yaml, manifests: [manifests/broken.yaml]}
        clusters:
          prod: {context: prod, kube_version: "1.33.0"}
        state: {backend: local}
        """,
    )
    return tmp_path


def findings(directory: Path, check: str) -> list[CheckFinding]:
    outcome = make_plan(load_project(directory))
    return [f for f in outcome.plan.cluster("prod").checks if f.check == check]


def test_objects_that_break_the_schema_are_errors_with_their_paths(project: Path) -> None:
    found = [(f.app, f.object, f.path, f.message) for f in findings(project, "schema")]
    assert (
        "broken",
        "Service tools/broken",
        "spec.ports[0].port",
        'expected integer, got string "http"',
    ) in found
    assert ("broken", "Service tools/broken", "spec.tpye", "unknown field") in found


def test_a_removed_api_for_the_target_version_is_an_error(project: Path) -> None:
    (found,) = findings(project, "deprecated-api")
    assert (found.severity, found.app, found.object) == (
        "error",
        "legacy",
        "PodDisruptionBudget tools/legacy",
    )
    assert found.message.startswith(
        "policy/v1beta1 PodDisruptionBudget was removed in 1.25; use policy/v1"
    )
    # the schema check does not report the same object a second time
    assert not [f for f in findings(project, "schema") if f.app == "legacy"]


def test_strict_turns_check_errors_into_exit_1(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    common = {"clusters": (), "apps": (), "live": False, "out": None, "output_format": "text"}
    assert plan(project, None, **common) == 2  # type: ignore[arg-type]
    assert plan(project, None, strict=True, **common) == 1  # type: ignore[arg-type]
    out = capsys.readouterr().out
    assert "checks (schema, deprecated-api, random-render): 3 errors, 2 warnings" in out
    assert "! deprecated-api: legacy: PodDisruptionBudget tools/legacy: policy/v1beta1" in out


def test_rules_run_only_when_switched_on(project: Path) -> None:
    assert findings(project, "no-latest-tag") == []
    config = project / "sbkube.yaml"
    config.write_text(config.read_text() + "checks: {rules: [no-latest-tag]}\n")
    outcome = make_plan(load_project(project))
    cluster = outcome.plan.cluster("prod")
    assert cluster.checks_run[-1] == "no-latest-tag"
    (found,) = [f for f in cluster.checks if f.check == "no-latest-tag"]
    assert (found.app, found.path) == ("dash", "spec.template.spec.containers[0].image")
    (case,) = [c for c in check_outcomes(cluster) if c.app == "checks/no-latest-tag"]
    assert "'ghcr.io/acme/dash:latest' uses :latest" in case.error


def test_checks_switched_off_do_not_run(project: Path) -> None:
    config = project / "sbkube.yaml"
    off = "checks: {schemas: false, deprecated_apis: false, random_renders: false}\n"
    config.write_text(config.read_text() + off)
    cluster = make_plan(load_project(project)).plan.cluster("prod")
    assert (cluster.checks_run, cluster.checks) == ([], [])


def test_random_chart_fields_are_named_with_the_values_that_pin_them(project: Path) -> None:
    found = {f.path: f for f in findings(project, "random-render")}
    assert set(found) == {
        "data.admin-password",
        'spec.template.metadata.annotations["checksum/secret"]',
    }
    assert found["data.admin-password"].message == (
        "random in the chart: set `auth.adminPassword` to pin it"
    )
    assert found['spec.template.metadata.annotations["checksum/secret"]'].message == (
        "random in the chart (a checksum of templates/secret.yaml): "
        "set `auth.adminPassword` to pin it"
    )
    assert {f.severity for f in found.values()} == {"warning"}


def test_an_identical_replan_shows_no_change_and_still_names_the_values(project: Path) -> None:
    record_deployed(project, "prod")
    shutil.rmtree(project / ".sbkube" / "cache", ignore_errors=True)  # a fresh CI runner
    shutil.rmtree(project / ".sbkube" / "checks", ignore_errors=True)

    outcome = make_plan(load_project(project))

    dash = next(a for a in outcome.plan.cluster("prod").apps if a.name == "dash")
    assert dash.action == "unchanged"
    random = [f for f in outcome.plan.cluster("prod").checks if f.check == "random-render"]
    assert {f.path for f in random} == {
        "data.admin-password",
        'spec.template.metadata.annotations["checksum/secret"]',
    }
    assert "set `auth.adminPassword` to pin it" in random[0].message


def test_random_fields_never_count_as_changes(project: Path) -> None:
    record_deployed(project, "prod")
    write(project / "values" / "dash.yaml", "replicaCount: 2\n")  # a real change, re-rendered

    outcome = make_plan(load_project(project))

    dash = next(a for a in outcome.plan.cluster("prod").apps if a.name == "dash")
    assert dash.action == "update"
    changed = [o for o in dash.objects if o.action != "unchanged"]
    assert [o.kind for o in changed] == ["Deployment"]
    assert "replicas: 2" in changed[0].diff
    assert "checksum" not in changed[0].diff


def test_a_warm_plan_reuses_the_findings_of_unchanged_renders(project: Path) -> None:
    first = make_plan(load_project(project)).plan.cluster("prod").checks
    cache = project / ".sbkube" / "checks" / "prod.json"
    stamp = cache.stat().st_mtime_ns
    again = make_plan(load_project(project)).plan.cluster("prod").checks
    assert again == first
    assert cache.stat().st_mtime_ns == stamp  # nothing was re-checked, so nothing written


def test_a_plan_of_some_apps_keeps_the_others_cached_findings(project: Path) -> None:
    make_plan(load_project(project))
    cache = project / ".sbkube" / "checks" / "prod.json"
    make_plan(load_project(project), apps=["dash"])
    assert '"legacy"' in cache.read_text()


CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: backups.example.io}
spec:
  group: example.io
  names: {kind: Backup, plural: backups}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                schedule: {type: %s}
"""
BACKUP = """\
apiVersion: example.io/v1
kind: Backup
metadata: {name: nightly}
spec: {schedule: "0 3 * * *"}
"""


def test_a_crd_change_in_one_app_rechecks_the_custom_resources_of_another(
    tmp_path: Path,
) -> None:
    write(tmp_path / "crds" / "backup.yaml", CRD % "integer")
    write(tmp_path / "backups" / "nightly.yaml", BACKUP)
    write(
        tmp_path / "sbkube.yaml",
        """\
        apiVersion: sbkube/v1
        apps:
          operator: {type: yaml, manifests: [crds/backup.yaml]}
          backups: {type: yaml, manifests: [backups/nightly.yaml]}
        clusters: {prod: {context: prod, kube_version: "1.33.0"}}
        """,
    )
    (found,) = findings(tmp_path, "schema")
    assert (found.app, found.object, found.path) == (
        "backups",
        "Backup.example.io default/nightly",
        "spec.schedule",
    )
    assert found.message == 'expected integer, got string "0 3 * * *"'

    write(tmp_path / "crds" / "backup.yaml", CRD % "string")  # only the other app changes
    assert findings(tmp_path, "schema") == []


DASHBOARD_HELPERS = """\
{{- define "dash.secretsData" -}}
{{- if and (not .Values.admin.existingSecret) (not .Values.env.ADMIN_PASSWORD) }}
admin-user: {{ .Values.adminUser | b64enc | quote }}
{{- if .Values.adminPassword }}
admin-password: {{ .Values.adminPassword | b64enc | quote }}
{{- else }}
admin-password: {{ include "dash.password" . }}
{{- end }}
{{- end }}
{{- end }}

{{- define "dash.password" -}}
{{- $secret := (lookup "v1" "Secret" .Release.Namespace "dash") -}}
{{- if $secret -}}
{{- index $secret "data" "admin-password" -}}
{{- else -}}
{{- (randAlphaNum 40) | b64enc | quote -}}
{{- end -}}
{{- end -}}
"""
DASHBOARD_SECRET = """\
apiVersion: v1
kind: Secret
metadata:
  name: {{ .Release.Name }}
data:
  {{- include "dash.secretsData" . | nindent 2 }}
"""


def test_values_are_found_through_helpers_as_a_dashboard_chart_writes_them(
    project: Path,
) -> None:
    templates = project / "charts" / "dash" / "templates"
    write(templates / "_helpers.tpl", DASHBOARD_HELPERS)
    write(templates / "secret.yaml", DASHBOARD_SECRET)
    write(
        project / "charts" / "dash" / "values.yaml",
        "replicaCount: 1\nimage: x:1\nadminUser: admin\nadmin: {}\nenv: {}\n",
    )

    found = {f.path: f.message for f in findings(project, "random-render")}

    pins = "set `adminPassword` or `admin.existingSecret` or `env.ADMIN_PASSWORD` to pin it"
    assert found == {
        "data.admin-password": f"random in the chart: {pins}",
        'spec.template.metadata.annotations["checksum/secret"]': (
            f"random in the chart (a checksum of templates/secret.yaml): {pins}"
        ),
    }
