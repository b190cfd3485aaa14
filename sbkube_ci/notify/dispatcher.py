"""``Dispatcher``: send an event to every configured notifier that wants it, masked, bounded.

Deploy calls ``send(started)`` and keeps the returned ``Handle``; at the end it calls
``update(handle, succeeded_or_failed)`` so Slack (bot token) and Discord edit the first message
instead of posting a second one. Delivery problems become masked warnings, never exceptions:
a chat outage must not fail a deploy. Notifiers are sent to in parallel, so the whole call
takes at most one retry budget.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sbkube_ci.config.models import Config
from sbkube_ci.config.sections import DiscordNotifier, SlackNotifier, WebhookNotifier
from sbkube_ci.errors import NotifyError
from sbkube_ci.notify.base import MessageRef, Notifier, NotifyContext
from sbkube_ci.notify.delivery import DELIVERY, Clock, DeliveryError, RetryPolicy, secret_masker
from sbkube_ci.notify.events import Notification, mask_notification
from sbkube_ci.notify.registry import NOTIFIERS, SECRET_FIELDS

NotifierConfig = SlackNotifier | DiscordNotifier | WebhookNotifier
Mask = Callable[[str], str]


@dataclass
class Handle:
    """The messages one deployment posted, by notifier name; deploy keeps it until the end."""

    refs: dict[str, MessageRef] = field(default_factory=dict)


def _identity(text: str) -> str:
    return text


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


class Dispatcher:
    """Every notifier of one configuration, and the mask every outgoing string goes through."""

    def __init__(
        self,
        configs: Mapping[str, NotifierConfig],
        *,
        ctx: NotifyContext,
        mask: Mask = _identity,
        warn: Callable[[str], None] = _stderr,
    ) -> None:
        self._configs = dict(configs)
        self._ctx = ctx
        own = secret_masker(self._secret_values())
        self.mask: Mask = lambda text: own(mask(text))
        self._warn = warn
        self._notifiers: dict[str, Notifier] = {}

    @classmethod
    def from_config(
        cls,
        config: Config | Mapping[str, NotifierConfig],
        *,
        mask: Mask | None = None,
        environ: Mapping[str, str] | None = None,
        warn: Callable[[str], None] | None = None,
        policy: RetryPolicy | None = None,
        clock: Clock | None = None,
    ) -> Dispatcher:
        """The dispatcher for ``config.notify`` (or a mapping name → notifier config)."""
        configs = config.notify if isinstance(config, Config) else config
        ctx = NotifyContext(
            environ=dict(os.environ if environ is None else environ),
            policy=policy or DELIVERY,
            clock=clock or Clock(),
        )
        return cls(configs, ctx=ctx, mask=mask or _identity, warn=warn or _stderr)

    @property
    def names(self) -> list[str]:
        return list(self._configs)

    def wants(self, name: str, event: Notification) -> bool:
        """Whether notifier ``name`` subscribes to this event on one of its clusters."""
        config = self._configs[name]
        if event.kind not in config.on:
            return False
        if event.kind == "plan" and not any(event.totals):
            return False  # a plan without changes is not news
        return not config.clusters or any(c in config.clusters for c in event.clusters)

    def send(self, event: Notification) -> Handle:
        """Post ``event`` to every notifier that wants it; never raises for delivery problems."""
        return self.update(Handle(), event)

    def update(self, handle: Handle, event: Notification) -> Handle:
        """Edit the messages in ``handle`` to show ``event``; post to the other notifiers."""
        names = [n for n in self._configs if n in handle.refs or self.wants(n, event)]
        results = self._run(names, lambda name: self._deliver(name, handle.refs.get(name), event))
        refs = dict(handle.refs)
        for name, (ref, error) in zip(names, results, strict=True):
            if error:
                self._warn(f"warning: {error}; carrying on without this notification")
            elif ref is not None:
                refs[name] = ref
        return Handle(refs)

    def check(self, event: Notification, only: str | None = None) -> dict[str, str]:
        """Send ``event`` to every notifier (or ``only``) regardless of filters.

        Returns notifier name → "" when delivered, else the masked one-line error.
        """
        if only is not None and only not in self._configs:
            known = ", ".join(self._configs) or "none configured"
            raise NotifyError(f"notify.{only}: no such notifier in sbkube.yaml; known: {known}")
        names = [only] if only else list(self._configs)
        results = self._run(names, lambda name: self._deliver(name, None, event))
        return {name: error for name, (_, error) in zip(names, results, strict=True)}

    def payload(self, name: str, event: Notification) -> dict[str, Any]:
        """What notifier ``name`` would send for ``event``, masked (for previews and tests)."""
        return self._notifier(name).payload(self._prepare(name, event))

    def _run(
        self, names: list[str], job: Callable[[str], tuple[MessageRef | None, str]]
    ) -> list[tuple[MessageRef | None, str]]:
        if len(names) <= 1:
            return [job(name) for name in names]
        with ThreadPoolExecutor(max_workers=len(names)) as pool:
            return list(pool.map(job, names))

    def _deliver(
        self, name: str, ref: MessageRef | None, event: Notification
    ) -> tuple[MessageRef | None, str]:
        """(new reference, "") on success, (None, masked one-line error) otherwise."""
        try:
            notifier = self._notifier(name)
            prepared = self._prepare(name, event)
            if ref is not None:
                return self._update_or_repost(notifier, ref, prepared), ""
            return notifier.send(prepared), ""
        except NotifyError as exc:
            return None, self.mask(str(exc))
        except Exception as exc:  # a notifier bug must not fail the deploy either
            return None, self.mask(f"notify.{name}: internal error {type(exc).__name__}: {exc}")

    def _update_or_repost(
        self, notifier: Notifier, ref: MessageRef, event: Notification
    ) -> MessageRef | None:
        try:
            return notifier.update(ref, event)
        except DeliveryError as exc:
            if not exc.refused:
                raise
        # The first message is gone (deleted, channel archived): the result must still be seen.
        return notifier.send(event)

    def _notifier(self, name: str) -> Notifier:
        if name not in self._notifiers:
            config = self._configs[name]
            self._notifiers[name] = NOTIFIERS[config.type](name, config, self._ctx)
        return self._notifiers[name]

    def _prepare(self, name: str, event: Notification) -> Notification:
        """``event`` limited to the notifier's clusters, with every string masked."""
        clusters = self._configs[name].clusters
        if clusters:
            event = dataclasses.replace(
                event,
                clusters=tuple(c for c in event.clusters if c in clusters),
                apps=tuple(a for a in event.apps if a.cluster in clusters),
            )
        return mask_notification(event, self.mask)

    def _secret_values(self) -> list[str]:
        values = []
        for config in self._configs.values():
            for field_name in SECRET_FIELDS:
                variable = getattr(config, field_name, None)
                if variable and self._ctx.environ.get(variable):
                    values.append(self._ctx.environ[variable])
        return values
