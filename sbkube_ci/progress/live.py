"""The live terminal display of ``progress``: a bar per stage, the apps in flight, failures.

Built on rich's ``Live``. On a real terminal rich refreshes it a few times a second from its
own thread; a recording (the golden session in the tests) refreshes only when the injected
clock says a frame is due, so the recording is the same on every run.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TextIO

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from sbkube_ci.progress.base import Outcome, Progress, StageState, duration

_SHOWN_RUNNING = 6
_SHOWN_FAILED = 5


class LiveProgress(Progress):
    """Per-app status on a terminal, redrawn in place."""

    def __init__(
        self,
        console: Console,
        *,
        auto_refresh: bool = True,
        frame_interval: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        redirect: bool = False,
    ) -> None:
        self._console = console
        self._clock = clock
        self._frame_interval = frame_interval
        self._last_frame: float | None = None
        self._lock = threading.RLock()
        self._state = StageState()
        self._failed: list[tuple[str, str]] = []
        self._waits: dict[str, float] = {}
        self._retries: dict[str, tuple[int, float]] = {}
        self._live = Live(
            get_renderable=self._render,
            console=console,
            auto_refresh=auto_refresh,
            refresh_per_second=8,
            transient=True,
            # the commands' own lines (deploy's per-app log) go above the display, not through it
            redirect_stdout=redirect,
            redirect_stderr=redirect,
        )
        self._live.start()

    @classmethod
    def for_stream(cls, stream: TextIO, *, color: bool) -> LiveProgress:
        return cls(Console(file=stream, no_color=not color, highlight=False), redirect=True)

    def stage(self, name: str, total: int) -> None:
        with self._lock:
            self._state = StageState(name, total, self._clock())
            self._failed = []
            self._frame(force=True)

    def started(self, item: str) -> None:
        with self._lock:
            self._state.start(item)
            self._frame()

    def finished(self, item: str, outcome: Outcome = "ok", detail: str = "") -> None:
        with self._lock:
            self._state.finish(item, outcome)
            if outcome == "failed":
                self._failed.append((item, detail))
            self._frame()

    def waiting(self, what: str, remaining: float) -> None:
        with self._lock:
            self._waits[what] = remaining
            self._frame()

    def retrying(self, what: str, attempt: int, delay: float) -> None:
        with self._lock:
            self._retries[what] = (attempt, delay)
            self._frame()

    def end_stage(self) -> None:
        with self._lock:
            state = self._state
            if not state.name:
                return
            took = duration(self._clock() - state.started_at)
            counts = state.counts()
            line = Text(f"✓ {state.name}: {state.done}/{state.total} done in {took}")
            if counts:
                line.append(f" ({counts})", style="dim")
            failed = self._failed
            self._state = StageState()
            self._failed, self._waits, self._retries = [], {}, {}
            self._live.refresh()  # clear the display first, so no stale frame is printed again
            self._live.console.print(line)
            for item, detail in failed:
                self._live.console.print(Text(f"  ✗ {item}: {detail}", style="bold red"))

    def close(self) -> None:
        with self._lock:
            self._live.stop()

    def _frame(self, *, force: bool = False) -> None:
        if self._live.auto_refresh:
            return  # rich's own thread redraws
        now = self._clock()
        due = self._last_frame is None or now - self._last_frame >= self._frame_interval
        if force or due:
            self._last_frame = now
            self._live.refresh()

    def _render(self) -> RenderableType:
        with self._lock:
            state = self._state
            parts: list[RenderableType] = []
            if state.name:
                parts.append(self._bar(state))
                parts += self._running(state)
                parts += [
                    Text(f"  ✗ {item}: {detail}", style="red")
                    for item, detail in self._failed[-_SHOWN_FAILED:]
                ]
            for what, remaining in self._waits.items():
                parts.append(Text(f"  ⏳ {what}: {duration(remaining)} left", style="yellow"))
            for what, (attempt, delay) in self._retries.items():
                parts.append(
                    Text(f"  ↻ {what}: retry {attempt} in {duration(delay)}", style="yellow")
                )
            return Group(*parts)

    def _bar(self, state: StageState) -> Table:
        grid = Table.grid(padding=(0, 1))
        grid.add_row(
            Text(f"{state.name:<9}", style="bold"),
            ProgressBar(total=max(state.total, 1), completed=state.done, width=30),
            Text(f"{state.done}/{state.total}"),
            Text(duration(self._clock() - state.started_at), style="dim"),
        )
        return grid

    def _running(self, state: StageState) -> list[RenderableType]:
        running = list(state.running)
        lines: list[RenderableType] = [
            Text(f"  … {item}", style="cyan") for item in running[:_SHOWN_RUNNING]
        ]
        if len(running) > _SHOWN_RUNNING:
            lines.append(Text(f"  … and {len(running) - _SHOWN_RUNNING} more", style="dim"))
        return lines
