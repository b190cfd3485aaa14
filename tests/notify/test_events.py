"""The event model: kinds, masking of every string, durations."""

from __future__ import annotations

import dataclasses

import pytest

from sbkube_ci.notify import Notification, mask_notification
from sbkube_ci.notify.events import format_duration
from tests.notify import samples


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown event kind 'deployed'"):
        Notification("deployed", ("prod",))  # type: ignore[arg-type]


def test_mask_reaches_every_string_but_the_kind() -> None:
    masked = mask_notification(samples.failure(), lambda text: text.replace("a", "#"))
    assert masked.kind == "deploy_failed"
    assert masked.actor == "#lice"
    assert masked.apps[0].name == "#pi"
    assert masked.failure is not None
    assert masked.failure.app == "#pi"
    assert "a" not in masked.failure.error
    assert masked.commit is not None
    assert "a" not in masked.commit.message
    assert masked.run_url is not None
    assert "a" not in masked.run_url
    assert masked.apps[0].added == samples.failure().apps[0].added


def test_with_kind_keeps_the_deployment() -> None:
    started = samples.success().with_kind("deploy_started", duration=None)
    done = started.with_kind("deploy_succeeded", duration=12.0)
    assert done.apps == started.apps
    assert dataclasses.replace(done, duration=None) == started.with_kind("deploy_succeeded")


def test_totals_and_durations() -> None:
    assert samples.success().totals == (5, 3, 0)
    assert format_duration(None) == ""
    assert format_duration(42.4) == "42s"
    assert format_duration(192.4) == "3m 12s"
    assert format_duration(3725) == "1h 2m"
