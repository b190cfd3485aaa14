"""run(): the exit code of a commands function, and a progress display closed in any case."""

from __future__ import annotations

import pytest

from sbkube_ci.cli.runtime import run
from sbkube_ci.progress import Progress


class _Recorded(Progress):
    closed = 0

    def close(self) -> None:
        self.closed += 1


def test_run_exits_with_the_code_the_command_returns() -> None:
    progress = _Recorded()
    with pytest.raises(SystemExit) as exited:
        run(lambda *, progress: 2, progress=progress)
    assert (exited.value.code, progress.closed) == (2, 1)


def test_run_closes_the_progress_display_when_the_command_fails() -> None:
    def fail(*, progress: Progress) -> int:
        raise RuntimeError("boom")

    progress = _Recorded()
    with pytest.raises(RuntimeError):
        run(fail, progress=progress)
    assert progress.closed == 1
