"""Clocks for the tests: waits are recorded instead of waited, time moves when the test says."""

from __future__ import annotations

import time

import pytest

from sbkube_ci._retry import Clock


class Sleeps(list[float]):
    """An injectable ``sleep`` that records the waits instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


class VirtualClock:
    """Real time plus whatever was 'slept': retries are exercised without waiting for them."""

    def __init__(self) -> None:
        self.slept = Sleeps()

    def monotonic(self) -> float:
        return time.monotonic() + sum(self.slept)

    def sleep(self, seconds: float) -> None:
        self.slept(seconds)

    def clock(self) -> Clock:
        return Clock(monotonic=self.monotonic, sleep=self.sleep)


class SteppingClock:
    """A clock that moves ``step`` seconds each time it is read; tests move ``now`` too."""

    def __init__(self, start: float = 1_767_225_600.0, step: float = 0.0) -> None:
        self.now = start
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def virtual_clock() -> VirtualClock:
    return VirtualClock()
