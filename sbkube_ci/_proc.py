"""The single wrapper around subprocess: helm, git and kubectl all run through ``run``."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sbkube_ci.errors import ProcessError, SbkubeError

REDACTED = "***"
ALLOW_ENV = "SBKUBE_ALLOW_EXEC"


def exec_allowed(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether commands from the repository may run (exec apps, hooks, kubeconfig exec plugins)."""
    return environ.get(ALLOW_ENV, "true").strip().lower() not in {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Result:
    argv: list[str]
    returncode: int
    stdout: str
    stderr: str


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each non-empty secret in ``text``."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def printable(argv: Sequence[str], secrets: Iterable[str] = ()) -> str:
    """The command line as it may be shown in logs and errors, secrets redacted."""
    return redact(" ".join(argv), list(secrets))


def with_tools_dir(env: dict[str, str]) -> dict[str, str]:
    """``env`` whose PATH ends with the interpreter's directory, where ``make bootstrap`` puts
    helm and kubectl (``.venv/bin``), so ``.venv/bin/sbkube-ci`` finds them without an
    activated venv. Last, so a helm the user put on PATH still wins."""
    tools = str(Path(sys.executable).parent)
    path = env.get("PATH", os.defpath)
    if tools not in path.split(os.pathsep):
        env["PATH"] = f"{path}{os.pathsep}{tools}" if path else tools
    return env


def run(
    argv: Sequence[str],
    *,
    cwd: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    ok_codes: Iterable[int] = (0,),
    input_text: str | None = None,
    secrets: Iterable[str] = (),
    error: type[SbkubeError] = ProcessError,
    what: str = "",
) -> Result:
    """Run ``argv`` (never through a shell) and return its output.

    A non-allowed exit code raises ``error`` with the command (secrets redacted), the exit code
    and the tail of stderr. ``env`` entries are added to the current environment.
    """
    argv = [str(a) for a in argv]
    secrets = list(secrets)
    if any("\0" in arg for arg in argv):
        # subprocess would raise ValueError (an internal error); config values are checked
        # for control characters by validate, so this is a value from elsewhere.
        shown = what or printable([a.replace("\0", "\\0") for a in argv], secrets)
        raise error(f"{shown}: refused: an argument contains a NUL character")
    full_env = with_tools_dir({**os.environ, **(env or {})})
    try:
        proc = subprocess.run(
            argv,
            cwd=cwd,
            env=full_env,
            input=input_text,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as exc:
        raise error(
            f"{argv[0]}: not found; run `make bootstrap` (or put {argv[0]} on PATH)"
        ) from exc
    except subprocess.TimeoutExpired:
        # Not chained: TimeoutExpired's own text holds the unredacted command line.
        raise error(f"{what or printable(argv, secrets)}: timed out after {timeout:g}s") from None
    result = Result(argv, proc.returncode, proc.stdout, proc.stderr)
    if proc.returncode not in set(ok_codes):
        raise _failure(result, secrets, what, error)
    return result


def _failure(
    result: Result, secrets: list[str], what: str, error: type[SbkubeError]
) -> SbkubeError:
    """The one-line error for a disallowed exit code; ProcessError keeps the redacted output."""
    detail = redact((result.stderr or result.stdout).strip(), secrets)
    last = detail.splitlines()[-1] if detail else "(no output)"
    head = what or printable(result.argv, secrets)
    message = f"{head}: exit {result.returncode}: {last}"
    if error is not ProcessError:
        return error(message)
    return ProcessError(
        message,
        argv=[redact(arg, secrets) for arg in result.argv],
        returncode=result.returncode,
        stdout=redact(result.stdout, secrets),
        stderr=redact(result.stderr, secrets),
    )


def start(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    error: type[SbkubeError] = ProcessError,
) -> subprocess.Popen[bytes]:
    """Start a long-lived helper (the render worker) with pipes on stdin, stdout and stderr.

    ``run`` waits for its command to end; a worker serves many requests, so it needs the
    process itself. A missing binary raises ``error`` like ``run`` does.
    """
    argv = [str(a) for a in argv]
    try:
        return subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **(env or {})},
        )
    except OSError as exc:
        raise error(f"{argv[0]}: cannot start: {exc}") from exc
