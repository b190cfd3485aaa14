"""Semantic checks that depend on the environment of the CI job."""

from __future__ import annotations

from pathlib import Path

import pytest

from sbkube_ci._yaml import read_text
from sbkube_ci.config.loader import check_document


def test_ci_job_without_the_notification_variable_gets_a_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = "apiVersion: sbkube/v1\nnotify:\n  slack:\n    webhook_url_env: SLACK_HOOK_FOR_TEST\n"
    monkeypatch.delenv("SLACK_HOOK_FOR_TEST", raising=False)
    assert _lines(text) == []  # on a laptop the CI secrets are not expected
    monkeypatch.setenv("CI", "true")
    assert _lines(text) == [
        "f.yaml:4:22: warning: notify.slack.webhook_url_env: environment variable "
        "SLACK_HOOK_FOR_TEST is not set in this job; notifications to slack will fail until "
        "it is added as a CI secret"
    ]
    monkeypatch.setenv("SLACK_HOOK_FOR_TEST", "https://hooks.example.com/x")
    assert _lines(text) == []


def _lines(text: str) -> list[str]:
    _, problems = check_document(read_text(text, "f.yaml"), Path())
    return [str(p) for p in problems]
