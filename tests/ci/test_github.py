"""The GitHub adapter against a fake GitHub REST API: the request contract of the comment upsert."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from sbkube_ci.ci.base import no_changes_body
from sbkube_ci.ci.github import GitHubAdapter, parse_event
from sbkube_ci.ci.marker import comment_marker
from sbkube_ci.errors import CIError
from tests.ci.conftest import EVENTS
from tests.support.clocks import Sleeps
from tests.support.receivers import FakeGitHub

BODY = "### Plan for `prod`\n\n| app | + | ~ | - |\n|---|---|---|---|\n| api | 0 | 1 | 0 |\n"


def adapter(
    env: dict[str, str], sleeps: Sleeps | None = None, clock: float = 1_700_000_000.0
) -> GitHubAdapter:
    sleep = Sleeps() if sleeps is None else sleeps
    return GitHubAdapter(env, stream=io.StringIO(), sleep=sleep, clock=lambda: clock)


def log(a: GitHubAdapter) -> str:
    assert isinstance(a.stream, io.StringIO)
    return a.stream.getvalue()


def test_creates_the_comment_with_the_marker_and_the_api_headers(
    github: FakeGitHub, github_env: dict[str, str]
) -> None:
    outcome = adapter(github_env).publish_comment("prod", BODY, has_changes=True)

    assert outcome.action == "created"
    get, post = github.requests
    assert (get.method, get.path, get.query) == (
        "GET",
        "/repos/acme/shop-deploy/issues/42/comments",
        {"per_page": "100"},
    )
    assert (post.method, post.path) == ("POST", "/repos/acme/shop-deploy/issues/42/comments")
    assert post.body == {"body": f"<!-- sbkube-ci:plan:prod -->\n{BODY}"}
    for request in (get, post):
        assert request.headers["Authorization"] == f"Bearer {github.token}"
        assert request.headers["Accept"] == "application/vnd.github+json"
        assert request.headers["X-Github-Api-Version"] == "2022-11-28"
        assert request.headers["User-Agent"].startswith("sbkube-ci/")
    assert github.comments[42][0]["id"] == outcome.comment_id


def test_updates_its_own_comment_in_place_and_leaves_others(
    github: FakeGitHub, github_env: dict[str, str]
) -> None:
    github.add_comment(42, "LGTM", login="octocat")
    github.add_comment(42, f"{comment_marker('staging')}\nstaging plan")
    mine = github.add_comment(42, f"{comment_marker('prod')}\nold plan")

    outcome = adapter(github_env).publish_comment("prod", BODY, has_changes=True)

    assert (outcome.action, outcome.comment_id) == ("updated", mine)
    assert not github.calls("POST")
    (patch,) = github.calls("PATCH")
    assert patch.path == f"/repos/acme/shop-deploy/issues/comments/{mine}"
    assert patch.body == {"body": f"{comment_marker('prod')}\n{BODY}"}
    assert [c["body"] for c in github.comments[42]][:2] == [
        "LGTM",
        f"{comment_marker('staging')}\nstaging plan",
    ]


def test_an_identical_rerun_sends_no_write(github: FakeGitHub, github_env: dict[str, str]) -> None:
    github.add_comment(42, f"{comment_marker('prod')}\n{BODY}")

    outcome = adapter(github_env).publish_comment("prod", BODY, has_changes=True)

    assert outcome.action == "unchanged"
    # the comments, then who the token is (GITHUB_TOKEN: 403, so github-actions[bot])
    assert [(r.method, r.path) for r in github.requests] == [
        ("GET", "/repos/acme/shop-deploy/issues/42/comments"),
        ("GET", "/user"),
    ]


def test_no_changes_replaces_an_existing_comment_and_creates_none(
    github: FakeGitHub, github_env: dict[str, str]
) -> None:
    comment = github.add_comment(42, f"{comment_marker('prod')}\nold plan")

    replaced = adapter(github_env).publish_comment("prod", "", has_changes=False)
    untouched = adapter(github_env).publish_comment("staging", "", has_changes=False)

    assert (replaced.action, replaced.comment_id) == ("updated", comment)
    assert github.comments[42][0]["body"] == f"{comment_marker('prod')}\n{no_changes_body('prod')}"
    assert untouched.action == "skipped"
    assert not github.calls("POST")


def test_fork_pr_read_only_token_degrades_to_the_summary(
    github: FakeGitHub, github_env: dict[str, str]
) -> None:
    github.read_only = True
    github_env["GITHUB_EVENT_PATH"] = str(EVENTS / "pull_request_fork_opened.json")
    a = adapter(github_env)

    outcome = a.publish_comment("prod", BODY, has_changes=True)

    assert outcome.action == "degraded"
    assert "Resource not accessible by integration" in outcome.reason
    assert "::warning::sbkube-ci could not comment on PR #57" in log(a)
    # the entrypoint writes the whole plan to the summary once; the adapter adds no copy
    assert BODY not in Path(github_env["GITHUB_STEP_SUMMARY"]).read_text()
    (post,) = github.calls("POST")
    assert post.path == "/repos/acme/shop-deploy/issues/57/comments"


def test_pagination_follows_link_next_across_pages(
    github: FakeGitHub, github_env: dict[str, str]
) -> None:
    for i in range(230):
        github.add_comment(42, f"comment {i}", login="octocat")
    mine = github.add_comment(42, f"{comment_marker('prod')}\nold plan")

    outcome = adapter(github_env).publish_comment("prod", BODY, has_changes=True)

    gets = [g for g in github.calls("GET") if g.path != "/user"]
    assert [g.query.get("page", "1") for g in gets] == ["1", "2", "3"]
    # github.com's next links point at /repositories/<id>/...; they are followed as given
    assert gets[1].path == "/repositories/101/issues/42/comments"
    assert (outcome.action, outcome.comment_id) == ("updated", mine)


def test_retries_a_502_then_succeeds(
    github: FakeGitHub, github_env: dict[str, str], sleeps: Sleeps
) -> None:
    github.failures = [Response("bad gateway", status=502), Response("", status=503)]

    outcome = adapter(github_env, sleeps).publish_comment("prod", BODY, has_changes=True)

    assert outcome.action == "created"
    assert sleeps == [1.0, 2.0]
    assert [r.method for r in github.requests] == ["GET", "GET", "GET", "POST"]


def test_a_create_answered_502_after_storing_leaves_one_comment(
    github: FakeGitHub, github_env: dict[str, str], sleeps: Sleeps
) -> None:
    github.late_failures = [Response("bad gateway", status=502)]

    outcome = adapter(github_env, sleeps).publish_comment("prod", BODY, has_changes=True)

    assert [r.method for r in github.requests if r.path != "/user"] == ["GET", "POST", "GET"]
    assert len(github.comments[42]) == 1
    assert (outcome.action, outcome.comment_id) == ("created", github.comments[42][0]["id"])


def test_a_create_answered_502_before_storing_is_sent_again(
    github: FakeGitHub, github_env: dict[str, str], sleeps: Sleeps
) -> None:
    github.failures = [
        _ok_page(),  # the first look for an existing comment
        Response("bad gateway", status=502),  # the POST, not stored
    ]

    outcome = adapter(github_env, sleeps).publish_comment("prod", BODY, has_changes=True)

    assert [r.method for r in github.requests] == ["GET", "POST", "GET", "POST"]
    assert len(github.comments[42]) == 1
    assert outcome.action == "created"


def _ok_page() -> Response:
    return Response("[]", status=200, content_type="application/json")


def test_gives_up_after_bounded_retries(
    github: FakeGitHub, github_env: dict[str, str], sleeps: Sleeps
) -> None:
    github.failures = [Response("down", status=502) for _ in range(10)]

    with pytest.raises(CIError, match="HTTP 502"):
        adapter(github_env, sleeps).publish_comment("prod", BODY, has_changes=True)
    assert len(github.requests) == 5
    assert len(sleeps) == 4


def test_secondary_rate_limit_waits_retry_after(
    github: FakeGitHub,
    github_env: dict[str, str],
    sleeps: Sleeps,
    capsys: pytest.CaptureFixture[str],
) -> None:
    github.failures = [
        Response(
            json.dumps({"message": "You have exceeded a secondary rate limit."}),
            status=403,
            headers={"Retry-After": "3"},
            content_type="application/json",
        )
    ]

    outcome = adapter(github_env, sleeps).publish_comment("prod", BODY, has_changes=True)

    assert outcome.action == "created"
    assert sleeps == [3.0]
    # the wait is in the job log: a minute of silence looks like a hung job
    log = capsys.readouterr().err
    assert (
        "GitHub API: HTTP 403 on GET /repos/acme/shop-deploy/issues/42/comments: retry 1 in 3s"
        in log
    )


def test_primary_rate_limit_waits_until_reset(
    github: FakeGitHub, github_env: dict[str, str], sleeps: Sleeps
) -> None:
    github.failures = [
        Response(
            "{}",
            status=403,
            headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1700000010"},
        )
    ]

    adapter(github_env, sleeps, clock=1_700_000_000.0).publish_comment(
        "prod", BODY, has_changes=True
    )

    assert sleeps == [11.0]


def test_a_rate_limit_longer_than_the_bound_fails_clearly(
    github: FakeGitHub, github_env: dict[str, str], sleeps: Sleeps
) -> None:
    github.failures = [Response("{}", status=429, headers={"Retry-After": "3600"})]

    with pytest.raises(CIError, match="rate limit: retry in 3600s"):
        adapter(github_env, sleeps).publish_comment("prod", BODY, has_changes=True)
    assert sleeps == []


def test_github_enterprise_server_base_url(httpserver: HTTPServer, tmp_path: Path) -> None:
    ghes = FakeGitHub(httpserver, prefix="/api/v3").install()
    env = {
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(EVENTS / "pull_request_synchronize.json"),
        "GITHUB_API_URL": ghes.api_url,
        "GITHUB_TOKEN": ghes.token,
    }

    outcome = adapter(env).publish_comment("prod", BODY, has_changes=True)

    assert outcome.action == "created"
    assert [r.path for r in ghes.requests] == [
        "/api/v3/repos/acme/shop-deploy/issues/42/comments"
    ] * 2


def test_body_at_the_limit_is_sent_and_over_it_fails_before_sending(
    github: FakeGitHub, github_env: dict[str, str]
) -> None:
    room = 65_536 - len(comment_marker("prod")) - 1
    assert adapter(github_env).publish_comment("prod", "x" * room, has_changes=True).action == (
        "created"
    )
    sent = len(github.requests)

    with pytest.raises(CIError, match="65537 characters, over the 65536 limit"):
        adapter(github_env).publish_comment("prod", "x" * (room + 1), has_changes=True)
    assert len(github.requests) == sent


def test_refuses_a_next_link_to_another_host(
    github: FakeGitHub, github_env: dict[str, str]
) -> None:
    github.failures = [
        Response(
            "[]",
            headers={"Link": '<https://evil.example/steal?page=2>; rel="next"'},
            content_type="application/json",
        )
    ]

    with pytest.raises(CIError, match=r"refusing to follow https://evil\.example"):
        adapter(github_env).publish_comment("prod", BODY, has_changes=True)


def test_outside_a_pull_request_nothing_is_sent(
    github: FakeGitHub, github_env: dict[str, str]
) -> None:
    github_env |= {"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": str(EVENTS / "push.json")}

    assert adapter(github_env).publish_comment("prod", BODY, has_changes=True).action == "skipped"
    assert github.requests == []


SHA_1 = "6dcb09b5b57875f334f61aebed695e2e4193db5e"
SHA_2 = "c7d2a3f4e5b6978812ab34cd56ef7890ab12cd34"


@pytest.mark.parametrize(
    ("name", "payload", "expected"),
    [
        ("pull_request", "pull_request_opened.json", ("pull_request", 42, "opened", False, SHA_1)),
        (
            "pull_request",
            "pull_request_synchronize.json",
            ("pull_request", 42, "synchronize", False, SHA_2),
        ),
        (
            "pull_request",
            "pull_request_fork_opened.json",
            ("pull_request", 57, "opened", True, SHA_1),
        ),
        ("push", "push.json", ("push", None, "", False, "run-sha")),
        ("workflow_dispatch", "workflow_dispatch.json", ("manual", None, "", False, "run-sha")),
    ],
)
def test_parse_event_from_real_payload_shapes(
    name: str, payload: str, expected: tuple[object, ...]
) -> None:
    env = {"GITHUB_EVENT_NAME": name, "GITHUB_EVENT_PATH": str(EVENTS / payload)}
    event = parse_event(env | {"GITHUB_SHA": "run-sha"})

    assert (event.kind, event.number, event.action, event.fork, event.sha) == expected
    assert event.repository == "acme/shop-deploy"


def test_unreadable_event_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CIError, match=r"GITHUB_EVENT_PATH=.*cannot read the event payload"):
        parse_event({"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": str(tmp_path / "nope")})
