"""Expanding ${VAR} references inside values (headers such as Bearer ${TOKEN})."""

from __future__ import annotations

import pytest

from sbkube_ci.config.credentials import expand_env
from sbkube_ci.errors import ConfigError

WHERE = "apps.dashboards.headers.Authorization"


def test_expand_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("API_TOKEN", "t0ken")
    assert expand_env("Bearer ${API_TOKEN}", WHERE) == "Bearer t0ken"
    assert expand_env("no reference", WHERE) == "no reference"
    assert expand_env("$${API_TOKEN} is ${API_TOKEN}", WHERE) == "${API_TOKEN} is t0ken"


def test_expand_env_unset_and_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("API_TOKEN", raising=False)
    with pytest.raises(ConfigError) as caught:
        expand_env("Bearer ${API_TOKEN}", WHERE)
    assert str(caught.value) == (
        f"{WHERE}: environment variable API_TOKEN is not set; add it as a CI secret and "
        "expose it to this job (write $${...} for a literal ${...})"
    )
    monkeypatch.setenv("API_TOKEN", "")
    with pytest.raises(ConfigError, match="API_TOKEN is empty"):
        expand_env("Bearer ${API_TOKEN}", WHERE)
