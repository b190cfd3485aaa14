"""The one exception tree of sbkube-ci.

Every expected failure is an ``SbkubeError``: the CLI prints its message as one line and exits
with ``exit_code``. Anything else is a bug and exits 3 with a hint to rerun with ``--debug``.
"""

from __future__ import annotations


class SbkubeError(Exception):
    """Root of every expected failure; the message says what is wrong, where, and what to do."""

    exit_code = 1


class ConfigError(SbkubeError):
    """The configuration (sbkube.yaml, legacy files, CLI options) is wrong."""


class ConfigProblems(ConfigError):
    """Several configuration problems found in one pass; each is a line of the message."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class YamlError(ConfigError):
    """A YAML file cannot be read safely (syntax, size, alias bombs, wrong top-level type)."""


class SourceError(SbkubeError):
    """A chart, repository, registry, Git repository or download could not be resolved."""


class RenderError(SbkubeError):
    """helm template, kustomize or manifest normalization failed."""


class StateError(SbkubeError):
    """The state backend could not be read or written."""


class LockError(StateError):
    """The cluster lock could not be acquired, renewed or released."""


class DeployError(SbkubeError):
    """Applying to a cluster failed."""


class NotifyError(SbkubeError):
    """A notification could not be built or delivered."""


class CIError(SbkubeError):
    """The CI platform (GitHub, GitLab) could not be read or written."""


class ProcessError(SbkubeError):
    """An external command (helm, git, kubectl) failed, or could not start or finish.

    The details are empty when it never exited (not found, timed out): ``_proc.run`` raises
    its ``error`` class with the message alone then.
    """

    def __init__(
        self,
        message: str,
        *,
        argv: list[str] | None = None,
        returncode: int | None = None,
        stdout: str = "",
        stderr: str = "",
    ) -> None:
        self.argv = argv or []
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        super().__init__(message)
