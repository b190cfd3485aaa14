"""The render worker gives what ``helm template`` gives, byte for byte, random values aside.

Both run here on the same charts with the same flags: the local example charts, and fixtures
under tests/data/parity/ with the shapes of popular public charts (kube-prometheus-stack,
ingress-nginx, cert-manager, grafana with a bitnami-style library chart): subcharts with
conditions and aliases, library charts, CRDs in crds/ and in templates, hooks and test hooks,
``lookup``, ``.Capabilities`` gates, ``.Files.Get/Glob/Lines/AsConfig/AsSecrets``, ``tpl``,
generated certificates and passwords.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from sbkube_ci.errors import RenderError
from sbkube_ci.render.helm import helm_message
from sbkube_ci.render.worker import WORKER_BINARY, RenderWorker
from tests.render.conftest import TOOLS

ROOT = Path(__file__).resolve().parents[2]
PARITY = ROOT / "tests/data/parity"
# Values generated at random on every render (genCA, genSignedCert, randAlphaNum).
RANDOM = re.compile(r"^(\s*(?:ca|tls\.crt|tls\.key|caBundle|admin-password): ).*$", re.M)
APIS = ("monitoring.coreos.com/v1", "autoscaling/v2", "policy/v1/PodDisruptionBudget")

CASES = {
    "monitoring-defaults": ("monitoring", {}, None, ()),
    "monitoring-crd-cluster": ("monitoring", {}, "1.31.2", APIS),
    "monitoring-options": (
        "monitoring",
        {
            "fullnameOverride": "kps",
            "commonLabels": {"team": "obs"},
            "nodeExporter": {"enabled": False},
            "kube-state-metrics": {"prometheus": {"monitor": {"interval": "30s"}}},
            "prometheus": {
                "ingress": {"enabled": True, "hosts": ["prom.{{ .Release.Namespace }}.example"]},
                "prometheusSpec": {
                    "resources": {"requests": {"memory": "400Mi"}},
                    "storageSpec": {"volumeClaimTemplate": {"spec": {"storageClassName": "ssd"}}},
                    "externalLabels": {"cluster": "prod"},
                },
            },
            "defaultRules": {"labels": {"tier": "platform"}, "rules": {"etcd": True}},
        },
        "1.19.0",
        ("networking.k8s.io/v1beta1",),
    ),
    "ingress-defaults": ("ingress", {}, None, ()),
    "ingress-scaled": (
        "ingress",
        {
            "controller": {
                "replicaCount": 3,
                "config": {"use-gzip": "true", "ssl-protocols": "TLSv1.3"},
                "addHeaders": {"X-Frame-Options": "DENY"},
                "extraArgs": {"enable-ssl-passthrough": True},
                "extraEnvs": [{"name": "TZ", "value": "UTC"}],
                "autoscaling": {"enabled": True, "minReplicas": 2},
                "service": {"externalTrafficPolicy": "Local", "annotations": {"a": "b"}},
            },
            "tcp": {"5432": "db/postgres:5432"},
        },
        "1.29.4",
        APIS,
    ),
    "certmanager-defaults": ("certmanager", {}, None, ()),
    "certmanager-options": (
        "certmanager",
        {
            "crds": {"enabled": False},
            "config": {"featureGates": {"AdditionalCertificateOutputFormats": True}},
            "extraArgs": ["--enable-certificate-owner-ref=true"],
            "podDnsConfig": {"nameservers": ["1.1.1.1"]},
            "global": {"commonLabels": {"owner": "sre"}},
        },
        "1.26.0",
        (),
    ),
    "dashboards-defaults": ("dashboards", {}, None, ()),
    "dashboards-options": (
        "dashboards",
        {
            "adminPassword": "s3cret",
            "persistence": {"enabled": True},
            "env": {"GF_SERVER_DOMAIN": "{{ .Release.Name }}.example"},
            "podAnnotations": {"x": "y"},
            "sidecar": {"dashboards": {"enabled": False}},
        },
        "1.20.0",
        (),
    ),
    "quickstart-web": (str(ROOT / "examples/quickstart/charts/web"), {}, None, ()),
    "unified-api": (str(ROOT / "tests/data/valid/unified/charts/api"), {}, "1.30.0", ()),
    "legacy-site": (str(ROOT / "tests/data/valid/legacy-mapping/web/charts/site"), {}, None, ()),
}


@pytest.fixture(scope="module")
def worker() -> Iterator[RenderWorker]:
    binary = shutil.which(WORKER_BINARY, path=str(TOOLS))
    assert binary, f"{WORKER_BINARY} is not in {TOOLS}: run scripts/bootstrap (needs Go)"
    running = RenderWorker(binary, {})
    yield running
    running.close()


def _chart(name: str) -> Path:
    return Path(name) if name.startswith("/") else PARITY / name


def _cli(args: list[str]) -> subprocess.CompletedProcess[str]:
    helm = TOOLS / "helm"  # the helm 4 CLI, the one the worker is built from
    argv = [str(helm), "template", *args]
    return subprocess.run(argv, capture_output=True, text=True, check=False)


def _flags(
    release: str,
    chart: Path,
    values: Path,
    namespace: str,
    *,
    kube: str | None,
    apis: tuple[str, ...],
) -> tuple[list[str], dict[str, object]]:
    argv = [release, str(chart), "-f", str(values), "--namespace", namespace]
    argv += ["--include-crds", "--skip-tests"]
    argv += ["--kube-version", kube] if kube else []
    for api in apis:
        argv += ["--api-versions", api]
    request: dict[str, object] = {
        "release": release,
        "chart": str(chart),
        "values_files": [str(values)],
        "namespace": namespace,
        "kube_version": kube or "",
        "api_versions": list(apis),
        "include_crds": True,
        "skip_tests": True,
    }
    return argv, request


def _unrandom(text: str) -> str:
    return RANDOM.sub(r"\1<random>", text)


@pytest.mark.parametrize("case", sorted(CASES))
def test_worker_output_is_the_cli_output(case: str, worker: RenderWorker, tmp_path: Path) -> None:
    chart_name, values, kube, apis = CASES[case]
    values_file = tmp_path / "values.yaml"
    values_file.write_text(yaml.safe_dump(values))
    argv, request = _flags("rel", _chart(chart_name), values_file, "obs", kube=kube, apis=apis)

    cli = _cli(argv)
    assert cli.returncode == 0, cli.stderr
    rendered = worker.template(request, timeout=60)

    assert _unrandom(rendered) == _unrandom(cli.stdout)
    if not chart_name.startswith("/"):
        assert len(list(yaml.safe_load_all(rendered))) >= 5


def test_the_fixtures_exercise_what_they_claim(worker: RenderWorker, tmp_path: Path) -> None:
    """Guard against a fixture that silently stops rendering the feature under test."""
    values_file = tmp_path / "values.yaml"
    values_file.write_text("{}\n")

    def render(chart: str, kube: str | None = None, apis: tuple[str, ...] = ()) -> str:
        return worker.template(
            _flags("rel", PARITY / chart, values_file, "obs", kube=kube, apis=apis)[1], timeout=60
        )

    monitoring = render("monitoring", "1.31.2", APIS)
    assert "kind: CustomResourceDefinition" in monitoring  # crds/ with include_crds
    assert "name: rel-prometheus-node-exporter" in monitoring  # aliased subchart
    assert "\nkind: ServiceMonitor\n" in monitoring  # .Capabilities.APIVersions.Has
    assert "helm.sh/hook: test" not in monitoring.replace('"', "")  # skip_tests
    assert "post-install,post-upgrade" in monitoring  # hooks after the manifest
    assert "\nkind: ServiceMonitor\n" not in render("monitoring")
    ingress = render("ingress")
    assert 'sbkube-test/looked-up: "absent"' in ingress  # lookup is empty, as in the CLI
    assert 'proxy-buffer-size: "16k"' in ingress  # .Files.Get
    certmanager = render("certmanager", "1.26.0")
    assert "controller.yaml: |" in certmanager
    assert "--feature-gates=LegacyAPIs=true" in certmanager
    dashboards = render("dashboards")
    assert "app.kubernetes.io/name: grafana" in dashboards  # library chart helpers
    assert '"title": "Nodes"' in dashboards  # .Files.Glob
    assert "ldap.txt: bGRhcC1iaW5kLXBhc3N3b3JkCg==" in dashboards  # AsSecrets


def test_a_packaged_chart_with_a_packaged_subchart(worker: RenderWorker, tmp_path: Path) -> None:
    helm = str(TOOLS / "helm")
    parent = tmp_path / "monitoring"
    shutil.copytree(PARITY / "monitoring", parent)
    sub = parent / "charts" / "node-exporter"
    subprocess.run([helm, "package", str(sub), "-d", str(parent / "charts")], check=True)
    shutil.rmtree(sub)
    subprocess.run([helm, "package", str(parent), "-d", str(tmp_path)], check=True)
    archive = tmp_path / "monitoring-61.2.0.tgz"
    values_file = tmp_path / "values.yaml"
    values_file.write_text("{}\n")
    argv, request = _flags("rel", archive, values_file, "obs", kube="1.31.2", apis=APIS)

    cli = _cli(argv)
    assert cli.returncode == 0, cli.stderr
    assert worker.template(request, timeout=60) == cli.stdout


@pytest.mark.parametrize(
    ("chart", "values", "kube"),
    [
        ("monitoring", "{}\n", "1.18.0"),  # the chart's kubeVersion constraint
        ("dashboards/charts/common", "{}\n", None),  # a library chart is not installable
        ("certmanager", "installCRDs: true\n", None),  # the chart's own `fail`
        ("dashboards", "replicas: {{ .Values }}\n", None),  # unparsable values file
    ],
)
def test_errors_are_the_cli_errors(
    chart: str, values: str, kube: str | None, worker: RenderWorker, tmp_path: Path
) -> None:
    values_file = tmp_path / "values.yaml"
    values_file.write_text(values)
    argv, request = _flags("rel", PARITY / chart, values_file, "obs", kube=kube, apis=())

    cli = _cli(argv)
    assert cli.returncode != 0
    with pytest.raises(RenderError) as caught:
        worker.template(request, timeout=60)

    assert helm_message(f"Error: {caught.value}") == helm_message(cli.stderr)


def test_a_missing_dependency_is_the_cli_error(worker: RenderWorker, tmp_path: Path) -> None:
    chart = tmp_path / "dashboards"
    shutil.copytree(PARITY / "dashboards", chart)
    shutil.rmtree(chart / "charts")
    values_file = tmp_path / "values.yaml"
    values_file.write_text("{}\n")
    argv, request = _flags("rel", chart, values_file, "obs", kube=None, apis=())

    cli = _cli(argv)
    with pytest.raises(RenderError) as caught:
        worker.template(request, timeout=60)

    assert "helm dependency build" in str(caught.value)
    assert helm_message(f"Error: {caught.value}") == helm_message(cli.stderr)


KUSTOMIZE = {
    "base/kustomization.yaml": (
        "resources: [deployment.yaml, service.yaml]\n"
        "configMapGenerator:\n  - name: settings\n    literals: [color=blue, size=9]\n"
        "secretGenerator:\n  - name: creds\n    literals: [password=s3cret]\n"
    ),
    "base/deployment.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"
        "spec:\n  template:\n    spec:\n      containers:\n"
        "        - name: web\n          image: nginx:1.27\n"
        "          envFrom: [{configMapRef: {name: settings}}]\n"
    ),
    "base/service.yaml": (
        "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80}]}\n"
    ),
    "component/kustomization.yaml": (
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
        "commonAnnotations: {team: platform}\n"
    ),
    "overlay/kustomization.yaml": (
        "resources: [../base, namespace.yaml]\ncomponents: [../component]\n"
        "namespace: shop\nnamePrefix: prod-\nlabels:\n  - pairs: {env: prod}\n"
        "    includeSelectors: true\n"
        "images:\n  - {name: nginx, newTag: '1.28'}\nreplicas:\n  - {name: web, count: 3}\n"
        "patches:\n  - target: {kind: Service, name: web}\n"
        '    patch: \'[{"op": "add", "path": "/spec/type", "value": "NodePort"}]\'\n'
    ),
    "overlay/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n",
    "broken/kustomization.yaml": "resources: [missing.yaml]\n",
}


@pytest.fixture
def kustomizations(tmp_path: Path) -> Path:
    for rel, text in KUSTOMIZE.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def _kubectl_kustomize(directory: Path) -> subprocess.CompletedProcess[str]:
    argv = [str(TOOLS / "kubectl"), "kustomize", str(directory)]
    return subprocess.run(argv, capture_output=True, text=True, check=False)


def test_the_worker_carries_kubectls_kustomize(worker: RenderWorker) -> None:
    assert worker.kustomize_version == "v5.8.1"  # what `kubectl version` says (kubectl 1.37.1)


@pytest.mark.parametrize("directory", ["base", "overlay"])
def test_kustomize_output_is_kubectl_kustomize_output(
    directory: str, worker: RenderWorker, kustomizations: Path
) -> None:
    kubectl = _kubectl_kustomize(kustomizations / directory)
    assert kubectl.returncode == 0, kubectl.stderr

    built = worker.template(
        {"kind": "kustomize", "dir": str(kustomizations / directory)}, timeout=60
    )

    assert built == kubectl.stdout
    assert "settings-" in built  # the generators' hash suffixes agree too


def test_kustomize_errors_are_kubectls(worker: RenderWorker, kustomizations: Path) -> None:
    kubectl = _kubectl_kustomize(kustomizations / "broken")
    with pytest.raises(RenderError) as caught:
        worker.template({"kind": "kustomize", "dir": str(kustomizations / "broken")}, timeout=60)

    assert kubectl.returncode == 1
    assert kubectl.stderr.strip() == f"error: {caught.value}"
