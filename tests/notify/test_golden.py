"""Golden payloads: what each platform receives, reviewed like code in tests/data/notify/.

Run with SBKUBE_UPDATE_GOLDEN=1 to rewrite the files after an intended change, then review the
diff of the JSON files in the commit.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from sbkube_ci.config.sections import DiscordNotifier, SlackNotifier, WebhookNotifier
from sbkube_ci.notify import Dispatcher, Notification
from sbkube_ci.notify.delivery import secret_masker
from sbkube_ci.notify.dispatcher import NotifierConfig
from tests.notify import samples
from tests.support.receivers import discord_limit_problem, slack_limit_problem

GOLDEN = Path(__file__).resolve().parent.parent / "data" / "notify"
ENVIRON = {
    "SLACK_WEBHOOK_URL": samples.SLACK_WEBHOOK,
    "DISCORD_WEBHOOK_URL": "https://discord.com/api/webhooks/1234567890/d1sc0rdT0ken-secret",
    "HOOK_URL": "https://deploys.example.com/hooks/sbkube",
}
CASES: list[tuple[str, str, Callable[[], Notification]]] = [
    ("slack", "success", samples.success),
    ("slack", "failure", samples.failure),
    ("slack", "300_apps", samples.many_apps),
    ("discord", "success", samples.success),
    ("discord", "failure", samples.failure),
    ("discord", "300_apps", samples.many_apps),
    ("webhook", "success", samples.success),
]


def notifications() -> Dispatcher:
    configs: dict[str, NotifierConfig] = {
        "slack": SlackNotifier(type="slack", webhook_url_env="SLACK_WEBHOOK_URL"),
        "discord": DiscordNotifier(type="discord", webhook_url_env="DISCORD_WEBHOOK_URL"),
        "webhook": WebhookNotifier(type="webhook", url_env="HOOK_URL"),
    }
    # The diff engine's masker stands behind `mask`; here it knows the database password.
    return Dispatcher.from_config(
        configs, mask=secret_masker([samples.DB_PASSWORD]), environ=ENVIRON
    )


@pytest.mark.parametrize(("platform", "case", "make"), CASES, ids=[f"{p}_{c}" for p, c, _ in CASES])
def test_payload_matches_golden(platform: str, case: str, make: Callable[[], Notification]) -> None:
    payload = notifications().payload(platform, make())
    path = GOLDEN / f"{platform}_{case}.json"
    text = json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if os.environ.get("SBKUBE_UPDATE_GOLDEN") == "1":
        partial = path.with_suffix(".json.tmp")
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
    assert path.is_file(), f"{path} is missing; run with SBKUBE_UPDATE_GOLDEN=1 and review it"
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(text), (
        f"{path.name} differs; if intended, rerun with SBKUBE_UPDATE_GOLDEN=1 and review the diff"
    )


@pytest.mark.parametrize("platform", ["slack", "discord", "webhook"])
def test_failure_payload_never_carries_secrets(platform: str) -> None:
    text = json.dumps(notifications().payload(platform, samples.failure()), ensure_ascii=False)
    assert samples.DB_PASSWORD not in text
    assert "s3cr3tw3bh00k" not in text
    assert "***" in text  # the error line is still there, with the secrets blanked


def test_300_apps_fit_every_platform_limit() -> None:
    sent = notifications()
    event = samples.many_apps()
    slack = sent.payload("slack", event)
    discord = sent.payload("discord", event)
    assert slack_limit_problem(slack) is None
    assert discord_limit_problem(discord) is None
    slack_text = json.dumps(slack, ensure_ascii=False)
    assert "more apps" in slack_text
    assert samples.RUN in slack_text
    fields = discord["embeds"][0]["fields"]
    assert fields[-1]["name"].startswith("… and ")
    assert samples.RUN in fields[-1]["value"]
    assert len(fields) <= 25
