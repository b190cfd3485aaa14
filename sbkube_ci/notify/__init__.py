"""Chat and webhook notifications: events, the notifier registry and the dispatcher.

Public API: ``Notification`` (+ ``AppChange``, ``Commit``, ``Failure``),
``notification_from_ci_env``, ``Dispatcher.from_config(config, mask=...)``,
``send(notification) -> Handle`` and ``update(handle, notification) -> Handle``.
"""

from __future__ import annotations

from sbkube_ci.notify.base import MessageRef, Notifier, NotifyContext
from sbkube_ci.notify.ci_env import CIContext, ci_context, notification_from_ci_env
from sbkube_ci.notify.delivery import Clock, RetryPolicy
from sbkube_ci.notify.dispatcher import Dispatcher, Handle
from sbkube_ci.notify.events import (
    EVENT_KINDS,
    AppChange,
    Commit,
    Failure,
    Notification,
    mask_notification,
)
from sbkube_ci.notify.registry import NOTIFIERS

__all__ = [
    "EVENT_KINDS",
    "NOTIFIERS",
    "AppChange",
    "CIContext",
    "Clock",
    "Commit",
    "Dispatcher",
    "Failure",
    "Handle",
    "MessageRef",
    "Notification",
    "Notifier",
    "NotifyContext",
    "RetryPolicy",
    "ci_context",
    "mask_notification",
    "notification_from_ci_env",
]
