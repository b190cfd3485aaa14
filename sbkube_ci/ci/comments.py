"""The one-comment-per-cluster upsert shared by the GitHub and GitLab adapters.

Find the comment whose body starts with the cluster's marker *and* that the token's own user
wrote; create it, update it in place, or leave it when nothing changed. Anyone can post a
comment starting with the marker: such a look-alike is never updated (that would let a PR
author's comment be rewritten with the plan, or hide the real plan), a fresh one is posted.
The marker appears once: a body that repeats it (from a manifest in the diff) has it
defused. A token that may not write degrades instead of failing.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator
from typing import Any

from sbkube_ci.ci.base import CIAdapter, CommentOutcome, no_changes_body
from sbkube_ci.ci.http import APIError, ForbiddenError
from sbkube_ci.ci.marker import comment_marker, marked_cluster, with_marker


class CommentingAdapter(CIAdapter):
    """A platform whose PR/MR comments are kept through its REST API."""

    @abstractmethod
    def _comments(self) -> Iterator[dict[str, Any]]:
        """Every comment of the current PR/MR, oldest first, following pagination."""

    @abstractmethod
    def _create(self, body: str) -> int:
        """Post a new comment once (no retry on 5xx) and return its id."""

    @abstractmethod
    def _update(self, comment_id: int, body: str) -> None:
        """Replace the body of comment ``comment_id``."""

    @abstractmethod
    def _is_own(self, comment: dict[str, Any]) -> bool:
        """Whether the token's own user wrote ``comment`` (asks the API once who that is)."""

    @abstractmethod
    def _missing_token(self) -> str:
        """Why no comment can be written without trying ("" when a token is configured)."""

    @abstractmethod
    def _degraded_warning(self, reason: str) -> str:
        """The warning shown when no comment could be written: where the plan went, and why."""

    def _degrade(self, cluster: str, body: str, reason: str) -> CommentOutcome:
        """Warn that no comment could be written.

        The body is not written anywhere else: the job summary (GitHub) or the log (GitLab)
        receives the whole plan once, from the ci entrypoint, with or without a comment.
        """
        self.warn(self._degraded_warning(reason))
        return CommentOutcome(cluster, "degraded", reason=reason)

    def commented_clusters(self) -> list[str]:
        """The clusters that have a plan comment on this PR/MR (none outside one)."""
        if self.event.kind != "pull_request" or self.event.number is None or self._missing_token():
            return []
        found = (marked_cluster(str(c.get("body", ""))) for c in self._comments())
        return list(dict.fromkeys(cluster for cluster in found if cluster))

    def publish_comment(self, cluster: str, body: str, *, has_changes: bool) -> CommentOutcome:
        if self.event.kind != "pull_request" or self.event.number is None:
            return CommentOutcome(cluster, "skipped", reason="not a pull/merge request")
        text = body if has_changes or body.strip() else no_changes_body(cluster)
        full = with_marker(cluster, text)
        self._check_budget(cluster, full)
        if missing := self._missing_token():
            return self._degrade(cluster, full, missing)
        try:
            return self._upsert(cluster, full, has_changes=has_changes)
        except ForbiddenError as exc:
            return self._degrade(cluster, full, str(exc))

    def _find(self, cluster: str) -> dict[str, Any] | None:
        tag = comment_marker(cluster) + "\n"
        return next(
            (
                c
                for c in self._comments()
                if str(c.get("body", "")).startswith(tag) and self._is_own(c)
            ),
            None,
        )

    def _upsert(self, cluster: str, full: str, *, has_changes: bool) -> CommentOutcome:
        existing = self._find(cluster)
        if existing is None:
            if not has_changes:
                return CommentOutcome(cluster, "skipped", reason="no changes and no comment")
            return self._create_exactly_once(cluster, full)
        comment_id = int(existing["id"])
        if existing.get("body") == full:
            return CommentOutcome(cluster, "unchanged", comment_id)
        self._update(comment_id, full)
        return CommentOutcome(cluster, "updated", comment_id)

    def _create_exactly_once(self, cluster: str, full: str) -> CommentOutcome:
        # A 5xx answer to a POST may come after the comment was stored: look again before
        # sending it a second time, so a flaky API never leaves two plan comments.
        try:
            return CommentOutcome(cluster, "created", self._create(full))
        except APIError as exc:
            if isinstance(exc, ForbiddenError) or exc.status < 500:
                raise
        stored = self._find(cluster)
        if stored is None:
            return CommentOutcome(cluster, "created", self._create(full))
        if stored.get("body") != full:
            self._update(int(stored["id"]), full)
        return CommentOutcome(cluster, "created", int(stored["id"]))
