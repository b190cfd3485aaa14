"""`sbkube-ci migrate`: legacy pairs and older shapes become canonical sbkube.yaml."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sbkube_ci.cli import main
from sbkube_ci.commands.migrate import plan_migration
from sbkube_ci.config.loader import check_document, load_project, read_document
from tests.support.projects import write_files


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["migrate", *args])
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CI", raising=False)
    return tmp_path


LEGACY = {
    "sources.yaml": "cluster: dev\nkubeconfig_context: dev\n"
    "repos:\n  grafana: https://grafana.github.io/helm-charts\n"
    "helm_repos:\n  private:\n    url: https://charts.example\n    username: ci\n"
    "    password: hunter2\n",
    "shop/config.yaml": "namespace: shop\napps:\n"
    "  cm:\n    type: yaml\n    path: m.yaml   # older shape\n"
    "  web:\n    type: helm\n    repo: grafana\n    chart: grafana\n"
    '    version: "7.0.0"  # pinned on purpose\n'
    "    values:\n      - v.yaml\n      - {replicaCount: 2}\n",
    "shop/m.yaml": "kind: ConfigMap\n",
    "shop/v.yaml": "a: 1\n",
}

LEGACY_MIGRATED = """\
# Migrated by sbkube-ci migrate from sources.yaml, shop/config.yaml
apiVersion: sbkube/v1
settings:
  cluster: dev
  kubeconfig_context: dev
  helm_repos:
    private:
      url: https://charts.example
      username: ci
      password: ${PRIVATE_PASSWORD}
    grafana: https://grafana.github.io/helm-charts
apps:
  cm:
    type: yaml
    manifests:
      - shop/m.yaml
    namespace: shop
  web:
    type: helm
    chart: grafana/grafana
    version: "7.0.0"  # pinned on purpose
    values:
      - shop/v.yaml
      - {replicaCount: 2}
    namespace: shop
clusters:
  dev:
    context: dev
