"""Helm mode with the real helm binary: command lines, and helm's real failures as DeployErrors.

helm cannot install into the fake API server (it needs OpenAPI documents to validate), so
install, upgrade and rollback are exercised in tests/e2e/test_cluster.py on a real cluster.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sbkube_ci._helm import helm_message
from sbkube_ci.deploy.helm_release import HelmReleases, Revision, UpgradeRequest
from sbkube_ci.errors import DeployError
from tests.fakekube.fixture import FakeKube


@pytest.fixture
def chart(tmp_path: Path) -> Path:
    root = tmp_path / "chart"
    (root / "templates").mkdir(parents=True)
    (root / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 0.1.0\n")
    (root / "templates" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n"
        'data:\n  color: {{ .Values.color | default "blue" | quote }}\n'
    )
    return root


@pytest.fixture
def releases(fake_kube: FakeKube, tmp_path: Path) -> HelmReleases:
    return HelmReleases(
        tmp_path / "helm", kubeconfig=fake_kube.kubeconfig_path, kube_context="fake"
    )


@pytest.mark.parametrize(
    ("binary", "atomic"), [("helm", "--rollback-on-failure"), ("helm3", "--atomic")]
)
def test_upgrade_argv_has_every_option_and_isolated_helm_files(
    tmp_path: Path, binary: str, atomic: str
) -> None:
    helm = HelmReleases(
        tmp_path / "h", kubeconfig=Path("/k/config"), kube_context="prod", binary=binary
    )
    request = UpgradeRequest(
        app="web",
        release="web-prod",
        chart=tmp_path / "build" / "web",
        namespace="shop",
        values_file=tmp_path / "values.yaml",
        create_namespace=True,
        atomic=True,
        wait=True,
        timeout=90.4,
    )
    home = tmp_path / "h"
    assert helm.upgrade_argv(request) == [
        binary, "upgrade", "--install",
        "-f", str(tmp_path / "values.yaml"),
        "--namespace", "shop",
        "--create-namespace", atomic, "--wait",
        "--timeout", "90s",
        "--repository-config", str(home / "config" / "repositories.yaml"),
        "--repository-cache", str(home / "cache" / "repository"),
        "--registry-config", str(home / "config" / "registry" / "config.json"),
        "--kubeconfig", "/k/config",
        "--kube-context", "prod",
        "--", "web-prod", str(tmp_path / "build" / "web"),  # never read as flags
    ]  # fmt: skip
    assert helm.env() == {
        "HELM_CONFIG_HOME": str(home / "config"),
        "HELM_CACHE_HOME": str(home / "cache"),
        "HELM_DATA_HOME": str(home / "data"),
        # the same registry login the OCI source made while preparing
        "HELM_REGISTRY_CONFIG": str(home / "config" / "registry" / "config.json"),
        "HELM_REPOSITORY_CONFIG": str(home / "config" / "repositories.yaml"),
        "HELM_REPOSITORY_CACHE": str(home / "cache" / "repository"),
    }


@pytest.mark.parametrize("binary", ["helm", "helm3"])
def test_dry_run_asks_the_server_and_neither_waits_nor_rolls_back(
    tmp_path: Path, binary: str
) -> None:
    helm = HelmReleases(tmp_path, binary=binary)
    request = UpgradeRequest("web", "web", "charts/web", "shop", atomic=True, dry_run=True)
    argv = helm.upgrade_argv(request)
    assert argv[:6] == [binary, "upgrade", "--install", "--namespace", "shop", "--timeout"]
    assert argv[-3:] == ["--", "web", "charts/web"]
    assert "--dry-run=server" in argv
    assert not {"--atomic", "--rollback-on-failure"} & set(argv)
    assert "--wait" not in argv
    assert "--kubeconfig" not in argv  # no kubeconfig given: helm reads KUBECONFIG like kubectl


def test_history_of_a_release_never_installed_is_empty(releases: HelmReleases) -> None:
    assert releases.history("web", "web", "shop") == []


def test_manifest_of_a_missing_release_names_the_app(releases: HelmReleases) -> None:
    with pytest.raises(DeployError) as error:
        releases.manifest("web", "web-prod", "shop")
    assert str(error.value) == "app web: helm get manifest web-prod failed: release: not found"


def test_rollback_of_a_missing_release_names_the_app(releases: HelmReleases) -> None:
    with pytest.raises(DeployError) as error:
        releases.rollback("web", "web-prod", "shop", 3, timeout=30)
    assert str(error.value) == "app web: helm rollback web-prod 3 failed: release: not found"


def test_unreachable_cluster_is_helms_one_line(
    releases: HelmReleases, fake_kube: FakeKube, chart: Path
) -> None:
    fake_kube.stop()
    with pytest.raises(DeployError) as error:
        releases.upgrade(UpgradeRequest("web", "web", chart, "shop", timeout=30))
    message = str(error.value)
    assert message.lower().startswith(  # helm 3 says "Kubernetes", helm 4 "kubernetes"
        "app web: helm upgrade --install web failed: kubernetes cluster unreachable: "
        f'get "{fake_kube.url}/version": dial tcp'
    )
    assert message.endswith("connect: connection refused")
    assert "\n" not in message


def test_a_missing_chart_is_reported(releases: HelmReleases, tmp_path: Path) -> None:
    request = UpgradeRequest("web", "web", tmp_path / "nowhere", "shop", timeout=30)
    with pytest.raises(DeployError) as error:
        releases.upgrade(request)
    assert str(error.value) == (
        f'app web: helm upgrade --install web failed: path "{tmp_path / "nowhere"}" not found'
    )


def test_a_missing_helm_binary_says_how_to_get_it(tmp_path: Path) -> None:
    helm = HelmReleases(tmp_path, binary="helm-not-installed")
    with pytest.raises(DeployError, match=r"^helm-not-installed: not found; run `make bootstrap`"):
        helm.history("web", "web", "shop")


def test_settings_helm_version_refuses_a_helm_of_another_major(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SBKUBE_HELM", "helm")  # helm 4
    helm = HelmReleases(tmp_path, helm_version=3)
    with pytest.raises(DeployError, match=r"^settings.helm_version is 3 but helm is v4\."):
        helm.major()


def test_settings_helm_version_3_finds_helm3_on_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SBKUBE_HELM", raising=False)
    assert HelmReleases(tmp_path, helm_version=3).major() == 3
    assert HelmReleases(tmp_path, helm_version=4).major() == 4


def test_helm_message_keeps_errors_and_drops_noise() -> None:
    stderr = (
        "WARNING: Kubernetes configuration file is group-readable. This is insecure.\n"
        "Error: UPGRADE FAILED: context deadline exceeded\n"
        "Use --debug flag to see more\n"
    )
    assert helm_message(stderr) == "UPGRADE FAILED: context deadline exceeded"
    assert helm_message("walk.go:75: found symbolic link\nsomething odd\n") == "something odd"
    assert helm_message("") == "(helm printed nothing)"


def test_revision_reads_helm_history_json() -> None:
    entry = {
        "revision": 2,
        "updated": "2026-11-27T08:00:00.1+00:00",
        "status": "deployed",
        "chart": "web-0.2.0",
        "app_version": "1.1",
        "description": "Upgrade complete",
    }
    assert Revision.from_json(entry) == Revision(
        2, "deployed", "web-0.2.0", "1.1", "2026-11-27T08:00:00.1+00:00", "Upgrade complete"
    )


def test_the_dry_run_manifest_command_keeps_its_flags_before_the_release(tmp_path: Path) -> None:
    # A stand-in helm that answers with the command line it got, as helm's JSON output.
    fake = tmp_path / "helm"
    fake.write_text(
        "#!/usr/bin/env python3\nimport json, sys\n"
        "print(json.dumps({'manifest': '\\n'.join(sys.argv[1:])}))\n"
    )
    fake.chmod(0o755)
    helm = HelmReleases(tmp_path / "home", binary=str(fake))
    request = UpgradeRequest(app="web", release="web", chart=tmp_path / "chart", namespace="shop")

    argv = helm.dry_run_manifest(request).splitlines()

    assert argv[:2] == ["upgrade", "--install"]
    assert argv[-3:] == ["--", "web", str(tmp_path / "chart")]
    assert argv[argv.index("-o") + 1] == "json"
    assert argv.index("-o") < argv.index("--")
    assert "--dry-run=server" in argv
