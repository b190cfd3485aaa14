"""GitLab CI: ``CI_*`` variables, the merge request note per cluster (notes API at
``CI_API_V4_URL``), a dotenv report for outputs. GitLab has no job summary nor log annotations,
so those go to the job log."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TextIO

from sbkube_ci import __version__
from sbkube_ci._files import write_atomic
from sbkube_ci.ci.base import Annotation, CIEvent, EventKind
from sbkube_ci.ci.comments import CommentingAdapter
from sbkube_ci.ci.context import CIContext
from sbkube_ci.ci.http import RestClient
from sbkube_ci.errors import CIError

_KINDS: dict[str, EventKind] = {
    "merge_request_event": "pull_request",
    "external_pull_request_event": "pull_request",
    "push": "push",
    "web": "manual",
    "api": "manual",
    "trigger": "manual",
    "chat": "manual",
    "schedule": "schedule",
}
_DOTENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: GitLab refuses dotenv reports over 5 KB.
DOTENV_LIMIT = 5 * 1024


class GitLabAdapter(CommentingAdapter):
    """GitLab CI/CD (gitlab.com and self-managed)."""

    name = "gitlab"
    comment_budget = 1_000_000

    def __init__(
        self,
        environ: Mapping[str, str],
        *,
        stream: TextIO,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(environ, stream=stream)
        self._event = parse_event(self.environ)
        if token := self.environ.get("SBKUBE_GITLAB_TOKEN"):
            auth = {"PRIVATE-TOKEN": token}
        elif token := self.environ.get("CI_JOB_TOKEN"):
            auth = {"JOB-TOKEN": token}
        else:
            auth = {}
        self.has_token = bool(auth)
        self._job_token_only = "JOB-TOKEN" in auth
        self._user_id: str | None = None
        self.api = RestClient(
            base_url=self.environ.get("CI_API_V4_URL", "https://gitlab.com/api/v4"),
            headers={**auth, "User-Agent": f"sbkube-ci/{__version__}"},
            platform="GitLab",
            sleep=sleep,
            clock=clock,
        )
        self.project = self.environ.get("CI_PROJECT_ID", "")
        self.dotenv = Path(self.environ.get("SBKUBE_DOTENV") or "sbkube-ci.env")

    @property
    def event(self) -> CIEvent:
        return self._event

    @property
    def _notes_path(self) -> str:
        return f"/projects/{self.project}/merge_requests/{self.event.number}/notes"

    def _missing_token(self) -> str:
        return "" if self.has_token else "no token (set SBKUBE_GITLAB_TOKEN)"

    def _comments(self) -> Iterator[dict[str, Any]]:
        page = "1"
        while page:
            response = self.api.request(
                "GET", self._notes_path, params={"per_page": 100, "sort": "asc", "page": page}
            )
            yield from response.json()
            page = response.headers.get("X-Next-Page", "").strip()

    def _is_own(self, comment: dict[str, Any]) -> bool:
        author = comment.get("author")
        return isinstance(author, dict) and str(author.get("id")) == self._token_user_id()

    def _token_user_id(self) -> str:
        """The id of the user notes of this token are written as, asked once.

        A project/personal token answers ``GET /user``; a CI job token acts as the user who
        started the pipeline (``GITLAB_USER_ID``) and may not call it.
        """
        if self._user_id is None:
            if self._job_token_only:
                self._user_id = self.environ.get("GITLAB_USER_ID", "")
            else:
                self._user_id = str(self.api.request("GET", "/user").json()["id"])
        return self._user_id

    def _create(self, body: str) -> int:
        response = self.api.request(
            "POST", self._notes_path, json={"body": body}, retry_server_errors=False
        )
        return int(response.json()["id"])

    def _update(self, comment_id: int, body: str) -> None:
        self.api.request("PUT", f"{self._notes_path}/{comment_id}", json={"body": body})

    def _degraded_warning(self, reason: str) -> str:
        return (
            f"sbkube-ci could not write the MR note ({reason}); the plan follows in the log. "
            "Posting notes needs a project access token with api scope in SBKUBE_GITLAB_TOKEN."
        )

    def write_outputs(self, outputs: Mapping[str, str]) -> None:
        """Write the dotenv report: ``SBKUBE_<NAME>=value``, one line each (GitLab's format)."""
        existing = _read_dotenv(self.dotenv)
        for key, value in outputs.items():
            name = f"SBKUBE_{key.upper()}"
            if not _DOTENV_NAME.match(name):
                raise CIError(f"dotenv output {key!r}: use letters, digits and underscores")
            # dotenv reports take no multi-line values: keep the first line
            existing[name] = value.splitlines()[0] if value else ""
        text = "".join(f"{k}={v}\n" for k, v in existing.items())
        if len(text.encode()) > DOTENV_LIMIT:
            raise CIError(f"{self.dotenv}: dotenv report over GitLab's 5 KB limit")
        write_atomic(self.dotenv, text)

    def write_summary(self, markdown: str) -> None:
        self.log(markdown)

    def annotate(self, annotation: Annotation) -> None:
        where = annotation.file
        if where and annotation.line is not None:
            where += f":{annotation.line}"
            if annotation.column is not None:
                where += f":{annotation.column}"
        prefix = f"{where}: " if where else ""
        self.log(f"{annotation.level}: {prefix}{annotation.message}")

    def mask(self, value: str) -> None:
        # GitLab masks only variables declared as masked in the project settings.
        return None


def parse_event(environ: Mapping[str, str]) -> CIEvent:
    """The pipeline's event from ``CI_PIPELINE_SOURCE`` and the merge request variables."""
    source = environ.get("CI_PIPELINE_SOURCE", "")
    kind = _KINDS.get(source, "other")
    iid = environ.get("CI_MERGE_REQUEST_IID", "")
    source_project = environ.get("CI_MERGE_REQUEST_SOURCE_PROJECT_ID", "")
    target_project = environ.get("CI_MERGE_REQUEST_PROJECT_ID", "")
    job = CIContext.from_env(environ, platform="gitlab")
    return CIEvent(
        kind=kind,
        name=source,
        number=int(iid) if kind == "pull_request" and iid.isdigit() else None,
        ref=job.ref,
        sha=job.commit.sha if job.commit else "",
        repository=job.repository,
        fork=bool(source_project and target_project and source_project != target_project),
        actor=job.actor or "",
    )


def _read_dotenv(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    lines = path.read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)
