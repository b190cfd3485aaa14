"""What a notification says: one ``Notification`` per occurrence, independent of any platform.

Its ``kind`` is an ``EventName`` (``deploy_started``, ``deploy_failed``, ...). Deploy, plan,
rollback, lock and status build a ``Notification`` (usually through
``notification_from_ci_env`` so actor, commit and links come from the CI job) and hand it to
``Dispatcher``; every platform renders the same fields.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar, get_args

from sbkube_ci.ci.context import Commit
from sbkube_ci.config.sections import EventName

__all__ = [
    "EVENT_KINDS",
    "AppChange",
    "Commit",
    "EventName",
    "Failure",
    "Notification",
    "format_duration",
    "mask_notification",
]

EVENT_KINDS: tuple[EventName, ...] = get_args(EventName)


@dataclass(frozen=True)
class AppChange:
    """One app on one cluster: revision before → after, objects +added ~changed -deleted."""

    name: str
    cluster: str
    old_revision: str | None = None
    new_revision: str | None = None
    added: int = 0
    changed: int = 0
    deleted: int = 0


@dataclass(frozen=True)
class Failure:
    """What broke: the app and the one error line worth reading."""

    app: str
    error: str
    cluster: str | None = None


@dataclass(frozen=True)
class Notification:
    """One thing that happened to one or more clusters, as every notifier renders it."""

    kind: EventName
    clusters: tuple[str, ...]
    apps: tuple[AppChange, ...] = ()
    project: str = ""
    actor: str | None = None
    commit: Commit | None = None
    pr_url: str | None = None
    run_url: str | None = None
    duration: float | None = None
    failure: Failure | None = None
    detail: str = ""
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    #: sent by ``notify test``: every notifier says so, so nobody records a fake deploy
    test: bool = False

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {self.kind!r}; use one of {EVENT_KINDS}")

    @property
    def totals(self) -> tuple[int, int, int]:
        """Objects added, changed and deleted over all apps."""
        return (
            sum(a.added for a in self.apps),
            sum(a.changed for a in self.apps),
            sum(a.deleted for a in self.apps),
        )

    def with_kind(self, kind: EventName, **changes: object) -> Notification:
        """The same deployment at a later moment (``deploy_started`` → ``deploy_succeeded``)."""
        return dataclasses.replace(self, kind=kind, **changes)  # type: ignore[arg-type]


T = TypeVar("T")


def mask_notification(event: Notification, mask: Callable[[str], str]) -> Notification:
    """``event`` with ``mask`` applied to every string it carries (names, links, errors, ...)."""
    return _mask(event, mask)


def _mask(value: T, mask: Callable[[str], str]) -> T:
    if isinstance(value, str):
        return mask(value)  # type: ignore[return-value]
    if isinstance(value, tuple):
        return tuple(_mask(item, mask) for item in value)  # type: ignore[return-value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _mask(getattr(value, f.name), mask) for f in dataclasses.fields(value)}
        if isinstance(value, Notification):
            changes.pop("kind")  # the kind is a fixed word, never user data
        return dataclasses.replace(value, **changes)
    return value


def format_duration(seconds: float | None) -> str:
    """``3m 12s``; ``""`` when unknown."""
    if seconds is None:
        return ""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m {secs}s" if minutes else f"{secs}s"
