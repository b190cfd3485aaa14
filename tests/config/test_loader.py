"""The invalid and valid config sets in tests/data: exact problem lines, every app type loads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sbkube_ci.config.apps import APP_TYPES
from sbkube_ci.config.loader import check_document, load_project, read_document
from sbkube_ci.errors import ConfigError, ConfigProblems, YamlError

DATA = Path(__file__).resolve().parent.parent / "data"
INVALID = DATA / "invalid"
CASES = sorted(p.with_suffix("").name for p in INVALID.glob("[0-9][0-9]-*.expected"))


def _problem_lines(target: Path) -> list[str]:
    chdir, file = (target, None) if target.is_dir() else (target.parent, Path(target.name))
    try:
        doc, base_dir, _ = read_document(chdir, file)
    except YamlError as exc:
        return [str(exc)]
    _, problems = check_document(doc, base_dir)
    return [str(p) for p in problems]


def test_there_are_at_least_25_broken_configs() -> None:
    assert len(CASES) >= 25


@pytest.mark.parametrize("case", CASES)
def test_broken_config_reports_exact_lines(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(INVALID)  # displayed paths are relative to the current directory
    target = INVALID / case if (INVALID / case).is_dir() else INVALID / f"{case}.yaml"
    expected = (INVALID / f"{case}.expected").read_text().splitlines()
    assert expected, f"{case}.expected is empty"
    assert _problem_lines(target) == expected


@pytest.mark.parametrize("case", CASES)
def test_broken_config_fails_load_project(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(INVALID)
    target = INVALID / case if (INVALID / case).is_dir() else INVALID / f"{case}.yaml"
    chdir, file = (target, None) if target.is_dir() else (INVALID, Path(target.name))
    expected_errors = [
        line
        for line in (INVALID / f"{case}.expected").read_text().splitlines()
        if ": warning: " not in line
    ]
    with pytest.raises((ConfigProblems, YamlError)) as caught:
        load_project(chdir, file)
    if isinstance(caught.value, ConfigProblems):
        assert caught.value.problems == expected_errors
    else:
        assert [str(caught.value)] == expected_errors


def test_unified_file_with_every_app_type_loads() -> None:
    project = load_project(DATA / "valid" / "unified")
    config = project.config
    assert {app.type for app in config.apps.values()} == set(APP_TYPES)
    assert project.warnings == []
    redis = config.apps["redis"]
    api = config.apps["api"]
    # Anchors and `<<` merges: api shares redis's labels and extends its annotations.
    assert api.labels == redis.labels == {"app.kubernetes.io/part-of": "shop"}
    assert api.annotations == {"owner": "platform-team", "tier": "backend"}
    assert config.settings.timeout == 600.0
    assert config.settings.helm_repo("bitnami") is not None
    assert config.notify["slack"].type == "slack"
    assert config.notify["discord"].webhook_url_env == "DISCORD_WEBHOOK_URL"  # ${...} accepted
    assert config.state.lock.lease == 900.0
    assert config.state.s3 is not None
    assert config.state.s3.bucket == "acme-deploy-state"
    assert config.hooks is not None
    assert config.hooks.deploy is not None
    assert config.hooks.deploy.on_failure == ["echo deploy failed"]
    assert sorted(config.effective_clusters()) == ["prod", "staging"]
    assert str(project.locate("apps", "api", "chart")).endswith("sbkube.yaml:80:12")
    # SBKube's own fields and shorthands load as SBKube reads them.
    assert config.settings.oci_registries["dockerhub"].registry == (
        "registry-1.docker.io/bitnamicharts"
    )
    assert config.settings.git_repos["charts"].url == "https://git.example.com/platform/charts.git"
    assert config.settings.global_values == {"global": {"imageRegistry": "registry.example.com"}}
    assert config.metadata.model_extra == {"owner": "platform-team"}
    assert api.hooks is not None
    assert api.hooks.post_deploy_manifests == ["hooks/smoke-job.yaml"]
    notify_task, verify_task = api.hooks.post_deploy_tasks[2:]
    assert notify_task.retry.max_attempts == 3  # retry: 2 = two retries after the first try
    assert (verify_task.retry.max_attempts, verify_task.retry.delay) == (3, 5.0)


def test_legacy_mapping_layout_loads_into_the_unified_model() -> None:
    project = load_project(DATA / "valid" / "legacy-mapping")
    config = project.config
    assert sorted(config.apps) == ["api", "crds", "platform", "redis", "site"]
    redis = config.apps["redis"]
    assert redis.type == "helm"
    assert redis.namespace == "infra"
    assert redis.values == ["infra/values/redis.yaml"]  # group paths rebased on the root
    site = config.apps["site"]
    assert site.type == "helm"
    assert site.chart == "./web/charts/site"
    assert site.depends_on == ["redis", "crds", "platform"]  # deps: [infra]
    assert config.apps["api"].namespace == "api"  # an app's own namespace wins
    assert redis.labels == {"team": "infra"}  # the group's global_labels...
    assert config.apps["crds"].labels == {"team": "platform"}  # ...unless the app sets its own
    assert config.hooks is not None
    assert config.hooks.deploy is not None
    assert config.hooks.deploy.pre == ["echo deploying infra"]
    assert "nope" not in config.apps  # app_dirs leaves the ignored group out
    assert config.settings.oci_registries["ghcr"].registry == "ghcr.io/acme/charts"
    assert config.clusters["staging"].context == "staging-admin"
    assert [f.name for f in project.files] == ["sources.yaml", "config.yaml", "config.yaml"]


def test_legacy_list_layout_pairs_pull_and_install() -> None:
    config = load_project(DATA / "valid" / "legacy-list").config
    loki = config.apps["loki"]
    assert loki.type == "helm"
    assert (loki.chart, loki.version, loki.release_name) == ("grafana/loki", "6.6.2", "logs")
    assert loki.values == ["memory/values/loki.yaml"]
    assert "redis-pull" not in config.apps  # merged into loki
    kinds = {name: app.type for name, app in config.apps.items()}
    assert kinds == {
        "loki": "helm",
        "dashboards": "yaml",
        "scripts": "git",
        "cleanup": "exec",
        "local-chart": "helm",
        "extra": "kustomize",
        "apply-things": "action",
        "old-dashboards": "action",  # install-yaml with a delete: only actions delete
    }
    old = config.apps["old-dashboards"]
    assert [(a.type, a.path) for a in old.actions] == [
        ("apply", "memory/manifests/dashboards.yaml"),
        ("delete", "memory/manifests/dashboards.yaml"),
    ]
    assert config.apps["local-chart"].chart == "./app/charts/local-chart"
    assert config.apps["extra"].depends_on == [
        "loki",
        "dashboards",
        "old-dashboards",
        "scripts",
        "cleanup",
    ]


def test_legacy_found_from_a_group_config_file(monkeypatch: pytest.MonkeyPatch) -> None:
    root = DATA / "valid" / "legacy-list"
    monkeypatch.chdir(root)
    project = load_project(root / "memory", Path("config.yaml"))
    assert "local-chart" in project.config.apps  # the whole layout, not only one group


def test_no_config_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no sbkube\.yaml here"):
        load_project(tmp_path)


def test_thousand_apps_load(tmp_path: Path) -> None:
    lines = ["apiVersion: sbkube/v1", "apps:"]
    for i in range(1000):
        lines += [f"  app-{i}:", "    type: noop"]
        if i:
            lines.append(f"    depends_on: [app-{i - 1}]")
    (tmp_path / "sbkube.yaml").write_text("\n".join(lines) + "\n")
    config = load_project(tmp_path).config  # a 1000-long chain: no recursion limit
    assert len(config.apps) == 1000


_PLANTED_SECRETS = re.compile(
    r"hunter2[\w-]*|[\w-]*literal[\w.-]*|\w*SECRET\w*|plain-text-password|BEGIN OPENSSH"
)


def test_planted_credentials_never_appear_in_problems(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(INVALID)
    planted = 0
    for case in CASES:
        target = INVALID / case if (INVALID / case).is_dir() else INVALID / f"{case}.yaml"
        sources = target.rglob("*.yaml") if target.is_dir() else [target]
        secrets = {s for f in sources for s in _PLANTED_SECRETS.findall(f.read_text())}
        planted += len(secrets)
        output = "\n".join(_problem_lines(target))
        assert [s for s in secrets if s in output] == [], case
    assert planted >= 8
