"""Who is acting: the CI actor and run, or user@host and pid outside CI."""

from __future__ import annotations

import getpass
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass


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
    env = os.environ if env is None else env
    if env.get("GITHUB_RUN_ID"):
        server = env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
        repo, run = env.get("GITHUB_REPOSITORY", ""), env["GITHUB_RUN_ID"]
        url = f"{server}/{repo}/actions/runs/{run}" if repo else ""
        attempt = env.get("GITHUB_RUN_ATTEMPT")
        run_id = f"github run {run}.{attempt}" if attempt else f"github run {run}"
        return Identity(env.get("GITHUB_ACTOR", "github-actions"), run_id, url)
    if env.get("CI_JOB_ID"):
        return Identity(
            env.get("GITLAB_USER_LOGIN", "gitlab-ci"),
            f"gitlab job {env['CI_JOB_ID']}",
            env.get("CI_JOB_URL", ""),
        )
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return Identity(f"{user}@{socket.gethostname()}", f"pid {os.getpid()}", "")
