"""Projects for source tests: an ``sbkube.yaml`` written to a temp dir and loaded for real."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sbkube_ci.commands.prepare import make_context
from sbkube_ci.config.loader import load_project
from sbkube_ci.sources.base import SourceContext
from tests.sources.git_http import git_http_server
from tests.support.projects import write_project

MakeContext = Callable[..., SourceContext]
__all__ = ["git_http_server"]  # a fixture for the tests here


@pytest.fixture
def make_ctx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MakeContext:
    """``make_ctx(apps, settings, files)``: a SourceContext on the project in tmp_path/project."""
    monkeypatch.delenv("SBKUBE_CACHE_DIR", raising=False)
    monkeypatch.delenv("CI", raising=False)

    def make(
        apps: dict[str, Any],
        settings: dict[str, Any] | None = None,
        files: dict[str, str] | None = None,
    ) -> SourceContext:
        root = write_project(tmp_path / "project", apps, settings, files)
        return make_context(load_project(root))

    return make
