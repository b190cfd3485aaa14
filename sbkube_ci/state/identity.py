"""Who is acting: the CI actor and run (``ci.context``), or user@host and pid outside CI."""

from __future__ import annotations

import getpass
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass

from sbkube_ci.ci.context import CIContext

# The actor when the platform does not name one (a scheduled run without a user).
_PLATFORM_ACTORS = {"github": "github-actions", "gitlab": "gitlab-ci"}


@dataclass(frozen=True)
class Identity:
    actor: str
    run_id: str  # "github run 123.1", "gitlab job 456", "pid 789"
    run_url: str

    @property
    def owner(self) -> str:
        """The lock owner: the actor and the run (or the process), unique per job."""
        return f"{self.actor} ({self.run_id})"


def current_identity(env: Mapping[str, str] | None = None) -> Identity:
    """From GitHub Actions or GitLab CI variables, else ``user@host`` and the process id."""
    ctx = CIContext.from_env(env)
    if ctx.platform == "local" or not ctx.run_id:
        return Identity(_local_user(), f"pid {os.getpid()}", ctx.run_url or "")
    actor = ctx.actor or _PLATFORM_ACTORS[ctx.platform]
    return Identity(actor, ctx.run_id, ctx.run_url or "")


def _local_user() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"
