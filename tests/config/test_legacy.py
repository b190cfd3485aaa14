"""The legacy layout: errors point at the line of the legacy file that holds the value."""

from __future__ import annotations

from pathlib import Path

import pytest

from sbkube_ci.config.loader import read_document
from tests.support.projects import problem_lines


@pytest.fixture
def layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sources.yaml").write_text("cluster: dev\nhelm_repos:\n  grafana: https://g\n")
    (tmp_path / "shop").mkdir()
    return tmp_path


def test_pulled_chart_errors_point_at_the_pull_specs(layout: Path) -> None:
    (layout / "shop" / "config.yaml").write_text(
        "namespace: shop\n"
        "apps:\n"
        "  - name: loki-pull\n"
        "    type: pull-helm\n"
        "    specs:\n"
        "      repo: bitnami\n"  # line 6: not declared in sources.yaml
        "      chart: loki\n"
        "  - name: loki\n"
        "    type: install-helm\n"
        "    specs:\n"
        "      path: loki\n"
    )
    assert problem_lines(layout) == [
        "shop/config.yaml:6:13: apps.loki.chart: repository 'bitnami' is not declared; add it "
        "under settings.helm_repos (bitnami: https://...) or settings.oci_registries (a "
        "repository added with `helm repo add` is used on that machine only; in CI it must be "
        "pinned in sbkube.lock)"
    ]


def test_install_yaml_paths_point_at_each_action(layout: Path) -> None:
    (layout / "shop" / "config.yaml").write_text(
        "namespace: shop\n"
        "apps:\n"
        "  - name: crds\n"
        "    type: install-yaml\n"
        "    specs:\n"
        "      actions:\n"
        "        - {type: apply, path: a.yaml}\n"
        "        - {type: apply, path: b.yaml}\n"
    )
    (layout / "shop" / "a.yaml").write_text("kind: ConfigMap\n")
    assert problem_lines(layout) == [
        "shop/config.yaml:8:31: apps.crds.manifests[1]: shop/b.yaml does not exist "
        "(paths are relative to .)"
    ]


def test_mapping_style_errors_point_into_the_group_file(layout: Path) -> None:
    (layout / "shop" / "config.yaml").write_text(
        "namespace: shop\napps:\n  web:\n    type: helm\n    chart: grafana/web\n    versoin: 1\n"
    )
    assert problem_lines(layout) == [
        "shop/config.yaml:6:5: apps.web.versoin: unknown key; did you mean 'version'? "
        "allowed keys: annotations, "
        "atomic, chart, context, create_namespace, depends_on, deploy_mode, enabled, "
        "force_conflicts, helm_label_injection, hooks, labels, namespace, notes, overrides, "
        "release_name, removes, set_values, timeout, type, values, version, wait"
    ]


def test_sources_yaml_may_carry_ci_sections(layout: Path) -> None:
    (layout / "sources.yaml").write_text(
        "cluster: dev\nstate:\n  backend: git\nnotify:\n  slack: {webhook_url_env: HOOK}\n"
    )
    (layout / "shop" / "config.yaml").write_text("namespace: shop\napps: {}\n")
    doc, _, _ = read_document(layout)
    assert doc.data["state"] == {"backend": "git"}
    assert problem_lines(layout) == []
