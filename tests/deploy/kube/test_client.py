"""Building clients from kubeconfigs, and errors named for what failed."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest
import yaml
from kubernetes import config as k8s_config
from kubernetes.client.exceptions import ApiException

from sbkube_ci.deploy.kube.client import (
    SERVER_RETRIES,
    KubeClient,
    kubeconfig_file,
    load_configuration,
)
from sbkube_ci.errors import DeployError
from tests.fakekube.fixture import FakeKube, kubeconfig


def test_client_from_kubeconfig_context_talks_to_the_server(fake_kube: FakeKube) -> None:
    with KubeClient.from_kubeconfig(fake_kube.kubeconfig_path, "fake") as kube:
        assert kube.server == f"127.0.0.1:{fake_kube.server.port}"
        namespaces = kube.resource("v1", "Namespace")
        assert not namespaces.namespaced
        assert kube.resource("v1", "Namespace") is namespaces  # discovery cached for the run
    assert ("GET", "/version") in fake_kube.requests


def test_kubeconfig_content_becomes_a_private_file_removed_after(fake_kube: FakeKube) -> None:
    content = yaml.safe_dump(kubeconfig(fake_kube.url, context="ci"))
    with kubeconfig_file(content) as path:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        with KubeClient.from_kubeconfig(path, "ci") as kube:
            assert kube.resource("apps/v1", "Deployment").namespaced
    assert not path.exists()


def test_missing_context_lists_the_available_ones(tmp_path: Path) -> None:
    path = tmp_path / "config"
    document = kubeconfig("http://127.0.0.1:1", context="staging")
    document["contexts"].append({"name": "prod", "context": {"cluster": "staging", "user": "x"}})
    path.write_text(yaml.safe_dump(document))
    with pytest.raises(DeployError) as error:
        load_configuration(path, "qa")
    assert str(error.value) == (
        f"kubeconfig {path} has no context 'qa'; available contexts: staging, prod"
    )


def test_kubeconfig_without_current_context_asks_for_one(tmp_path: Path) -> None:
    path = tmp_path / "config"
    document = kubeconfig("http://127.0.0.1:1", context="staging")
    del document["current-context"]
    path.write_text(yaml.safe_dump(document))
    with pytest.raises(DeployError, match=r"sets no current-context.*available contexts: staging"):
        load_configuration(path)


def test_unparsable_kubeconfig_is_named(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("clusters: [unclosed\n")
    with pytest.raises(DeployError, match=f"kubeconfig {path} does not parse: "):
        load_configuration(path, "fake")


def test_missing_kubeconfig_is_named(tmp_path: Path) -> None:
    with pytest.raises(DeployError, match=r"kubeconfig .*nope not found"):
        load_configuration(tmp_path / "nope", "fake")


def test_kubeconfig_env_is_the_default(
    fake_kube: FakeKube, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFIG", str(fake_kube.kubeconfig_path))
    configuration = load_configuration()
    assert configuration.host == fake_kube.url


def test_unreachable_server_is_named_with_a_hint(fake_kube: FakeKube) -> None:
    fake_kube.stop()
    kube = KubeClient.from_kubeconfig(fake_kube.kubeconfig_path, "fake", connect_timeout=1)
    with kube, pytest.raises(DeployError) as error:
        kube.resource("v1", "ConfigMap")
    message = str(error.value)
    assert f"cannot reach the Kubernetes API server at 127.0.0.1:{fake_kube.server.port}" in message
    assert "connection refused" in message
    assert message.endswith("check the kubeconfig server address / network")


def test_firewalled_server_fails_within_the_connect_timeout(fake_kube: FakeKube) -> None:
    fake_kube.blackhole()
    kube = KubeClient.from_kubeconfig(fake_kube.kubeconfig_path, "fake", connect_timeout=0.5)
    started = time.monotonic()
    with kube, pytest.raises(DeployError) as error:
        kube.resource("v1", "ConfigMap")
    # Not a speed check: without a connect timeout this would wait for the OS (minutes).
    assert time.monotonic() - started < 10
    assert str(error.value) == (
        f"cannot reach the Kubernetes API server at 127.0.0.1:{fake_kube.server.port}: "
        "connecting timed out during API discovery; "
        "check the kubeconfig server address / network"
    )


def test_silent_server_fails_within_the_timeout(fake_kube: FakeKube) -> None:
    fake_kube.hang()
    kube = KubeClient.from_kubeconfig(
        fake_kube.kubeconfig_path, "fake", connect_timeout=0.5, read_timeout=0.5
    )
    started = time.monotonic()
    with kube, pytest.raises(DeployError) as error:
        kube.resource("v1", "ConfigMap")
    # Not a speed check: without the timeout this call would block until the server answers.
    assert time.monotonic() - started < 10
    assert "did not answer in time" in str(error.value)
    assert "check the kubeconfig server address / network" in str(error.value)
    fake_kube.hang(False)


def _telling_waits(fake_kube: FakeKube) -> tuple[KubeClient, list[tuple[str, int, float]]]:
    """A client for the fake server, and the list its waits for the server go to."""
    waits: list[tuple[str, int, float]] = []
    kube = KubeClient.from_kubeconfig(
        fake_kube.kubeconfig_path, "fake", on_retry=lambda *wait: waits.append(wait)
    )
    return kube, waits


def test_a_throttled_request_is_sent_again_when_the_server_says_and_each_wait_is_told(
    fake_kube: FakeKube,
) -> None:
    kube, waits = _telling_waits(fake_kube)
    with kube:
        namespaces = kube.resource("v1", "Namespace")
        fake_kube.throttle(1, retry_after="0")  # API Priority and Fairness: 429, Retry-After
        fake_kube.throttle(1, code=503, retry_after="0")  # between etcd leaders
        assert namespaces.get().kind == "NamespaceList"
    where = f"API server 127.0.0.1:{fake_kube.server.port}"
    assert waits == [
        (f"{where}: HTTP 429 on GET /api/v1/namespaces", 1, 0.0),
        (f"{where}: HTTP 503 on GET /api/v1/namespaces", 2, 0.0),
    ]
    assert fake_kube.requests.count(("GET", "/api/v1/namespaces")) == 3


@pytest.mark.parametrize(
    ("code", "retry_after"),
    [(429, None), (500, None), (503, "600"), (409, "0")],
    ids=["no-retry-after", "5xx-without-retry-after", "wait-too-long", "not-a-retry-status"],
)
def test_only_a_server_that_asks_for_a_short_wait_gets_the_request_again(
    fake_kube: FakeKube, code: int, retry_after: str | None
) -> None:
    kube, waits = _telling_waits(fake_kube)
    with kube:
        namespaces = kube.resource("v1", "Namespace")
        fake_kube.throttle(1, code=code, retry_after=retry_after)
        with pytest.raises(ApiException) as error:
            namespaces.get()
    assert error.value.status == code
    assert waits == []


def test_a_server_that_keeps_throttling_gets_an_answer_after_the_retries(
    fake_kube: FakeKube,
) -> None:
    kube, waits = _telling_waits(fake_kube)
    with kube:
        namespaces = kube.resource("v1", "Namespace")
        fake_kube.throttle(SERVER_RETRIES + 1, retry_after="0")
        with pytest.raises(ApiException) as error:
            namespaces.get()
    assert error.value.status == 429
    assert [attempt for _, attempt, _ in waits] == list(range(1, SERVER_RETRIES + 1))


def test_unknown_kind_asks_about_the_crd(fake_kube: FakeKube) -> None:
    kube = KubeClient.from_kubeconfig(fake_kube.kubeconfig_path, "fake")
    with kube, pytest.raises(DeployError) as error:
        kube.resource("example.com/v1", "Widget")
    assert str(error.value) == (
        "the cluster has no kind Widget in apiVersion example.com/v1; is its CRD installed?"
    )


def test_a_client_error_quoting_the_kubeconfig_never_shows_its_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "kube-token-0123456789abcdef"
    document = kubeconfig("https://127.0.0.1:1")
    document["users"][0]["user"]["token"] = token
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(document))

    def quoting(**kwargs: object) -> None:
        # what the client does with some malformed files: it quotes the entry it choked on
        raise k8s_config.ConfigException(f"Invalid kube-config file. user entry {{token: {token}}}")

    monkeypatch.setattr(k8s_config, "load_kube_config", quoting)
    with pytest.raises(DeployError) as info:
        load_configuration(path, "fake")
    assert token not in str(info.value)
    assert "Invalid kube-config file. user entry {token: ***}" in str(info.value)
    assert info.value.__cause__ is None  # a --debug traceback would show the original text
