"""One reader of the CI job: history and notifications name the same actor and run."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sbkube_ci.ci.context import CIContext
from sbkube_ci.ci.github import parse_event as github_event
from sbkube_ci.ci.gitlab import parse_event as gitlab_event
from sbkube_ci.notify import notification_from_ci_env
from sbkube_ci.state.identity import current_identity

GITHUB = {
    "GITHUB_ACTIONS": "true",
    "GITHUB_SERVER_URL": "https://ghe.example.com",
    "GITHUB_REPOSITORY": "acme/shop",
    "GITHUB_SHA": "abcdef0123456789",
    "GITHUB_ACTOR": "bob",
    "GITHUB_TRIGGERING_ACTOR": "carol",
    "GITHUB_RUN_ID": "77",
    "GITHUB_RUN_ATTEMPT": "2",
    "GITHUB_REF": "refs/heads/main",
    "GITHUB_EVENT_NAME": "push",
}
GITLAB = {
    "GITLAB_CI": "true",
    "CI_PROJECT_URL": "https://gitlab.example.com/acme/shop",
    "CI_PROJECT_PATH": "acme/shop",
    "CI_COMMIT_SHA": "0123456789abcdef",
    "CI_COMMIT_REF_NAME": "main",
    "CI_JOB_ID": "991",
    "CI_PIPELINE_URL": "https://gitlab.example.com/acme/shop/-/pipelines/5",
    "GITLAB_USER_LOGIN": "dave",
    "CI_PIPELINE_SOURCE": "push",
}


@pytest.mark.parametrize("environ", [GITHUB, GITLAB], ids=["github", "gitlab"])
def test_history_and_notifications_name_the_same_actor_and_run(
    environ: dict[str, str],
) -> None:
    identity = current_identity(environ)
    event = notification_from_ci_env("deploy_succeeded", clusters=["prod"], environ=environ)
    adapter_event = (github_event if "GITHUB_ACTIONS" in environ else gitlab_event)(environ)
    assert identity.actor == event.actor == adapter_event.actor
    assert identity.run_url == event.run_url
    assert identity.run_url


def test_github_names_the_triggering_actor_and_the_run_page() -> None:
    ctx = CIContext.from_env(GITHUB)
    assert ctx.platform == "github"
    assert ctx.actor == "carol"
    assert ctx.run_id == "github run 77.2"
    assert ctx.run_url == "https://ghe.example.com/acme/shop/actions/runs/77"
    assert (ctx.ref, ctx.repository) == ("refs/heads/main", "acme/shop")
    assert ctx.commit is not None
    assert ctx.commit.url == "https://ghe.example.com/acme/shop/commit/abcdef0123456789"


def test_github_actor_without_a_triggering_actor() -> None:
    environ = {k: v for k, v in GITHUB.items() if k != "GITHUB_TRIGGERING_ACTOR"}
    assert CIContext.from_env(environ).actor == "bob"


def test_gitlab_links_the_job_else_the_pipeline() -> None:
    assert CIContext.from_env(GITLAB).run_url == GITLAB["CI_PIPELINE_URL"]
    job_url = "https://gitlab.example.com/acme/shop/-/jobs/991"
    ctx = CIContext.from_env({**GITLAB, "CI_JOB_URL": job_url})
    assert (ctx.platform, ctx.actor, ctx.run_id, ctx.run_url) == (
        "gitlab",
        "dave",
        "gitlab job 991",
        job_url,
    )
    assert (ctx.ref, ctx.repository) == ("main", "acme/shop")


def test_a_forced_platform_reads_its_variables_without_the_marker() -> None:
    environ = {k: v for k, v in GITHUB.items() if k not in {"GITHUB_ACTIONS", "GITHUB_RUN_ID"}}
    assert CIContext.from_env(environ).platform == "local"
    assert CIContext.from_env(environ, platform="github").actor == "carol"


def test_outside_ci_only_the_user_is_known() -> None:
    assert CIContext.from_env({"USER": "eve"}) == CIContext(actor="eve")


def test_the_context_module_loads_neither_adapters_nor_notify_nor_state() -> None:
    code = (
        "import sys, sbkube_ci.ci.context; "
        "print(sorted(m for m in sys.modules if m.startswith('sbkube_ci.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "['sbkube_ci.ci', 'sbkube_ci.ci.context']"
