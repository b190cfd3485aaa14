"""One fixture that yields a fresh store of each backend: local, S3 (moto), Git (daemon)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fixtures.git_server import GitServer
from tests.fixtures.s3_server import S3Server
from tests.state.workers import StoreSpec

SpecFactory = Callable[[], StoreSpec]


@pytest.fixture(params=["local", "s3", "git"])
def spec(request: pytest.FixtureRequest, tmp_path: Path) -> StoreSpec:
    """A store of each kind, as plain data any process can open."""
    if request.param == "local":
        return StoreSpec("local", str(tmp_path / "state"))
    if request.param == "s3":
        server: S3Server = request.getfixturevalue("s3_server")
        return StoreSpec("s3", server.create_bucket("deploy-state"), server.endpoint_url)
    git_server: GitServer = request.getfixturevalue("git_server")
    git_server.create("deploys", {"sbkube.yaml": "apiVersion: sbkube/v1\n"})
    return StoreSpec("git", git_server.url("deploys"), cache_root=str(tmp_path / "caches"))
