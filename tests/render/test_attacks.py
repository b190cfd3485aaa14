"""Render-time defences: nothing read from outside the project, no ``${VAR}`` left literal.

``validate`` refuses these values up front (tests/config/test_refusals.py); the project is
changed after loading here, as a symlink or an edited lock could, to show that the stages
refuse them again on their own, with real helm and kubectl.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sbkube_ci.config import Project
from sbkube_ci.config.apps import HelmApp, YamlApp
from sbkube_ci.deploy.helm_release import HelmReleases, UpgradeRequest
from sbkube_ci.errors import DeployError, RenderError, SbkubeError
from sbkube_ci.render import render_project
from sbkube_ci.render.helm import Helm, TemplateRequest
from sbkube_ci.render.tools import ToolVersions
from tests.render.conftest import CHART_FILES
from tests.support.projects import write_files

MakeProject = Callable[[dict[str, str]], Project]
STOLEN = "stolen-runner-secret-0451"

SET_VALUES = {
    **CHART_FILES,
    "sbkube.yaml": """
        apiVersion: sbkube/v1
        apps:
          web:
            type: helm
            chart: ./charts/app
            set_values:
              config.greeting: ${GREETING_FOR_TEST}
              config.color: "$${NOT_EXPANDED}"
    """,
}


def _outside(project_root: Path) -> Path:
    outside = project_root.parent / "outside"
    outside.mkdir(exist_ok=True)
    (outside / "secret.yaml").write_text(f"config: {{greeting: {STOLEN}}}\n")
    return outside


def _rendered(project: Project) -> str:
    return "".join(p.read_text() for p in (project.base_dir / ".sbkube").rglob("*.yaml"))


def test_set_values_expand_environment_variables(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GREETING_FOR_TEST", "hello-from-ci")
    project = make_project(SET_VALUES)
    result = render_project(project)
    assert result.ok, result.errors
    text = result.apps[("default", "web")].text
    assert "greeting: hello-from-ci" in text
    assert 'color: "${NOT_EXPANDED}"' in text  # $${...} is the escape for a literal ${...}


def test_an_unset_variable_in_set_values_is_an_error_naming_it(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GREETING_FOR_TEST", raising=False)
    project = make_project(SET_VALUES)
    with pytest.raises(SbkubeError) as err:
        render_project(project)
    assert str(err.value) == (
        "apps.web.set_values.config.greeting: environment variable GREETING_FOR_TEST is not "
        "set; add it as a CI secret and expose it to this job (write $${...} for a literal "
        "${...})"
    )
    assert "GREETING_FOR_TEST" not in _rendered(project)


def test_a_values_file_swapped_for_a_symlink_after_validation_is_not_read(
    make_project: MakeProject,
) -> None:
    project = make_project(
        {
            **CHART_FILES,
            "values/web.yaml": "replicas: 2\n",
            "sbkube.yaml": """
                apiVersion: sbkube/v1
                apps:
                  web: {type: helm, chart: ./charts/app, values: [values/web.yaml]}
            """,
        }
    )
    outside = _outside(project.base_dir)
    values = project.base_dir / "values" / "web.yaml"
    values.unlink()
    values.symlink_to(outside / "secret.yaml")
    with pytest.raises(SbkubeError) as err:
        render_project(project)
    assert str(err.value).startswith("apps.web.values[0]: values/web.yaml is outside the project")
    assert STOLEN not in _rendered(project)


def test_a_symlink_into_a_local_chart_after_validation_is_not_read(
    make_project: MakeProject,
) -> None:
    project = make_project(
        {
            **CHART_FILES,
            "sbkube.yaml": "apiVersion: sbkube/v1\napps:\n  web: {type: helm, chart: ./charts/app}",
        }
    )
    outside = _outside(project.base_dir)
    (project.base_dir / "charts/app/templates/leak.yaml").symlink_to(outside / "secret.yaml")
    with pytest.raises(SbkubeError) as err:
        render_project(project)
    assert "leak.yaml is a symlink that points outside the project directory" in str(err.value)
    assert STOLEN not in _rendered(project)


def test_manifest_paths_out_of_the_project_are_not_read(make_project: MakeProject) -> None:
    project = make_project(
        {
            "manifests/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
            "sbkube.yaml": """
                apiVersion: sbkube/v1
                apps:
                  m: {type: yaml, manifests: [manifests/cm.yaml]}
            """,
        }
    )
    _outside(project.base_dir)
    app = project.config.apps["m"]
    assert isinstance(app, YamlApp)
    app.manifests = ["../outside/secret.yaml"]  # changed after validation
    with pytest.raises(SbkubeError) as err:
        render_project(project)
    assert "../outside/secret.yaml is outside the project directory" in str(err.value)
    assert STOLEN not in _rendered(project)


def test_a_chart_path_out_of_the_project_is_refused_in_one_line(
    make_project: MakeProject,
) -> None:
    project = make_project(
        {
            **CHART_FILES,
            "sbkube.yaml": "apiVersion: sbkube/v1\napps:\n  web: {type: helm, chart: ./charts/app}",
        }
    )
    outside = _outside(project.base_dir)
    (outside / "Chart.yaml").write_text("apiVersion: v2\nname: evil\nversion: 0.1.0\n")
    app = project.config.apps["web"]
    assert isinstance(app, HelmApp)
    app.chart = "../outside"
    with pytest.raises(SbkubeError) as err:
        render_project(project)
    assert str(err.value).startswith("apps.web.chart: ../outside is outside the project directory")
    assert "\n" not in str(err.value)


def test_a_manifest_nested_too_deep_is_an_error_of_that_app(make_project: MakeProject) -> None:
    depth = 900  # below libyaml's own limit, above any real manifest
    nested = "[" * depth + "]" * depth
    project = make_project(
        {
            "deep.yaml": f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: deep}}\nx: {nested}",
            "ok.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n",
            "sbkube.yaml": """
                apiVersion: sbkube/v1
                apps:
                  deep: {type: yaml, manifests: [deep.yaml]}
                  ok: {type: yaml, manifests: [ok.yaml]}
            """,
        }
    )
    result = render_project(project, keep_going=True)
    assert [(e.app, e.cluster) for e in result.errors] == [("deep", "default")]
    [failure] = result.errors
    assert "nesting is deeper than 200 levels" in failure.message
    assert "deep.yaml" in failure.message
    assert ("default", "ok") in result.apps


def _evil_script(tmp_path: Path) -> tuple[Path, Path]:
    marker = tmp_path / "pwned"
    script = tmp_path / "evil.sh"
    script.write_text(f"#!/bin/sh\ntouch {marker}\ncat\n")
    script.chmod(0o755)
    return script, marker


def test_helm_template_reads_no_release_name_as_a_flag(tmp_path: Path) -> None:
    """Unvalidated (a plan from elsewhere): after `--` helm refuses it as a release name."""
    script, marker = _evil_script(tmp_path)
    write_files(tmp_path / "p", CHART_FILES, dedent=True)
    (tmp_path / "values.yaml").write_text("{}\n")
    helm = Helm(tmp_path / "helm", ToolVersions(tmp_path / "cache"), timeout=60)
    request = TemplateRequest(
        release=f"--post-renderer={script}",
        chart=tmp_path / "p" / "charts" / "app",
        values_file=tmp_path / "values.yaml",
        namespace="--kube-context=x",
        kube_version=None,
        api_versions=(),
        where="apps.web",
    )
    with pytest.raises(RenderError, match="invalid release name"):
        helm.template(request)
    assert not marker.exists()


def test_helm_upgrade_reads_no_release_name_as_a_flag(tmp_path: Path) -> None:
    script, marker = _evil_script(tmp_path)
    write_files(tmp_path / "p", CHART_FILES, dedent=True)
    releases = HelmReleases(tmp_path / "helm", kubeconfig=tmp_path / "no-kubeconfig")
    request = UpgradeRequest(
        "web", f"--post-renderer={script}", tmp_path / "p" / "charts" / "app", "shop"
    )
    with pytest.raises(DeployError):
        releases.upgrade(request)
    assert not marker.exists()
