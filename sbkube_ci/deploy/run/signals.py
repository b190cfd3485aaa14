"""Graceful stop for deploy: the first SIGTERM/SIGINT asks the scheduler to stop, the second aborts.

The work itself runs in a worker thread (``run_in_worker``) while the main thread only sleeps:
the second signal's ``KeyboardInterrupt`` is raised in the main thread, and a plain sleep is
the one place where that is always safe (raised inside a lock wait of ``threading`` or
``concurrent.futures`` it can leave their locks inconsistent: "release unlocked lock").

CI runners send SIGTERM when a job is cancelled and wait a grace period before SIGKILL. The
first signal sets the event the dependency scheduler (``dag.run(cancel=...)``) watches, so
running apps finish and record their state while nothing new starts; a second signal raises
``KeyboardInterrupt`` for an impatient user at a terminal.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator
from types import FrameType
from typing import TypeVar

T = TypeVar("T")

HANDLED_SIGNALS = (signal.SIGTERM, signal.SIGINT)

_Handler = Callable[[int, FrameType | None], object] | int | signal.Handlers | None


class StopRequest:
    """What the signal handlers share: the cancel event and which signal arrived first."""

    def __init__(self, cancel: threading.Event, notify: Callable[[str], None] | None) -> None:
        self.cancel = cancel
        self.signal_name: str | None = None
        self._notify = notify

    def handle(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self.cancel.is_set():
            raise KeyboardInterrupt(f"{name} received twice; aborting")
        self.signal_name = name
        self.cancel.set()
        if self._notify is not None:
            self._notify(
                f"{name} received: finishing running apps, starting no new ones "
                "(send it again to abort at once)"
            )


@contextlib.contextmanager
def stop_on_signals(
    cancel: threading.Event | None = None,
    *,
    notify: Callable[[str], None] | None = None,
) -> Iterator[StopRequest]:
    """Install SIGTERM/SIGINT handlers that set ``cancel``; restore the previous ones on exit.

    Signal handlers can only be installed from the main thread; elsewhere this yields the
    request without installing anything, so callers need no special case.
    """
    request = StopRequest(cancel or threading.Event(), notify)
    if threading.current_thread() is not threading.main_thread():
        yield request
        return
    previous: dict[int, _Handler] = {}
    try:
        for signum in HANDLED_SIGNALS:
            previous[signum] = signal.signal(signum, request.handle)
        yield request
    finally:
        for restored, handler in previous.items():
            signal.signal(restored, handler)


def run_in_worker(work: Callable[[], T], *, poll: float = 0.1) -> T:
    """Run ``work`` in a worker thread while the main thread sleeps; return or raise its result.

    A second signal interrupts the sleep with ``KeyboardInterrupt``; the worker (not a daemon)
    has already been asked to stop by the first signal, so the interpreter lets it finish its
    running apps and release its locks before the process exits with 130.
    """
    outcome: list[T] = []
    failure: list[BaseException] = []
    done = threading.Event()

    def target() -> None:
        try:
            outcome.append(work())
        except BaseException as exc:  # handed to the main thread as is
            failure.append(exc)
        finally:
            done.set()

    threading.Thread(target=target, name="sbkube-ci-deploy").start()
    while not done.is_set():
        time.sleep(poll)
    if failure:
        raise failure[0]
    return outcome[0]
