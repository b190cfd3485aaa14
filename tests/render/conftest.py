"""Projects for the render tests, built from files; real helm and kubectl on PATH."""

from __future__ import annotations

import os
import shutil
import stat
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from sbkube_ci.config import Project, load_project
from tests.support.projects import write_files

TOOLS = Path(sys.executable).parent  # the venv's bin holds helm and kubectl

CHART_FILES = {
    "charts/app/Chart.yaml": """
        apiVersion: v2
        name: app
        version: 0.1.0
    """,
    "charts/app/values.yaml": """
        replicas: 1
        image: {repository: nginx, tag: "1.27"}
        labels: [a, b]
        config: {greeting: hello, color: blue}
    """,
    "charts/app/templates/deployment.yaml": """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {{ .Release.Name }}
          annotations:
            labels: {{ join "," .Values.labels | quote }}
        spec:
          replicas: {{ .Values.replicas }}
          template:
            spec:
              containers:
                - name: app
                  image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
    """,
    "charts/app/templates/configmap.yaml": """
        # a comment helm keeps in the output
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: {{ .Release.Name }}-config
        data:
          greeting: {{ .Values.config.greeting | quote }}
          color: {{ .Values.config.color | quote }}
          kube: {{ .Capabilities.KubeVersion.Version | quote }}
          {{- if .Capabilities.APIVersions.Has "monitoring.coreos.com/v1" }}
          monitoring: "yes"
          {{- end }}
    """,
}


@pytest.fixture(autouse=True)
def _tools_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", f"{TOOLS}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.delenv("SBKUBE_CACHE_DIR", raising=False)


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[[dict[str, str]], Project]:
    """Write ``files`` (dedented) under a project directory and load its sbkube.yaml."""
    root = tmp_path / "project"

    def make(files: dict[str, str]) -> Project:
        write_files(root, files, dedent=True)
        return load_project(root)

    return make


@pytest.fixture
def helm_calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[], list[str]]:
    """Put a ``helm`` first on PATH that logs each call, then runs the real helm.

    Renders go through the helm CLI here (not the render worker) so that each is a call.
    """
    monkeypatch.setenv("SBKUBE_RENDER_ENGINE", "cli")
    real = shutil.which(os.environ.get("SBKUBE_HELM") or "helm", path=str(TOOLS))
    assert real is not None
    bin_dir = tmp_path / "counting-bin"
    bin_dir.mkdir()
    log = tmp_path / "helm-calls.log"
    wrapper = bin_dir / "helm"
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{real}" "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    if os.environ.get("SBKUBE_HELM"):  # the Helm 3 job: count that helm
        monkeypatch.setenv("SBKUBE_HELM", str(wrapper))

    def calls() -> list[str]:
        return log.read_text().splitlines() if log.exists() else []

    return calls
