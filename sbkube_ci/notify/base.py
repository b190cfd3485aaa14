"""The protocol every notifier implements, and what they share: context and message references."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sbkube_ci.errors import NotifyError
from sbkube_ci.notify.delivery import CONNECT_TIMEOUT, DELIVERY, Clock, RetryPolicy
from sbkube_ci.notify.events import Notification


@dataclass(frozen=True)
class MessageRef:
    """Where a sent message lives so it can be edited in place (Slack channel + ts, Discord id)."""

    notifier: str
    message_id: str
    channel: str | None = None


@dataclass
class NotifyContext:
    """What notifiers need from the outside: environment, retry policy and clock."""

    environ: Mapping[str, str]
    policy: RetryPolicy = DELIVERY
    connect_timeout: float = CONNECT_TIMEOUT
    clock: Clock = field(default_factory=Clock)

    def secret(self, notifier: str, field_name: str, variable: str) -> str:
        """The value of a credential variable, or one line naming notifier and variable."""
        value = self.environ.get(variable, "")
        if not value:
            raise NotifyError(
                f"notify.{notifier}.{field_name}: environment variable {variable} is not set; "
                "add it as a CI secret (GitHub: secrets + env:, GitLab: masked CI/CD variable)"
            )
        return value


class Notifier(Protocol):
    """One configured destination (a Slack channel, a Discord webhook, a URL)."""

    name: str

    def payload(self, event: Notification) -> dict[str, Any]:
        """The document this notifier would send for ``event`` (already masked, within limits)."""
        ...

    def send(self, event: Notification) -> MessageRef | None:
        """Post a new message; a reference when the platform lets it be edited later."""
        ...

    def update(self, ref: MessageRef, event: Notification) -> MessageRef | None:
        """Replace the message at ``ref`` with one for ``event``."""
        ...
