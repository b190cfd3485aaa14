"""The one registry of notifier types: the config ``type`` → the class that sends."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sbkube_ci.notify.base import Notifier, NotifyContext
from sbkube_ci.notify.discord import Discord
from sbkube_ci.notify.slack import Slack
from sbkube_ci.notify.webhook import Webhook

NotifierFactory = Callable[[str, Any, NotifyContext], Notifier]

NOTIFIERS: dict[str, NotifierFactory] = {
    "slack": Slack,
    "discord": Discord,
    "webhook": Webhook,
}

# Fields of the notifier configs that name environment variables holding credentials.
SECRET_FIELDS = ("webhook_url_env", "token_env", "url_env", "secret_env")
