"""Connecting to clusters from sbkube.yaml's ``clusters`` and ``settings``, against the fake."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

import pytest
import yaml

from sbkube_ci.config.sections import Cluster, Settings
from sbkube_ci.deploy.kube.connection import connect, kubeconfig_source
from sbkube_ci.errors import DeployError
from tests.fakekube.fixture import FakeKube, kubeconfig


def _connect_error(
    name: str,
    cluster: Cluster | None,
    base_dir: Path,
    environ: dict[str, str] | None = None,
) -> str:
    with pytest.raises(DeployError) as error:
        contextlib.ExitStack().enter_context(
            connect(name, cluster, Settings(), base_dir=base_dir, environ=environ)
        )
    return str(error.value)


def _two_contexts(url: str) -> dict[str, object]:
    document = kubeconfig(url, context="staging")
    document["contexts"].append({"name": "prod", "context": {"cluster": "staging", "user": "x"}})
    return document


def test_kubeconfig_content_from_env_is_a_private_temp_file_removed_after(
    fake_kube: FakeKube, tmp_path: Path
) -> None:
    content = yaml.safe_dump(kubeconfig(fake_kube.url, context="ci"))
    cluster = Cluster(kubeconfig_env="KUBECONFIG_PROD", context="ci")
    environ = {"KUBECONFIG_PROD": content}
    with connect("prod", cluster, Settings(), base_dir=tmp_path, environ=environ) as conn:
        assert conn.kubeconfig is not None
        assert stat.S_IMODE(os.stat(conn.kubeconfig).st_mode) == 0o600
        assert conn.kubeconfig.read_text() == content
        assert conn.helm_flags() == ["--kubeconfig", str(conn.kubeconfig), "--kube-context", "ci"]
        assert conn.client.resource("apps/v1", "Deployment").namespaced
        written = conn.kubeconfig
    assert not written.exists()
    assert ("GET", "/apis") in fake_kube.requests


def test_temp_kubeconfig_is_removed_when_the_block_fails(
    fake_kube: FakeKube, tmp_path: Path
) -> None:
    content = yaml.safe_dump(kubeconfig(fake_kube.url))
    environ = {"KC": content}
    written: list[Path] = []

    def deploy() -> None:
        cluster = Cluster(kubeconfig_env="KC")
        with connect("prod", cluster, Settings(), base_dir=tmp_path, environ=environ) as conn:
            assert conn.kubeconfig is not None
            written.append(conn.kubeconfig)
            raise RuntimeError("deploy blew up")

    with pytest.raises(RuntimeError, match="deploy blew up"):
        deploy()
    assert len(written) == 1
    assert not written[0].exists()


def test_temp_kubeconfig_is_removed_when_it_does_not_parse(tmp_path: Path) -> None:
    before = set(Path(tempfile.gettempdir()).glob("sbkube-kubeconfig-*"))
    environ = {"KC": "clusters: [unclosed\n"}
    with (
        pytest.raises(DeployError) as error,
        connect(
            "prod", Cluster(kubeconfig_env="KC"), Settings(), base_dir=tmp_path, environ=environ
        ),
    ):
        pass
    assert str(error.value).startswith("cluster prod: kubeconfig from $KC does not parse: ")
    assert "sbkube-kubeconfig-" not in str(error.value)
    assert set(Path(tempfile.gettempdir()).glob("sbkube-kubeconfig-*")) == before


@pytest.mark.parametrize(
    ("environ", "state"), [({}, "is not set"), ({"KUBECONFIG_PROD": "  \n"}, "is empty")]
)
def test_missing_env_var_names_cluster_and_variable(
    tmp_path: Path, environ: dict[str, str], state: str
) -> None:
    cluster = Cluster(kubeconfig_env="KUBECONFIG_PROD")
    assert _connect_error("prod", cluster, tmp_path, environ) == (
        f"cluster prod: environment variable KUBECONFIG_PROD (kubeconfig_env) {state}; "
        "set it to the kubeconfig content, e.g. from a CI secret"
    )


def test_unknown_context_lists_the_available_ones(tmp_path: Path) -> None:
    environ = {"KC": yaml.safe_dump(_two_contexts("http://127.0.0.1:1"))}
    cluster = Cluster(kubeconfig_env="KC", context="qa")
    assert _connect_error("qa", cluster, tmp_path, environ) == (
        "cluster qa: kubeconfig from $KC has no context 'qa'; available contexts: staging, prod"
    )


def test_relative_kubeconfig_path_is_read_from_the_project_dir(
    fake_kube: FakeKube, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    (project / "kube").mkdir(parents=True)
    (project / "kube" / "config").write_text(yaml.safe_dump(kubeconfig(fake_kube.url, "stage")))
    cluster = Cluster(kubeconfig="kube/config", context="stage")
    with connect("staging", cluster, Settings(), base_dir=project) as conn:
        assert conn.kubeconfig == project / "kube" / "config"
        assert conn.kubeconfig.exists()
        assert not conn.client.resource("v1", "Namespace").namespaced
    assert (project / "kube" / "config").exists()  # the user's file is never removed


def test_settings_are_the_fallback_for_path_and_context(
    fake_kube: FakeKube, tmp_path: Path
) -> None:
    path = tmp_path / "config"
    path.write_text(yaml.safe_dump(_two_contexts(fake_kube.url)))
    settings = Settings(kubeconfig=str(path), kubeconfig_context="prod")
    with connect("default", None, settings, base_dir=tmp_path) as conn:
        assert conn.helm_flags() == ["--kubeconfig", str(path), "--kube-context", "prod"]
        assert conn.client.resource("v1", "ConfigMap").namespaced
    # The cluster's own context wins over settings.
    source = kubeconfig_source(Cluster(context="staging"), settings, base_dir=tmp_path)
    assert (source.path, source.context) == (path, "staging")


def test_missing_kubeconfig_file_names_the_cluster(tmp_path: Path) -> None:
    cluster = Cluster(kubeconfig="nowhere/config")
    assert _connect_error("prod", cluster, tmp_path) == (
        f"cluster prod: kubeconfig {tmp_path / 'nowhere' / 'config'} not found; "
        "set kubeconfig or KUBECONFIG"
    )


def test_no_kubeconfig_anywhere_uses_KUBECONFIG(
    fake_kube: FakeKube, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFIG", str(fake_kube.kubeconfig_path))
    with connect("default", Cluster(), Settings(), base_dir=tmp_path) as conn:
        assert conn.kubeconfig is None
        assert conn.helm_flags() == []
        assert conn.client.server == f"127.0.0.1:{fake_kube.server.port}"


def _exec_kubeconfig(url: str, marker: Path, plugin_dir: Path) -> dict[str, object]:
    """A kubeconfig whose user gets a token by running a program that leaves ``marker``."""
    plugin = plugin_dir / "credential-plugin"
    plugin.write_text(
        "#!/bin/sh\n"
        f"touch {marker}\n"
        'echo \'{"apiVersion": "client.authentication.k8s.io/v1beta1", '
        '"kind": "ExecCredential", "status": {"token": "fake-token"}}\'\n'
    )
    plugin.chmod(0o755)
    document = kubeconfig(url, context="prod")
    document["users"] = [
        {
            "name": "deployer",
            "user": {
                "exec": {
                    "apiVersion": "client.authentication.k8s.io/v1beta1",
                    "command": str(plugin),
                    "interactiveMode": "Never",
                }
            },
        }
    ]
    return document


def test_a_kubeconfig_exec_plugin_runs_nothing_when_exec_is_disabled(
    fake_kube: FakeKube, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "plugin-ran"
    content = yaml.safe_dump(_exec_kubeconfig(fake_kube.url, marker, tmp_path))
    cluster = Cluster(kubeconfig_env="KUBECONFIG_PROD")
    monkeypatch.setenv("SBKUBE_ALLOW_EXEC", "false")

    message = _connect_error("prod", cluster, tmp_path, {"KUBECONFIG_PROD": content})

    assert message == (
        "cluster prod: kubeconfig user deployer gets its credentials by running a command "
        "(exec / auth-provider cmd-path), and running commands is disabled "
        "(SBKUBE_ALLOW_EXEC=false); use a token or client certificate, or allow exec for this job"
    )
    assert not marker.exists()


def test_a_kubeconfig_exec_plugin_is_used_when_exec_is_allowed(
    fake_kube: FakeKube, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "plugin-ran"
    path = tmp_path / "kubeconfig.yaml"
    path.write_text(yaml.safe_dump(_exec_kubeconfig(fake_kube.url, marker, tmp_path)))
    monkeypatch.delenv("SBKUBE_ALLOW_EXEC", raising=False)
    with connect("prod", Cluster(kubeconfig=str(path)), Settings(), base_dir=tmp_path) as conn:
        assert conn.client.resource("v1", "ConfigMap").namespaced
    assert marker.exists()
