"""Chat and webhook notifications: events, the notifier registry and the dispatcher.

Public API: ``Event`` (+ ``AppChange``, ``Commit``, ``Failure``), ``event_from_ci_env``,
``Notifications.from_config(config, mask=...)``, ``send(event) -> Handle`` and
``update(handle, event) -> Handle``.
"""

from __future__ import annotations

from sbkube_ci.notify.base import MessageRef, Notifier, NotifyContext
from sbkube_ci.notify.ci_env import CIContext, ci_context, event_from_ci_env
from sbkube_ci.notify.delivery import Clock, RetryPolicy
from sbkube_ci.notify.dispatcher import Handle, Notifications
from sbkube_ci.notify.events import EVENT_KINDS, AppChange, Commit, Event, Failure, mask_event
from sbkube_ci.notify.registry import NOTIFIERS

__all__ = [
    "EVENT_KINDS",
    "NOTIFIERS",
    "AppChange",
    "CIContext",
    "Clock",
    "Commit",
    "Event",
    "Failure",
    "Handle",
    "MessageRef",
    "Notifications",
    "Notifier",
    "NotifyContext",
    "RetryPolicy",
    "ci_context",
    "event_from_ci_env",
    "mask_event",
]
