"""SIGTERM/SIGINT during a deploy: real signals sent to a child Python process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from sbkube_ci.deploy.run.signals import run_in_worker, stop_on_signals

_ROOT = Path(__file__).resolve().parents[3]

# A deploy of two apps, b depending on a; a runs until cancelled, as a long rollout would.
_CHILD = textwrap.dedent(
    r"""
    import signal, sys, threading
    from sbkube_ci.deploy.run import schedule as dag
    from sbkube_ci.deploy.run.signals import run_in_worker, stop_on_signals

    def say(line):
        # One write per line: the signal handler and a worker thread print concurrently.
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    def work(app):
        if app == "a":
            say("ready")
            if not request.cancel.wait(60):
                raise RuntimeError("never cancelled")
            if len(sys.argv) > 1:
                threading.Event().wait(2)  # still running when the second signal arrives
        say(f"{app} ran")

    try:
        with stop_on_signals(notify=say) as request:
            outcomes = run_in_worker(
                lambda: dag.run({"a": [], "b": ["a"]}, work, max_workers=2, cancel=request.cancel)
            )
    except KeyboardInterrupt as exc:
        say(f"aborted: {exc}")
        sys.exit(130)
    for name in sorted(outcomes):
        say(f"{name}: {outcomes[name].status}")
    say(f"handler restored: {signal.getsignal(signal.SIGTERM) is signal.SIG_DFL}")
    """
)


def _start(*args: str) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, *args],
        cwd=_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(_ROOT)},
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    return child


def test_sigterm_finishes_running_apps_and_starts_no_new_ones() -> None:
    child = _start()
    child.send_signal(signal.SIGTERM)
    stdout, stderr = child.communicate(timeout=60)
    assert child.returncode == 0, stderr
    lines = stdout.splitlines()
    assert lines[0].startswith("SIGTERM received: finishing running apps")
    assert "a ran" in lines
    assert "b ran" not in lines
    assert "a: succeeded" in lines
    assert "b: skipped" in lines
    assert "handler restored: True" in lines


def test_a_second_signal_aborts_at_once() -> None:
    child = _start("linger")
    child.send_signal(signal.SIGINT)
    assert child.stdout is not None
    assert child.stdout.readline().startswith("SIGINT received")
    child.send_signal(signal.SIGTERM)
    stdout, stderr = child.communicate(timeout=60)
    assert child.returncode == 130, stderr
    assert "aborted: SIGTERM received twice; aborting" in stdout


def test_previous_handlers_come_back_even_after_an_error() -> None:
    def mine(signum: int, frame: object) -> None:
        raise AssertionError("not expected to run")

    before = signal.signal(signal.SIGTERM, mine)
    # whatever SIGINT was: the default handler, or ignored when started as a background job
    sigint_before = signal.getsignal(signal.SIGINT)
    try:
        try:
            with stop_on_signals() as request:
                assert signal.getsignal(signal.SIGTERM) == request.handle
                raise ValueError("deploy failed")
        except ValueError:
            pass
        assert signal.getsignal(signal.SIGTERM) is mine
        assert signal.getsignal(signal.SIGINT) is sigint_before
    finally:
        signal.signal(signal.SIGTERM, before)


def test_outside_the_main_thread_nothing_is_installed() -> None:
    seen: list[object] = []
    cancel = threading.Event()

    def in_thread() -> None:
        with stop_on_signals(cancel) as request:
            seen.append(request.cancel)
            seen.append(signal.getsignal(signal.SIGTERM))

    before = signal.getsignal(signal.SIGTERM)
    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join()
    assert seen == [cancel, before]


def test_run_in_worker_returns_and_raises_what_the_work_does() -> None:
    assert run_in_worker(lambda: threading.current_thread().name) == "sbkube-ci-deploy"

    def fail() -> None:
        raise ValueError("apply failed")

    with pytest.raises(ValueError, match=r"^apply failed$"):
        run_in_worker(fail)
