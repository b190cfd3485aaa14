"""A chart's random fields keep their deployed values: a generated password does not rotate."""

from __future__ import annotations

import base64

import pytest
from click.testing import CliRunner
from pyrage import x25519

from sbkube_ci.cli import cli
from sbkube_ci.deploy.run.random_values import keep_deployed
from sbkube_ci.plan_model import RandomFieldRef
from sbkube_ci.state.sealing import KEY_ENV
from tests.deploy.run.test_jobs import RANDOM_CHART
from tests.fakekube.fixture import FakeKube
from tests.support.projects import DeployProject, write_files

PASSWORD = RandomFieldRef(api_version="v1", kind="Secret", name="admin", path=["data", "password"])
CHECKSUM = RandomFieldRef(
    api_version="apps/v1",
    kind="Deployment",
    name="web",
    path=["spec", "template", "metadata", "annotations", "checksum/secret"],
)


def _secret(password: str, namespace: str = "shop") -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "admin", "namespace": namespace},
        "data": {"password": password, "user": "admin"},
    }


def _deployment(checksum: str, replicas: int) -> dict[str, object]:
    annotations = {"checksum/secret": checksum}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"replicas": replicas, "template": {"metadata": {"annotations": annotations}}},
    }


def test_random_fields_take_the_deployed_values_and_nothing_else_does() -> None:
    deployed = [_secret("old"), _deployment("sum-old", 1)]
    rendered = [_secret("new"), _deployment("sum-new", 3)]

    kept, count = keep_deployed(rendered, deployed, [PASSWORD, CHECKSUM])

    assert count == 2
    assert kept == [_secret("old"), _deployment("sum-old", 3)]  # replicas: as rendered
    assert rendered == [_secret("new"), _deployment("sum-new", 3)]  # the input is untouched


def test_new_objects_and_new_fields_keep_their_render() -> None:
    rendered = [_secret("new", namespace="other"), _deployment("sum-new", 1)]
    deployed = [_secret("old"), {"apiVersion": "apps/v1", "kind": "Deployment",
                                 "metadata": {"name": "web", "namespace": "shop"}}]  # fmt: skip

    kept, count = keep_deployed(rendered, deployed, [PASSWORD, CHECKSUM])

    assert count == 0
    assert kept == rendered


@pytest.fixture
def state_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, str(x25519.Identity.generate()))


def _password(fake_kube: FakeKube) -> str:
    data = fake_kube.require("Secret", "shop", "dash-admin")["data"]
    return base64.b64decode(data["admin-password"]).decode()


def _deploy_twice(project: DeployProject, fake_kube: FakeKube) -> tuple[str, list[str]]:
    """Deploy the random chart, then again after another value changed: the first password
    and the second deploy's log."""
    write_files(project.root, RANDOM_CHART)
    project.apps["dash"] = {"type": "helm", "chart": "./charts/dash", "deploy_mode": "apply"}
    first, _ = project.deploy()
    assert first.exit_code == 0, first.text()
    password = _password(fake_kube)
    project.apps["dash"]["set_values"] = {"color": "red"}
    second, lines = project.deploy()
    assert second.exit_code == 0, second.text()
    assert [(r.app, r.action) for r in second.results] == [("dash", "update")]
    return password, lines


@pytest.mark.usefixtures("state_key")
def test_a_generated_password_survives_a_deploy(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    password, lines = _deploy_twice(project, fake_kube)

    assert _password(fake_kube) == password
    assert fake_kube.require("ConfigMap", "shop", "dash")["data"] == {"color": "red"}
    assert "prod/dash: kept the deployed value of 2 random fields" in lines
    assert project.deploy()[0].results == []  # the state holds what was applied: quiet
    status = CliRunner().invoke(cli, ["status", "-C", str(project.root)])
    assert (status.exit_code, status.output) == (0, "prod: no drift (1 app)\n")


@pytest.mark.usefixtures("state_key")
def test_a_kept_password_is_masked_in_the_log_like_a_rendered_one(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    """The kept value comes from the state, not from this render: the masker learns it too."""
    hook = (
        "kubectl get secret dash-admin -n shop -o jsonpath='{.data.admin-password}' "
        "| base64 -d; echo"
    )
    write_files(project.root, RANDOM_CHART)
    project.apps["dash"] = {"type": "helm", "chart": "./charts/dash", "deploy_mode": "apply"}
    assert project.deploy()[0].exit_code == 0
    password = _password(fake_kube)
    project.apps["dash"]["set_values"] = {"color": "red"}
    project.apps["dash"]["hooks"] = {"post_deploy": [hook]}

    report, lines = project.deploy()

    assert report.exit_code == 0, report.text()
    assert _password(fake_kube) == password
    assert "***" in "\n".join(lines)
    assert all(password not in line for line in lines), lines


def test_without_the_state_key_the_values_change_and_the_log_says_why(
    project: DeployProject, fake_kube: FakeKube
) -> None:
    password, lines = _deploy_twice(project, fake_kube)

    assert _password(fake_kube) != password
    assert any(
        line.startswith("prod/dash: the chart's random fields get new values: the deployed "
                        f"Secret values cannot be read here; set {KEY_ENV}")
        for line in lines
    ), lines  # fmt: skip
