"""Fixtures of the notify tests: a notifier context on the virtual clock.

The clock (``virtual_clock``) and the receivers come from tests/support.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sbkube_ci.notify import NotifyContext
from sbkube_ci.notify.delivery import DELIVERY
from tests.support.clocks import VirtualClock


@pytest.fixture
def make_ctx(virtual_clock: VirtualClock) -> Callable[..., NotifyContext]:
    """A notifier context with the given environment, the default policy, the virtual clock."""

    def make(**environ: str) -> NotifyContext:
        return NotifyContext(environ=environ, policy=DELIVERY, clock=virtual_clock.clock())

    return make
