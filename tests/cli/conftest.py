"""Fixtures of the command-line tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's shell: CI-only warnings are tested on their own."""
    monkeypatch.delenv("CI", raising=False)
