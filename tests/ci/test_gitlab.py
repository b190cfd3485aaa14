"""The GitLab adapter against a fake GitLab API v4: MR note upsert, tokens, dotenv, event."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from werkzeug import Response

from sbkube_ci.ci.gitlab import GitLabAdapter, parse_event
from sbkube_ci.ci.marker import comment_marker
from sbkube_ci.errors import CIError
from tests.support.clocks import Sleeps
from tests.support.receivers import FakeGitLab

BODY = "### Plan for `prod`\n\napi: ~1\n"


def adapter(env: dict[str, str], sleeps: Sleeps | None = None) -> GitLabAdapter:
    return GitLabAdapter(env, stream=io.StringIO(), sleep=Sleeps() if sleeps is None else sleeps)


def test_creates_the_note_with_the_private_token(
    gitlab: FakeGitLab, gitlab_env: dict[str, str]
) -> None:
    outcome = adapter(gitlab_env).publish_comment("prod", BODY, has_changes=True)

    assert outcome.action == "created"
    get, post = gitlab.requests
    assert get.path == "/api/v4/projects/4711/merge_requests/7/notes"
    assert get.query == {"per_page": "100", "sort": "asc", "page": "1"}
    assert (post.method, post.path) == ("POST", "/api/v4/projects/4711/merge_requests/7/notes")
    assert post.body == {"body": f"{comment_marker('prod')}\n{BODY}"}
    assert post.headers["Private-Token"] == gitlab.private_token
    assert "Job-Token" not in post.headers


def test_updates_the_note_found_on_a_later_page(
    gitlab: FakeGitLab, gitlab_env: dict[str, str]
) -> None:
    for i in range(150):
        gitlab.add_note(7, f"review remark {i}")
    mine = gitlab.add_note(7, f"{comment_marker('prod')}\nold")

    outcome = adapter(gitlab_env).publish_comment("prod", BODY, has_changes=True)

    assert (outcome.action, outcome.comment_id) == ("updated", mine)
    assert [r.query["page"] for r in gitlab.calls("GET") if r.path.endswith("/notes")] == ["1", "2"]
    (put,) = gitlab.calls("PUT")
    assert put.path == f"/api/v4/projects/4711/merge_requests/7/notes/{mine}"
    assert put.body == {"body": f"{comment_marker('prod')}\n{BODY}"}


def test_job_token_header_when_no_private_token_and_degrade_on_403(
    gitlab: FakeGitLab, gitlab_env: dict[str, str]
) -> None:
    del gitlab_env["SBKUBE_GITLAB_TOKEN"]
    a = adapter(gitlab_env)

    outcome = a.publish_comment("prod", BODY, has_changes=True)

    assert outcome.action == "degraded"
    post = gitlab.calls("POST")[0]
    assert post.headers["Job-Token"] == gitlab.job_token
    assert "Private-Token" not in post.headers
    assert isinstance(a.stream, io.StringIO)
    assert "warning: sbkube-ci could not write the MR note" in a.stream.getvalue()
    assert BODY not in a.stream.getvalue()  # the entrypoint logs the plan once


def test_retries_a_502(gitlab: FakeGitLab, gitlab_env: dict[str, str], sleeps: Sleeps) -> None:
    gitlab.failures = [Response("", status=502)]

    assert adapter(gitlab_env, sleeps).publish_comment("prod", BODY, has_changes=True).action == (
        "created"
    )
    assert sleeps == [1.0]


def test_note_budget_is_one_million(gitlab: FakeGitLab, gitlab_env: dict[str, str]) -> None:
    room = 1_000_000 - len(comment_marker("prod")) - 1
    assert adapter(gitlab_env).publish_comment("prod", "y" * room, has_changes=True).action == (
        "created"
    )
    with pytest.raises(CIError, match="over the 1000000 limit"):
        adapter(gitlab_env).publish_comment("prod", "y" * (room + 1), has_changes=True)


def test_dotenv_report_merges_and_keeps_one_line_values(
    gitlab_env: dict[str, str], tmp_path: Path
) -> None:
    a = adapter(gitlab_env)
    a.write_outputs({"has_changes": "true", "summary": "2 apps change\nsecond line"})
    a.write_outputs({"plan_path": ".sbkube/plan.json"})

    assert (tmp_path / "sbkube-ci.env").read_text() == (
        "SBKUBE_HAS_CHANGES=true\n"
        "SBKUBE_SUMMARY=2 apps change\n"
        "SBKUBE_PLAN_PATH=.sbkube/plan.json\n"
    )


@pytest.mark.parametrize(
    ("source", "kind", "number"),
    [
        ("merge_request_event", "pull_request", 7),
        ("push", "push", None),
        ("web", "manual", None),
        ("schedule", "schedule", None),
    ],
)
def test_parse_event(
    gitlab_env: dict[str, str], source: str, kind: str, number: int | None
) -> None:
    event = parse_event(gitlab_env | {"CI_PIPELINE_SOURCE": source})

    assert (event.kind, event.number, event.name) == (kind, number, source)


def test_fork_merge_request(gitlab_env: dict[str, str]) -> None:
    event = parse_event(gitlab_env | {"CI_MERGE_REQUEST_SOURCE_PROJECT_ID": "9999"})

    assert event.fork
