"""Fixtures shared by the whole suite: real servers on 127.0.0.1 (see tests/fixtures/)."""

from __future__ import annotations

pytest_plugins = [
    "tests.fakekube.fixture",
    "tests.fixtures.chart_repo",
    "tests.fixtures.git_server",
    "tests.fixtures.oci_registry",
    "tests.fixtures.s3_server",
]
