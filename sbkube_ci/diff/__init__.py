"""Object-level diffs of rendered manifests, masking, and the plan's Markdown and text views.

The engine is pure: ``plan_cluster`` takes, per app, the new render and the deployed snapshot
as plain Kubernetes object dicts and returns a ``ClusterPlan`` whose texts are masked.
"""

from sbkube_ci.diff.engine import (
    AppRender,
    AppSnapshot,
    DiffOptions,
    diff_objects,
    plan_app,
    plan_cluster,
)
from sbkube_ci.diff.markdown import (
    GITHUB_COMMENT,
    GITLAB_NOTE,
    STEP_SUMMARY,
    render_comment,
    render_markdown,
)
from sbkube_ci.diff.mask import Masker
from sbkube_ci.diff.text import render_text

__all__ = [
    "GITHUB_COMMENT",
    "GITLAB_NOTE",
    "STEP_SUMMARY",
    "AppRender",
    "AppSnapshot",
    "DiffOptions",
    "Masker",
    "diff_objects",
    "plan_app",
    "plan_cluster",
    "render_comment",
    "render_markdown",
    "render_text",
]
