"""Graceful stop for deploy: the first SIGTERM/SIGINT asks the scheduler to stop, the second aborts.

CI runners send SIGTERM when a job is cancelled and wait a grace period before SIGKILL. The
first signal sets the event the dependency scheduler (``dag.run(cancel=...)``) watches, so
running apps finish and record their state while nothing new starts; a second signal raises
``KeyboardInterrupt`` for an impatient user at a terminal.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType

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
