"""Actor, commit, PR and run links from GitHub Actions and GitLab CI variables."""

from __future__ import annotations

import json
from pathlib import Path

from sbkube_ci.notify import ci_context, notification_from_ci_env


def test_github_push(tmp_path: Path) -> None:
    payload = tmp_path / "event.json"
    payload.write_text(json.dumps({"head_commit": {"message": "Pin redis\n\nbody"}}))
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_SERVER_URL": "https://github.example.com",
        "GITHUB_REPOSITORY": "acme/shop",
        "GITHUB_SHA": "abcdef0123456789",
        "GITHUB_ACTOR": "alice",
        "GITHUB_RUN_ID": "77",
        "GITHUB_RUN_ATTEMPT": "2",
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_EVENT_PATH": str(payload),
    }
    event = notification_from_ci_env("deploy_succeeded", clusters=["prod"], environ=env)
    assert event.actor == "alice"
    assert event.commit is not None
    assert event.commit.short_sha == "abcdef0"
    assert event.commit.title == "Pin redis"
    assert event.commit.url == "https://github.example.com/acme/shop/commit/abcdef0123456789"
    # the run, not the attempt: history (state identity) links the same page
    assert event.run_url == "https://github.example.com/acme/shop/actions/runs/77"
    assert event.pr_url is None
    assert event.clusters == ("prod",)


def test_github_pull_request_uses_the_head_commit_and_pr_link(tmp_path: Path) -> None:
    payload = tmp_path / "event.json"
    pull = {
        "html_url": "https://github.com/acme/shop/pull/5",
        "title": "Scale api",
        "head": {"sha": "fedcba9876"},
    }
    payload.write_text(json.dumps({"pull_request": pull}))
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": "acme/shop",
        "GITHUB_SHA": "mergecommit1",
        "GITHUB_ACTOR": "bob",
        "GITHUB_TRIGGERING_ACTOR": "carol",
        "GITHUB_REF": "refs/pull/5/merge",
        "GITHUB_EVENT_PATH": str(payload),
    }
    ctx = ci_context(env)
    assert ctx.actor == "carol"
    assert ctx.pr_url == "https://github.com/acme/shop/pull/5"
    assert ctx.commit is not None
    assert ctx.commit.sha == "fedcba9876"
    assert ctx.commit.title == "Scale api"


def test_github_without_a_readable_payload_still_links_the_pr() -> None:
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": "acme/shop",
        "GITHUB_REF": "refs/pull/9/merge",
        "GITHUB_EVENT_PATH": "/nonexistent/event.json",
    }
    assert ci_context(env).pr_url == "https://github.com/acme/shop/pull/9"


def test_gitlab_merge_request_pipeline() -> None:
    env = {
        "GITLAB_CI": "true",
        "CI_PROJECT_URL": "https://gitlab.example.com/acme/shop",
        "CI_COMMIT_SHA": "0123456789abcdef",
        "CI_COMMIT_MESSAGE": "Raise replicas\n\nmore",
        "CI_MERGE_REQUEST_IID": "12",
        "CI_JOB_URL": "https://gitlab.example.com/acme/shop/-/jobs/991",
        "GITLAB_USER_LOGIN": "dave",
    }
    ctx = ci_context(env)
    assert ctx.actor == "dave"
    assert ctx.pr_url == "https://gitlab.example.com/acme/shop/-/merge_requests/12"
    assert ctx.run_url == "https://gitlab.example.com/acme/shop/-/jobs/991"
    assert ctx.commit is not None
    assert ctx.commit.url == "https://gitlab.example.com/acme/shop/-/commit/0123456789abcdef"
    assert ctx.commit.title == "Raise replicas"


def test_outside_ci_only_the_local_user_is_known() -> None:
    ctx = ci_context({"USER": "eve"})
    assert ctx.actor == "eve"
    assert (ctx.commit, ctx.pr_url, ctx.run_url) == (None, None, None)


def test_push_after_a_merge_links_the_merged_pull_request(tmp_path: Path) -> None:
    base = {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "acme/shop", "GITHUB_SHA": "abc1234"}
    for message, expected in [
        ("Scale api for the sale (#318)\n\n* details", "https://github.com/acme/shop/pull/318"),
        ("Merge pull request #42 from acme/scale\n\nScale", "https://github.com/acme/shop/pull/42"),
        ("Scale api\n\nsee (#7) in the body", None),
    ]:
        payload = tmp_path / "event.json"
        payload.write_text(json.dumps({"head_commit": {"message": message}}))
        assert ci_context({**base, "GITHUB_EVENT_PATH": str(payload)}).pr_url == expected


def test_gitlab_merge_commit_links_its_merge_request() -> None:
    env = {
        "GITLAB_CI": "true",
        "CI_PROJECT_URL": "https://gitlab.com/acme/shop",
        "CI_COMMIT_SHA": "0123456789",
        "CI_COMMIT_MESSAGE": (
            "Merge branch 'scale' into 'main'\n\nScale\n\nSee merge request acme/shop!77\n"
        ),
    }
    assert ci_context(env).pr_url == "https://gitlab.com/acme/shop/-/merge_requests/77"
