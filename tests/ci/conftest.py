"""Fixtures of the CI adapter tests: event payloads, the environment of a CI step.

The fake GitHub/GitLab APIs (``github``, ``gitlab``) come from tests/support/receivers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.receivers import FakeGitHub, FakeGitLab

EVENTS = Path(__file__).resolve().parent.parent / "data" / "events"


@pytest.fixture
def github_env(tmp_path: Path, github: FakeGitHub) -> dict[str, str]:
    """The environment of a docker action step on a pull_request ``opened`` event."""
    (tmp_path / "output").touch()
    (tmp_path / "summary").touch()
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(EVENTS / "pull_request_opened.json"),
        "GITHUB_REPOSITORY": "acme/shop-deploy",
        "GITHUB_API_URL": github.api_url,
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        "GITHUB_SHA": "0000000000000000000000000000000000000000",
        "GITHUB_REF": "refs/pull/42/merge",
        "INPUT_GITHUB-TOKEN": github.token,
    }


@pytest.fixture
def gitlab_env(tmp_path: Path, gitlab: FakeGitLab) -> dict[str, str]:
    """The variables of a GitLab job in a merge request pipeline."""
    return {
        "GITLAB_CI": "true",
        "CI_PIPELINE_SOURCE": "merge_request_event",
        "CI_API_V4_URL": gitlab.api_url,
        "CI_PROJECT_ID": gitlab.project_id,
        "CI_PROJECT_PATH": "acme/shop-deploy",
        "CI_MERGE_REQUEST_IID": "7",
        "CI_MERGE_REQUEST_PROJECT_ID": gitlab.project_id,
        "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": gitlab.project_id,
        "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "api-replicas",
        "CI_COMMIT_SHA": "c7d2a3f4e5b6978812ab34cd56ef7890ab12cd34",
        "CI_JOB_TOKEN": gitlab.job_token,
        "SBKUBE_GITLAB_TOKEN": gitlab.private_token,
        "SBKUBE_DOTENV": str(tmp_path / "sbkube-ci.env"),
    }
