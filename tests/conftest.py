"""Fixtures shared by the whole suite: real servers on 127.0.0.1 (see tests/fixtures/)."""

from __future__ import annotations

import pytest

pytest_plugins = [
    "tests.fakekube.fixture",
    "tests.fixtures.chart_repo",
    "tests.fixtures.git_server",
    "tests.fixtures.oci_registry",
    "tests.fixtures.s3_server",
    "tests.support.clocks",
    "tests.support.cluster",
    "tests.support.projects",
    "tests.support.receivers",
]


@pytest.fixture(autouse=True)
def _no_user_helm_repositories(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Undeclared chart repositories fall back to the user's `helm repo add` list; the suite
    must not depend on the machine's (tests that need one write their own)."""
    empty = tmp_path_factory.getbasetemp() / "no-helm-repositories.yaml"
    monkeypatch.setenv("HELM_REPOSITORY_CONFIG", str(empty))


@pytest.fixture(autouse=True)
def _no_progress_display(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands run by the tests show no progress unless a test asks (SBKUBE_PROGRESS)."""
    monkeypatch.setenv("SBKUBE_PROGRESS", "none")
