"""Fixtures shared by the whole suite: real servers on 127.0.0.1 (see tests/fixtures/)."""

from __future__ import annotations

import os

import pytest

pytest_plugins = [
    "tests.fakekube.fixture",
    "tests.fixtures.chart_repo",
    "tests.fixtures.git_server",
    "tests.fixtures.oci_registry",
    "tests.fixtures.s3_server",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``cluster`` tests need a real cluster; skip them unless SBKUBE_E2E_KUBECONFIG is set."""
    if os.environ.get("SBKUBE_E2E_KUBECONFIG"):
        return
    skip = pytest.mark.skip(reason="set SBKUBE_E2E_KUBECONFIG to run tests on a real cluster")
    for item in items:
        if "cluster" in item.keywords:
            item.add_marker(skip)