"""


def test_legacy_pair_becomes_one_canonical_file(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_files(root, LEGACY)
    code, out, _ = _run(capsys)
    assert code == 0
    assert (root / "sbkube.yaml").read_text() == LEGACY_MIGRATED
    assert "- apps.web.repo: SBKube's older repo + chart: read as chart: grafana/grafana\n" in out
    assert "hunter2" not in out
    assert "store the old value as a CI secret named PRIVATE_PASSWORD" in out
    assert out.endswith("wrote sbkube.yaml\n")
    # The result loads without warnings, and means what the legacy pair meant.
    doc, base_dir, _ = read_document(root)
    config, problems = check_document(doc, base_dir)
    assert config is not None
    assert problems == []
    code, out, _ = _run(capsys)
    assert (code, out) == (0, "sbkube.yaml is already in the canonical shape; nothing to change\n")


def _edited(text: str, *edits: tuple[str, str]) -> str:
    """``text`` with each (old, new) edit made; every ``old`` stands in it exactly once."""
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def test_older_shapes_in_sbkube_yaml_keep_comments_and_layout(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = (
        "# shop deployment\n"
        "settings:\n"
        "  helm_repos:\n"
        "    grafana: https://grafana.github.io/helm-charts   # public\n"
        "apps:\n"
        "  # plain manifests\n"
        "  cm:\n"
        "    type: yaml\n"
        "    files: [m.yaml]\n"
        "    namespace: shop   # its own\n"
        "  web:\n"
        "    type: helm\n"
        "    repo: grafana\n"
        "    chart: grafana\n"
        "    set_values:\n"
        "    - a=1\n"
    )
    write_files(root, {"sbkube.yaml": original, "m.yaml": "kind: ConfigMap\n"})
    code, out, _ = _run(capsys, "--dry-run")
    assert code == 0
    assert (root / "sbkube.yaml").read_text() == original  # --dry-run writes nothing
    assert "+apiVersion: sbkube/v1\n" in out
    assert "-    files: [m.yaml]\n+    manifests: [m.yaml]\n" in out
    code, _, _ = _run(capsys)
    assert code == 0
    assert (root / "sbkube.yaml").read_text() == _edited(
        original,
        ("settings:\n", "apiVersion: sbkube/v1\nsettings:\n"),
        ("    files: [m.yaml]\n", "    manifests: [m.yaml]\n"),
        ("    repo: grafana\n    chart: grafana\n", "    chart: grafana/grafana\n"),
    )


def test_a_canonical_file_is_left_byte_for_byte(root: Path) -> None:
    text = "apiVersion: sbkube/v1   # v1\napps:\n    cm:   {type: yaml, manifests: [m.yaml]}\n"
    write_files(root, {"sbkube.yaml": text, "m.yaml": "kind: ConfigMap\n"})
    migration = plan_migration(root)
    assert not migration.changed
    assert migration.new_text == text


def test_undeclared_repository_from_helm_list_is_declared(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    helm = root / "repositories.yaml"
    helm.write_text("repositories:\n- name: r\n  url: https://charts.r.example\n")
    monkeypatch.setenv("HELM_REPOSITORY_CONFIG", str(helm))
    write_files(
        root, {"sbkube.yaml": "apiVersion: sbkube/v1\napps:\n  web: {type: helm, chart: r/web}\n"}
    )
    code, out, _ = _run(capsys)
    assert code == 0
    assert "apps.web.chart: repository 'r' is not declared; using https://charts.r.example" in out
    helm.unlink()
    config = load_project(root).config
    assert config.settings.helm_repo("r") is not None


def test_what_migrate_cannot_fix_is_reported(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_files(root, {"sbkube.yaml": "apps:\n  web: {type: yaml, path: gone.yaml}\n"})
    code, out, err = _run(capsys)
    assert code == 1
    assert "wrote sbkube.yaml" in out
    assert err.splitlines() == [
        "sbkube.yaml:3:33: apps.web.manifests[0]: gone.yaml does not exist (paths are relative "
        "to .)",
        "1 problem(s) remain; fix them by hand (see above)",
    ]


LIST_STYLE = {
    "sources.yaml": "cluster: dev\nhelm_repos:\n  grafana: https://grafana.github.io/helm-charts\n",
    "infra/config.yaml": "namespace: infra\napps:\n"
    "  - name: loki-pull\n    type: pull-helm\n"
    "    specs: {repo: grafana, chart: loki, chart_version: 5.0.0}\n"
    "  - name: loki\n    type: install-helm\n    specs: {path: loki, values: [loki.yaml]}\n"
    "  - name: crds\n    type: install-yaml\n    specs:\n      actions:\n"
    "        - {type: apply, path: crds.yaml}\n",
    "infra/loki.yaml": "a: 1\n",
    "infra/crds.yaml": "kind: ConfigMap\n",
    "web/config.yaml": "namespace: web\ndeps: [infra]\napps:\n"
    "  site: {type: yaml, files: [site.yaml]}\n",
    "web/site.yaml": "kind: ConfigMap\n",
}


@pytest.mark.parametrize(
    "layout",
    [
        LIST_STYLE,
        {**LEGACY, "sources.yaml": "cluster: dev\nrepos:\n  grafana: https://g.example\n"},
    ],
)
def test_migrated_file_means_what_the_legacy_files_meant(
    root: Path, layout: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    write_files(root, layout)
    before = load_project(root).config
    code, _, err = _run(capsys)
    assert code == 0, err
    after = load_project(root).config  # now read from sbkube.yaml
    assert after.model_dump() == before.model_dump()
    assert plan_migration(root).changed is False


def test_json_report(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_files(
        root, {"sbkube.yaml": "apps:\n  cm: {type: yaml, path: m.yaml}\n", "m.yaml": "k: v\n"}
    )
    code, out, _ = _run(capsys, "--format", "json", "--dry-run")
    assert code == 0
    assert json.loads(out) == {
        "file": "sbkube.yaml",
        "changed": True,
        "written": False,
        "changes": [
            "apiVersion: missing; read as sbkube/v1, as SBKube does; add apiVersion: sbkube/v1",
            "apps.cm.path: SBKube's older path: read as manifests",
        ],
        "problems": [],
    }


def test_a_refused_shape_stops_migrate_before_anything_is_dropped(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "apps:\n  web: {type: noop}\nclusters:\n  prod:\n    apps:\n      web: {chart: x}\n"
    write_files(root, {"sbkube.yaml": text})
    code, out, err = _run(capsys)
    assert code == 1
    assert out == ""
    assert err.startswith("sbkube.yaml:6:13: clusters.prod.apps.web.chart: a chart per cluster")
    assert (root / "sbkube.yaml").read_text() == text


def test_an_existing_sbkube_yaml_is_never_overwritten_from_legacy_files(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_files(root, LEGACY)
    write_files(root, {"sbkube.yaml": "apiVersion: sbkube/v1\napps: {}\n"})
    code, _, err = _run(capsys, "-f", "sources.yaml")
    assert code == 1
    assert err == (
        "error: sbkube.yaml already exists; migrate it instead (-f sbkube.yaml), or move it "
        "away to write it from the legacy files\n"
    )
    assert (root / "sbkube.yaml").read_text() == "apiVersion: sbkube/v1\napps: {}\n"
