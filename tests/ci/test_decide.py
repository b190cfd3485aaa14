"""decide(): what a run does, from real event payloads and pipeline variables."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from sbkube_ci.ci.decide import decide
from sbkube_ci.ci.github import GitHubAdapter
from sbkube_ci.ci.gitlab import GitLabAdapter
from sbkube_ci.ci.inputs import Inputs
from sbkube_ci.ci.local import LocalAdapter
from tests.ci.conftest import EVENTS


def github(event: str, payload: str) -> GitHubAdapter:
    env = {"GITHUB_EVENT_NAME": event, "GITHUB_EVENT_PATH": str(EVENTS / payload)}
    return GitHubAdapter(env, stream=io.StringIO())


@pytest.mark.parametrize("payload", ["pull_request_opened.json", "pull_request_synchronize.json"])
def test_pull_request_plans_and_comments(payload: str) -> None:
    invocation = decide(github("pull_request", payload), Inputs(working_directory="deploy"))

    assert (invocation.command, invocation.comment, invocation.pr_number) == ("plan", True, 42)
    assert invocation.plan_path == Path("deploy/.sbkube/plan.json")
    assert invocation.chdir == Path("deploy")


def test_pull_request_never_deploys() -> None:
    invocation = decide(
        github("pull_request", "pull_request_opened.json"), Inputs(command="deploy")
    )

    assert invocation.command == "plan"
    assert "a deploy never runs from a pull/merge request" in invocation.reason


def test_pull_request_read_only_command_runs_without_comment() -> None:
    invocation = decide(
        github("pull_request", "pull_request_opened.json"), Inputs(command="validate")
    )

    assert (invocation.command, invocation.comment) == ("validate", False)


def test_comment_input_false_is_honoured() -> None:
    invocation = decide(github("pull_request", "pull_request_opened.json"), Inputs(comment=False))

    assert (invocation.command, invocation.comment) == ("plan", False)


def test_closed_pull_request_does_nothing() -> None:
    invocation = decide(github("pull_request", "pull_request_closed.json"), Inputs())

    assert invocation.command == ""
    assert invocation.reason == "pull request closed: nothing to plan"


@pytest.mark.parametrize(
    ("event", "payload"), [("push", "push.json"), ("workflow_dispatch", "workflow_dispatch.json")]
)
def test_push_and_dispatch_run_the_requested_command(event: str, payload: str) -> None:
    inputs = Inputs(command="deploy", clusters=("prod",), junit_path="junit.xml", live=True)

    invocation = decide(github(event, payload), inputs)

    assert (invocation.command, invocation.comment, invocation.clusters) == (
        "deploy",
        False,
        ("prod",),
    )
    assert (invocation.junit_path, invocation.live) == (Path("junit.xml"), True)


def test_gitlab_merge_request_event_plans() -> None:
    env = {"CI_PIPELINE_SOURCE": "merge_request_event", "CI_MERGE_REQUEST_IID": "7"}
    invocation = decide(GitLabAdapter(env, stream=io.StringIO()), Inputs(command="deploy"))

    assert (invocation.command, invocation.comment, invocation.pr_number) == ("plan", True, 7)


def test_gitlab_push_deploys() -> None:
    adapter = GitLabAdapter({"CI_PIPELINE_SOURCE": "push"}, stream=io.StringIO())

    assert decide(adapter, Inputs(command="deploy")).command == "deploy"


def test_local_shell_runs_the_command() -> None:
    invocation = decide(LocalAdapter({}, stream=io.StringIO()), Inputs(command="validate"))

    assert (invocation.command, invocation.comment) == ("validate", False)
