"""Stateful GitHub and GitLab REST receivers on pytest-httpserver, answering as the real APIs.

They keep comments/notes in memory, paginate (GitHub ``Link`` with ``rel="next"`` pointing at
``/repositories/<id>/...`` as github.com does; GitLab ``X-Next-Page``), refuse writes with a
read-only token (403 "Resource not accessible by integration"), reject bodies over 65,536
characters with 422, and can be told to answer the next requests with failures first.
Every request is recorded as (method, path, query, headers, json body) for contract asserts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from werkzeug import Request, Response

from tests.support.receivers.http import RestApi
from tests.support.receivers.http import json_response as _json

GITHUB_BODY_LIMIT = 65_536
GITLAB_BODY_LIMIT = 1_000_000


@dataclass
class FakeGitHub(RestApi):
    """The issue-comments part of GitHub's REST API for one repository."""

    prefix: str = ""  # "/api/v3" for GitHub Enterprise Server
    repo: str = "acme/shop-deploy"
    repo_id: int = 101
    token: str = "ghs_test_token"
    #: the login of a personal token's user; None: an installation token (GITHUB_TOKEN),
    #: for which GET /user is 403 and comments are written as github-actions[bot]
    user_login: str | None = None
    read_only: bool = False
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    #: answers given to POSTs *after* the comment was stored (a gateway timing out late)
    late_failures: list[Response] = field(default_factory=list)
    next_id: int = 1000

    @property
    def api_url(self) -> str:
        return self.server.url_for(self.prefix).rstrip("/")

    def add_comment(self, number: int, body: str, login: str | None = None) -> int:
        login = login or self.user_login or "github-actions[bot]"
        self.next_id += 1
        self.comments.setdefault(number, []).append(
            {"id": self.next_id, "body": body, "user": {"login": login, "type": "Bot"}}
        )
        return self.next_id

    def handle(self, request: Request) -> Response:  # noqa: PLR0911 - a router: one return per route
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _json({"message": "Bad credentials"}, 401)
        path = request.path.removeprefix(self.prefix)
        path = path.replace(f"/repositories/{self.repo_id}/", f"/repos/{self.repo}/")
        if path == "/user" and request.method == "GET":
            if self.user_login is None:
                return self._forbidden()
            return _json({"login": self.user_login, "id": 583231, "type": "User"})
        if m := re.fullmatch(rf"/repos/{self.repo}/issues/(\d+)/comments", path):
            if request.method == "GET":
                return self._list(request, int(m.group(1)))
            if request.method == "POST":
                return self._create(request, int(m.group(1)))
        if (m := re.fullmatch(rf"/repos/{self.repo}/issues/comments/(\d+)", path)) and (
            request.method == "PATCH"
        ):
            return self._update(request, int(m.group(1)))
        return _json({"message": "Not Found"}, 404)

    def _list(self, request: Request, number: int) -> Response:
        per_page = min(int(request.args.get("per_page", 30)), 100)
        page = int(request.args.get("page", 1))
        items = self.comments.get(number, [])
        chunk = items[(page - 1) * per_page : page * per_page]
        last = max(1, -(-len(items) // per_page))
        links = []
        base = self.server.url_for(f"{self.prefix}/repositories/{self.repo_id}/issues/{number}")
        if page < last:
            links.append(f'<{base}/comments?per_page={per_page}&page={page + 1}>; rel="next"')
            links.append(f'<{base}/comments?per_page={per_page}&page={last}>; rel="last"')
        return _json(chunk, 200, {"Link": ", ".join(links)} if links else {})

    def _forbidden(self) -> Response:
        return _json(
            {
                "message": "Resource not accessible by integration",
                "documentation_url": "https://docs.github.com/rest/issues/comments",
                "status": "403",
            },
            403,
        )

    def _too_long(self, body: str) -> Response | None:
        if len(body) <= GITHUB_BODY_LIMIT:
            return None
        error = {
            "resource": "IssueComment",
            "code": "custom",
            "field": "body",
            "message": "body is too long (maximum is 65536 characters)",
        }
        return _json({"message": "Validation Failed", "errors": [error]}, 422)

    def _refused(self, request: Request) -> Response | None:
        """GitHub's answer to a write it refuses (read-only token, body too long), or None."""
        if self.read_only:
            return self._forbidden()
        return self._too_long(request.get_json()["body"])

    def _create(self, request: Request, number: int) -> Response:
        if refused := self._refused(request):
            return refused
        body = request.get_json()["body"]
        comment_id = self.add_comment(number, body)
        if self.late_failures:
            return self.late_failures.pop(0)
        return _json(self.comments[number][-1] | {"id": comment_id}, 201)

    def _update(self, request: Request, comment_id: int) -> Response:
        if refused := self._refused(request):
            return refused
        body = request.get_json()["body"]
        for comments in self.comments.values():
            for comment in comments:
                if comment["id"] == comment_id:
                    comment["body"] = body
                    return _json(comment)
        return _json({"message": "Not Found"}, 404)


@dataclass
class FakeGitLab(RestApi):
    """The merge request notes part of GitLab's REST API v4 for one project."""

    project_id: str = "4711"
    private_token: str = "glpat-test"
    job_token: str = "job-token-test"
    notes: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    next_id: int = 500
    job_token_may_write: bool = False
    #: the user of the private token, and the one who started the pipeline (the job token's)
    token_user: dict[str, Any] = field(default_factory=lambda: {"id": 31, "username": "deploy-bot"})
    pipeline_user: dict[str, Any] = field(default_factory=lambda: {"id": 77, "username": "alice"})

    @property
    def api_url(self) -> str:
        return self.server.url_for("/api/v4")

    def add_note(self, iid: int, body: str, author: dict[str, Any] | None = None) -> int:
        self.next_id += 1
        note = {"id": self.next_id, "body": body, "system": False}
        self.notes.setdefault(iid, []).append(note | {"author": author or self.token_user})
        return self.next_id

    def handle(self, request: Request) -> Response:  # noqa: PLR0911 - a router: one return per route
        private = request.headers.get("PRIVATE-TOKEN") == self.private_token
        job = request.headers.get("JOB-TOKEN") == self.job_token
        if not (private or job):
            return _json({"message": "401 Unauthorized"}, 401)
        if request.path == "/api/v4/user" and request.method == "GET":
            # a job token may not call /user
            return _json(self.token_user) if private else _json({"message": "403 Forbidden"}, 403)
        base = f"/api/v4/projects/{self.project_id}/merge_requests/(\\d+)/notes"
        if m := re.fullmatch(base, request.path):
            iid = int(m.group(1))
            if request.method == "GET":
                return self._list(request, iid)
            if not (private or self.job_token_may_write):
                return _json({"message": "403 Forbidden"}, 403)
            return self._create(request, iid)
        if (m := re.fullmatch(base + r"/(\d+)", request.path)) and request.method == "PUT":
            if not (private or self.job_token_may_write):
                return _json({"message": "403 Forbidden"}, 403)
            return self._update(request, int(m.group(1)), int(m.group(2)))
        return _json({"message": "404 Not found"}, 404)

    def _list(self, request: Request, iid: int) -> Response:
        per_page = min(int(request.args.get("per_page", 20)), 100)
        page = int(request.args.get("page", 1))
        items = sorted(self.notes.get(iid, []), key=lambda n: n["id"])
        if request.args.get("sort", "desc") == "desc":
            items.reverse()
        chunk = items[(page - 1) * per_page : page * per_page]
        more = page * per_page < len(items)
        headers = {
            "X-Page": str(page),
            "X-Per-Page": str(per_page),
            "X-Next-Page": str(page + 1) if more else "",
            "X-Total": str(len(items)),
        }
        return _json(chunk, 200, headers)

    def _create(self, request: Request, iid: int) -> Response:
        body = request.get_json()["body"]
        if len(body) > GITLAB_BODY_LIMIT:
            return _json(
                {"message": {"note": ["is too long (maximum is 1000000 characters)"]}}, 400
            )
        private = request.headers.get("PRIVATE-TOKEN") == self.private_token
        note_id = self.add_note(iid, body, self.token_user if private else self.pipeline_user)
        return _json(self.notes[iid][-1] | {"id": note_id}, 201)

    def _update(self, request: Request, iid: int, note_id: int) -> Response:
        for note in self.notes.get(iid, []):
            if note["id"] == note_id:
                note["body"] = request.get_json()["body"]
                return _json(note)
        return _json({"message": "404 Not found"}, 404)
