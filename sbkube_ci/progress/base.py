"""What a long step is doing, while it does it: per-app status, lock waits, API retries.

One small interface, three ways to show it, picked by ``progress_for``:

- a terminal gets a live per-app display (``live.LiveProgress``, built on rich);
- GitHub Actions and GitLab CI get plain timestamped lines, at most one progress line per
  ``interval`` seconds per stage, each stage folded in a ``::group::`` / collapsible section;
- anything else (a pipe, a test runner) gets nothing, so output stays what it was.

Reporters are called from worker threads; every method takes the reporter's lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, TextIO

Outcome = Literal["ok", "changed", "unchanged", "failed", "skipped"]
Sections = Literal["github", "gitlab", "none"]
MODES = ("auto", "live", "plain", "none")


class Progress:
    """The reporter interface; this base class shows nothing (pipes, tests, ``--format json``)."""

    def stage(self, name: str, total: int) -> None:
        """A stage of ``total`` items begins (prepare, template, plan, deploy)."""

    def started(self, item: str) -> None:
        """Work on ``item`` (an app, or cluster/app) began."""

    def finished(self, item: str, outcome: Outcome = "ok", detail: str = "") -> None:
        """Work on ``item`` ended; ``detail`` is the first line of an error, if any."""

    def waiting(self, what: str, remaining: float) -> None:
        """A wait (for a lock) goes on; ``remaining`` seconds are left before it gives up."""

    def retrying(self, what: str, attempt: int, delay: float) -> None:
        """A call (to the API server) failed and is tried again after ``delay`` seconds."""

    def end_stage(self) -> None:
        """The current stage is over."""

    def close(self) -> None:
        """Nothing more will be reported; release the terminal."""


class MaskedProgress(Progress):
    """Passes everything on to ``inner`` with secrets masked (an error line may quote one)."""

    def __init__(self, inner: Progress, mask: Callable[[str], str]) -> None:
        self._inner = inner
        self._mask = mask

    def stage(self, name: str, total: int) -> None:
        self._inner.stage(name, total)

    def started(self, item: str) -> None:
        self._inner.started(self._mask(item))

    def finished(self, item: str, outcome: Outcome = "ok", detail: str = "") -> None:
        self._inner.finished(self._mask(item), outcome, self._mask(detail))

    def waiting(self, what: str, remaining: float) -> None:
        self._inner.waiting(self._mask(what), remaining)

    def retrying(self, what: str, attempt: int, delay: float) -> None:
        self._inner.retrying(self._mask(what), attempt, delay)

    def end_stage(self) -> None:
        self._inner.end_stage()

    def close(self) -> None:
        self._inner.close()


@dataclass
class StageState:
    """The counts of the running stage, shared by the plain and live reporters."""

    name: str = ""
    total: int = 0
    started_at: float = 0.0
    running: dict[str, None] = field(default_factory=dict)  # insertion-ordered set
    outcomes: dict[str, Outcome] = field(default_factory=dict)

    def start(self, item: str) -> None:
        self.running[item] = None

    def finish(self, item: str, outcome: Outcome) -> None:
        self.running.pop(item, None)
        self.outcomes[item] = outcome

    @property
    def done(self) -> int:
        return len(self.outcomes)

    def counts(self) -> str:
        """``12 changed, 1 failed`` style counts of the finished items, in words."""
        tally: dict[str, int] = {}
        for outcome in self.outcomes.values():
            tally[outcome] = tally.get(outcome, 0) + 1
        order = ("changed", "unchanged", "ok", "skipped", "failed")
        return ", ".join(f"{tally[o]} {o}" for o in order if tally.get(o))


def first_line(text: str) -> str:
    """The first non-empty line of a message: what a status line has room for."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def duration(seconds: float) -> str:
    """``45s``, ``3m05s``, ``1h02m``: short enough for a status line."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


class PlainProgress(Progress):
    """Timestamped lines for a CI log, rate-limited, with collapsible sections per stage."""

    def __init__(
        self,
        stream: TextIO,
        *,
        sections: Sections = "none",
        interval: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._stream = stream
        self._sections = sections
        self._interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._state = StageState()
        self._last_line: dict[str, float] = {}

    def stage(self, name: str, total: int) -> None:
        with self._lock:
            self._state = StageState(name, total, self._clock())
            self._last_line = {}
            title = f"sbkube-ci {name}: {total} item{'s' if total != 1 else ''}"
            if self._sections == "github":
                self._write(f"::group::{title}")
            elif self._sections == "gitlab":
                self._write(
                    f"\x1b[0Ksection_start:{int(self._clock())}:{_section_id(name)}"
                    f"[collapsed=true]\r\x1b[0K{title}"
                )
            else:
                self._line(title)

    def started(self, item: str) -> None:
        with self._lock:
            self._state.start(item)
            self._maybe_report()

    def finished(self, item: str, outcome: Outcome = "ok", detail: str = "") -> None:
        with self._lock:
            self._state.finish(item, outcome)
            if outcome == "failed":  # a failure is never held back by the rate limit
                self._line(f"{self._state.name}: {item} failed" + (f": {detail}" if detail else ""))
            self._maybe_report()

    def waiting(self, what: str, remaining: float) -> None:
        with self._lock:
            if self._due(f"wait:{what}"):
                self._line(f"{what}: {duration(remaining)} left")

    def retrying(self, what: str, attempt: int, delay: float) -> None:
        with self._lock:
            if self._due(f"retry:{what}"):
                self._line(f"{what}: retry {attempt} in {duration(delay)}")

    def end_stage(self) -> None:
        with self._lock:
            state = self._state
            if not state.name:
                return
            took = duration(self._clock() - state.started_at)
            counts = state.counts()
            self._line(
                f"{state.name}: {state.done}/{state.total} done in {took}"
                + (f" ({counts})" if counts else "")
            )
            if self._sections == "github":
                self._write("::endgroup::")
            elif self._sections == "gitlab":
                section = _section_id(state.name)
                self._write(f"\x1b[0Ksection_end:{int(self._clock())}:{section}\r\x1b[0K")
            self._state = StageState()

    def _maybe_report(self) -> None:
        state = self._state
        if not self._due("stage"):
            return
        running = list(state.running)
        shown = ", ".join(running[:3]) + (f" +{len(running) - 3}" if len(running) > 3 else "")
        self._line(
            f"{state.name}: {state.done}/{state.total} done"
            + (f", running {shown}" if running else "")
        )

    def _due(self, key: str) -> bool:
        now = self._clock()
        last = self._last_line.get(key)
        if last is not None and now - last < self._interval:
            return False
        self._last_line[key] = now
        return True

    def _line(self, text: str) -> None:
        stamp = datetime.fromtimestamp(self._clock(), UTC).strftime("%H:%M:%SZ")
        self._write(f"{stamp} {text}")

    def _write(self, text: str) -> None:
        print(text, file=self._stream, flush=True)


def _section_id(name: str) -> str:
    return "sbkube_" + "".join(c if c.isalnum() else "_" for c in name)


def sections_for(environ: Mapping[str, str]) -> Sections:
    """Which collapsible-section syntax the CI platform's log understands."""
    if environ.get("GITHUB_ACTIONS") == "true":
        return "github"
    if environ.get("GITLAB_CI") == "true":
        return "gitlab"
    return "none"
