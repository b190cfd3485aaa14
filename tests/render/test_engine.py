"""Choosing the render engine: the worker when it fits, else the helm CLI with one notice."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from sbkube_ci.config import Project, load_project
from sbkube_ci.errors import RenderError
from sbkube_ci.render import render_project
from tests.render.conftest import CHART_FILES, TOOLS

MakeProject = Callable[[dict[str, str]], Project]

APPS = "\n".join(
    f"  {name}: {{type: helm, chart: ./charts/app, set_values: {{replicas: {n}}}}}"
    for n, name in enumerate(["alpha", "beta", "gamma", "delta"], start=1)
)
PROJECT = {
    **CHART_FILES,
    "sbkube.yaml": "apiVersion: sbkube/v1\nsettings: {namespace: shop}\napps:\n" + APPS + "\n",
}


@pytest.fixture(autouse=True)
def _helm_4(monkeypatch: pytest.MonkeyPatch) -> None:
    # The worker is Helm 4; the Helm 3 job's SBKUBE_HELM=helm3 would make every test here CLI.
    monkeypatch.delenv("SBKUBE_HELM", raising=False)


def _path_without_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """PATH with helm, helm3 and kubectl but no render worker; returns the bin dir."""
    bin_dir = tmp_path / "bin-no-worker"
    bin_dir.mkdir()
    for tool in ("helm", "helm3", "kubectl"):
        (bin_dir / tool).symlink_to(TOOLS / tool)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin")
    return bin_dir


def _texts(project: Project) -> dict[str, str]:
    rendered = project.base_dir / ".sbkube" / "rendered" / "default"
    return {p.name: p.read_text() for p in sorted(rendered.glob("*.yaml"))}


def test_the_worker_renders_what_the_cli_renders(
    make_project: MakeProject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(PROJECT)
    by_worker = render_project(project)
    assert by_worker.render_engine == "worker"
    worker_texts = _texts(project)

    monkeypatch.setenv("SBKUBE_RENDER_ENGINE", "cli")
    monkeypatch.setenv("SBKUBE_CACHE_DIR", str(tmp_path / "other-cache"))
    by_cli = render_project(project)

    assert by_cli.render_engine == "cli"
    assert not any(r.from_cache for r in by_cli.apps.values())
    assert _texts(project) == worker_texts
    assert {k: r.input_digest for k, r in by_cli.apps.items()} == {
        k: r.input_digest for k, r in by_worker.apps.items()
    }
    assert len(worker_texts) == 4


def test_without_the_worker_the_cli_renders_after_one_notice(
    make_project: MakeProject,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _path_without_worker(tmp_path, monkeypatch)
    project = make_project(PROJECT)

    result = render_project(project)

    assert result.ok
    assert result.render_engine == "cli"
    notices = capsys.readouterr().err.splitlines()
    assert notices == [
        "notice: rendering with the helm CLI, one process per chart: "
        "sbkube-render-worker is not on PATH (scripts/bootstrap builds it)"
    ]


def test_forcing_the_worker_without_it_is_an_error(
    make_project: MakeProject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _path_without_worker(tmp_path, monkeypatch)
    monkeypatch.setenv("SBKUBE_RENDER_ENGINE", "worker")
    project = make_project(PROJECT)

    with pytest.raises(RenderError, match="SBKUBE_RENDER_ENGINE=worker but the render worker"):
        render_project(project)


def test_a_worker_that_dies_hands_over_to_the_cli(
    make_project: MakeProject,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bin_dir = _path_without_worker(tmp_path, monkeypatch)
    dying = bin_dir / "sbkube-render-worker"
    dying.write_text(
        "#!/bin/sh\n"
        'printf \'{"worker":"sbkube-ci-render-worker/1","helm_version":"v4.3.1"}\\n\'\n'
        "echo 'fatal: out of memory' >&2\nexit 2\n"
    )
    dying.chmod(0o755)
    project = make_project(PROJECT)

    result = render_project(project, max_workers=1)

    assert result.ok
    assert len(result.apps) == 4
    assert result.render_engine == "cli"
    notices = capsys.readouterr().err.splitlines()
    assert len(notices) == 1
    assert notices[0].startswith("notice: rendering with the helm CLI from here on: ")
    assert "the render worker has exited" in notices[0]


def test_helm_3_renders_with_the_cli_and_keys_the_cache_by_its_version(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(PROJECT)
    helm4 = render_project(project)
    (project.base_dir / "sbkube.yaml").write_text(
        PROJECT["sbkube.yaml"].replace("{namespace: shop}", "{namespace: shop, helm_version: 3}")
    )
    capsys.readouterr()

    helm3 = render_project(load_project(project.base_dir))

    assert helm3.helm_version.startswith("v3.")
    assert helm4.helm_version.startswith("v4.")
    assert helm3.render_engine == "cli"
    assert capsys.readouterr().err == ""  # helm 3 was chosen: the CLI is expected, no notice
    assert not any(r.from_cache for r in helm3.apps.values())
    for key, rendered in helm3.apps.items():
        assert rendered.input_digest != helm4.apps[key].input_digest
        # the default .Capabilities.KubeVersion is the helm's own: v1.33 in 3.18, v1.37 in 4.3
        assert "kube: v1.33.0" in rendered.text
        assert "kube: v1.37.0" in helm4.apps[key].text


def test_settings_helm_version_refuses_a_helm_of_another_major(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SBKUBE_HELM", "helm")
    project = make_project(
        {
            **PROJECT,
            "sbkube.yaml": PROJECT["sbkube.yaml"].replace(
                "{namespace: shop}", "{namespace: shop, helm_version: 3}"
            ),
        }
    )
    with pytest.raises(RenderError, match=r"^settings.helm_version is 3 but helm is v4\."):
        render_project(project)
