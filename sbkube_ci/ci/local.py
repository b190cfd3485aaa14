"""A plain shell (a laptop, Jenkins, any CI we do not know): everything goes to the log."""

from __future__ import annotations

from collections.abc import Mapping

from sbkube_ci.ci.base import Annotation, CIAdapter, CIEvent, CommentOutcome


class LocalAdapter(CIAdapter):
    """No platform: outputs, summary and annotations are printed; there is no PR to comment on."""

    name = "local"
    comment_budget = 1_000_000

    @property
    def event(self) -> CIEvent:
        return CIEvent(kind="manual", name="local")

    def publish_comment(self, cluster: str, body: str, *, has_changes: bool) -> CommentOutcome:
        return CommentOutcome(cluster, "skipped", reason="no CI platform detected")

    def write_outputs(self, outputs: Mapping[str, str]) -> None:
        for key, value in outputs.items():
            first = value.splitlines()[0] if value else ""
            self.log(f"{key}={first}")

    def write_summary(self, markdown: str) -> None:
        self.log(markdown)

    def annotate(self, annotation: Annotation) -> None:
        where = ":".join(
            str(p)
            for p in (annotation.file, annotation.line, annotation.column)
            if p not in ("", None)
        )
        self.log(f"{annotation.level}: {where + ': ' if where else ''}{annotation.message}")

    def mask(self, value: str) -> None:
        return None
