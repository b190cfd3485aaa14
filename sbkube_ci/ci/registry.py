"""The CI adapters by name, and the one this job runs on.

``detect(environ)`` picks one from the environment the job runs in; ``ADAPTERS`` lists them
by name (also accepted as ``SBKUBE_CI_PLATFORM`` to force one).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import TextIO

from sbkube_ci.ci.base import CIAdapter
from sbkube_ci.ci.github import GitHubAdapter
from sbkube_ci.ci.gitlab import GitLabAdapter
from sbkube_ci.ci.local import LocalAdapter
from sbkube_ci.errors import CIError

ADAPTERS: dict[str, type[CIAdapter]] = {
    "github": GitHubAdapter,
    "gitlab": GitLabAdapter,
    "local": LocalAdapter,
}


def platform_name(environ: Mapping[str, str]) -> str:
    """``SBKUBE_CI_PLATFORM`` if set, else github/gitlab from their marker variables, else local."""
    forced = environ.get("SBKUBE_CI_PLATFORM", "").strip().lower()
    if forced:
        if forced not in ADAPTERS:
            raise CIError(
                f"SBKUBE_CI_PLATFORM={forced!r}: unknown platform; use one of: "
                + ", ".join(sorted(ADAPTERS))
            )
        return forced
    if environ.get("GITHUB_ACTIONS") == "true":
        return "github"
    if environ.get("GITLAB_CI") == "true":
        return "gitlab"
    return "local"


def detect(environ: Mapping[str, str], *, stream: TextIO | None = None) -> CIAdapter:
    """The adapter for the platform this process runs on."""
    return ADAPTERS[platform_name(environ)](environ, stream=stream or sys.stdout)
