"""run(): exit with the code of a commands function; run_with_progress(): close its display."""

from __future__ import annotations

import pytest

from sbkube_ci.cli import runtime
from sbkube_ci.cli.runtime import run, run_with_progress
from sbkube_ci.progress import Progress


class _Recorded(Progress):
    closed = 0

    def close(self) -> None:
        self.closed += 1


@pytest.fixture
def progress(monkeypatch: pytest.MonkeyPatch) -> _Recorded:
    """The display run_with_progress makes, recorded."""
    recorded = _Recorded()
    monkeypatch.setattr(runtime, "progress_display", lambda: recorded)
    return recorded


def test_run_exits_with_the_code_the_command_returns() -> None:
    with pytest.raises(SystemExit) as exited:
        run(lambda name: 2 if name == "x" else 0, "x")
    assert exited.value.code == 2


def test_run_with_progress_hands_over_the_display_and_closes_it(progress: _Recorded) -> None:
    handed: list[Progress] = []

    def command(*, progress: Progress) -> int:
        handed.append(progress)
        return 2

    with pytest.raises(SystemExit) as exited:
        run_with_progress(command)
    assert (exited.value.code, handed, progress.closed) == (2, [progress], 1)


def test_run_with_progress_closes_the_display_when_the_command_fails(progress: _Recorded) -> None:
    def fail(*, progress: Progress) -> int:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        run_with_progress(fail)
    assert progress.closed == 1
