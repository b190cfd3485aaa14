"""User commands at deploy time: exec apps, app hooks and command hooks.

They run only in deploy, never in plan: a pull request must not run commands from the
repository it changes. ``SBKUBE_ALLOW_EXEC=false`` disables them entirely. Their output goes
through the same masking as everything else before it is printed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sbkube_ci import _proc
from sbkube_ci._proc import ALLOW_ENV, exec_allowed
from sbkube_ci._retry import RetryPolicy
from sbkube_ci.errors import DeployError

_COMMAND_RETRY = RetryPolicy(base=2.0, cap=30.0)  # 2, 4, 8 ... 30 s between tries
Mask = Callable[[str], str]


@dataclass
class ShellRunner:
    """Runs shell commands for one app on one cluster, with its environment and masking."""

    cwd: str
    env: dict[str, str] = field(default_factory=dict)
    mask: Mask = lambda text: text
    echo: Callable[[str], None] = print
    timeout: float = 600.0
    sleep: Callable[[float], None] = time.sleep

    def run_all(
        self, what: str, commands: Sequence[str], *, retry: int = 0, delay: float | None = None
    ) -> None:
        """Run each command in order; the first failure raises ``DeployError`` naming ``what``.

        A failed command is tried ``retry`` more times, ``delay`` seconds apart (default: a
        backoff of 2, 4, 8... seconds up to 30).
        """
        if not commands:
            return
        self.check_allowed(what)
        for command in commands:
            self._run_one(what, command, retry, delay)

    @staticmethod
    def check_allowed(what: str) -> None:
        if not exec_allowed():
            raise DeployError(
                f"{what}: running commands is disabled ({ALLOW_ENV}=false); remove the "
                "commands or allow exec for this job"
            )

    def _run_one(self, what: str, command: str, retry: int, delay: float | None) -> None:
        attempts = retry + 1
        for attempt in range(1, attempts + 1):
            self.echo(self.mask(f"{what}: $ {command}"))
            try:
                result = _proc.run(
                    ["/bin/sh", "-c", command],
                    cwd=self.cwd,
                    env=self.env,
                    timeout=self.timeout,
                    ok_codes=range(256),
                    error=DeployError,
                    what=f"{what}: command",
                )
            except DeployError as exc:  # timeout
                raise DeployError(self.mask(str(exc))) from None
            for line in (result.stdout + result.stderr).splitlines():
                self.echo(self.mask(f"{what}: {line}"))
            if result.returncode == 0:
                return
            if attempt < attempts:
                self.sleep(delay if delay is not None else _COMMAND_RETRY.delay(attempt - 1))
                continue
            tail = (result.stderr or result.stdout).strip().splitlines()
            detail = tail[-1] if tail else "(no output)"
            raise DeployError(
                self.mask(f"{what}: `{command}` exited {result.returncode}: {detail}")
            )
