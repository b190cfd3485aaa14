"""Credential references, durations and names."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from sbkube_ci.config.sections import GitRepo, HelmRepo
from sbkube_ci.config.types import (
    Duration,
    EnvName,
    dns_label_problem,
    duration_seconds,
    resolve_secret,
)
from sbkube_ci.errors import ConfigError

WHERE = "settings.helm_repos.private.password"


def test_resolve_secret_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARTS_PASSWORD", "s3cret")
    assert resolve_secret("${CHARTS_PASSWORD}", WHERE) == "s3cret"
    assert resolve_secret(None, WHERE) is None


def test_resolve_secret_unset_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHARTS_PASSWORD", raising=False)
    with pytest.raises(ConfigError) as caught:
        resolve_secret("${CHARTS_PASSWORD}", WHERE)
    assert str(caught.value) == (
        f"{WHERE}: environment variable CHARTS_PASSWORD is not set; add it as a CI secret and "
        "expose it to this job (GitHub: env: from secrets, GitLab: masked CI/CD variable)"
    )


def test_resolve_secret_empty_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    # GitHub expands a secret that does not exist to the empty string.
    monkeypatch.setenv("CHARTS_PASSWORD", "")
    with pytest.raises(ConfigError) as caught:
        resolve_secret("${CHARTS_PASSWORD}", WHERE)
    assert str(caught.value) == (
        f"{WHERE}: environment variable CHARTS_PASSWORD is empty; check that the CI secret "
        "exists and is available to this branch or environment"
    )


def test_resolve_secret_never_echoes_a_literal() -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_secret("hunter2-literal", WHERE)
    assert "hunter2" not in str(caught.value)
    assert str(caught.value).startswith(f"{WHERE}: credentials are never written in the file")


def test_secret_fields_refuse_literals_without_echoing_them() -> None:
    for model, data in (
        (HelmRepo, {"url": "https://x", "password": "hunter2-literal"}),
        (GitRepo, {"url": "https://x", "ssh_key": "hunter2-literal"}),
    ):
        with pytest.raises(ValidationError) as caught:
            model.model_validate(data)
        assert "hunter2" not in str(caught.value)
        assert "credentials are never written in the file" in str(caught.value)


def test_missing_variable_is_not_an_error_until_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    repo = HelmRepo(url="https://x", password="${NOT_SET_ANYWHERE}")
    assert repo.password == "${NOT_SET_ANYWHERE}"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [(300, 300.0), ("300", 300.0), ("90s", 90.0), ("5m", 300.0), ("1h30m", 5400.0), (1.5, 1.5)],
)
def test_durations(text: object, seconds: float) -> None:
    assert TypeAdapter(Duration).validate_python(text) == seconds


@pytest.mark.parametrize("text", ["5x", "", "m", "-5", True])
def test_bad_durations(text: object) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(Duration).validate_python(text)


def test_days_and_weeks_only_where_allowed() -> None:
    # sbkube.yaml takes h/m/s; `cache prune --max-age` also takes d and w (same parser).
    with pytest.raises(ValidationError):
        TypeAdapter(Duration).validate_python("2d")
    assert duration_seconds("2d") is None
    assert duration_seconds("2d", units="wdhms") == 2 * 86400.0
    assert duration_seconds("1w1d12h", units="wdhms") == (7 + 1) * 86400.0 + 12 * 3600.0
    assert duration_seconds("12h1d", units="wdhms") is None


def test_env_names_accept_the_reference_form() -> None:
    adapter = TypeAdapter(EnvName)
    assert adapter.validate_python("SLACK_WEBHOOK_URL") == "SLACK_WEBHOOK_URL"
    assert adapter.validate_python("${SLACK_WEBHOOK_URL}") == "SLACK_WEBHOOK_URL"
    with pytest.raises(ValidationError) as caught:
        adapter.validate_python("https://hooks.slack.com/services/T0/B0/SECRETPART")
    assert "SECRETPART" not in str(caught.value.errors(include_input=False))


def test_dns_labels() -> None:
    assert dns_label_problem("web-1") is None
    assert dns_label_problem("a" * 64) == (
        f"{'a' * 64!r} is 64 characters; Kubernetes allows at most 63"
    )
    assert dns_label_problem("-web") is not None
