"""``sbkube-ci notify test``: send a sample message so a team can check its set-up."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import click

from sbkube_ci.config.loader import load_project
from sbkube_ci.config.models import Config
from sbkube_ci.diff.credentials import build_masker
from sbkube_ci.errors import ConfigError
from sbkube_ci.notify import AppChange, Dispatcher, Notification, notification_from_ci_env

SAMPLE_DETAIL = (
    "Test message from `sbkube-ci notify test`: if you can read this, notifications work."
)


def send_sample(chdir: Path, file: Path | None, notifier: str | None, output_format: str) -> int:
    """Send a sample deploy_succeeded to every notifier (or one); 1 if any delivery failed."""
    project = load_project(chdir, file)
    config = project.config
    if not config.notify:
        raise ConfigError(
            f"{project.files[0]}: no notify section; add one, for example "
            "notify: {slack: {webhook_url_env: SLACK_WEBHOOK_URL}} (see docs/notifications.md)"
        )
    # The masker deploy uses: every credential variable of the config and diff.mask_env.
    notifications = Dispatcher.from_config(config, mask=build_masker(project).mask)
    results = notifications.check(sample_notification(config, project.base_dir), only=notifier)
    if output_format == "json":
        document = {
            "ok": not any(results.values()),
            "notifiers": {n: {"ok": not e, "error": e or None} for n, e in results.items()},
        }
        click.echo(json.dumps(document, indent=2))
        return 0 if document["ok"] else 1
    for name, error in results.items():
        if error:
            click.echo(f"error: {error}", err=True)
        else:
            click.echo(f"ok: notify.{name}: test message delivered")
    return 1 if any(results.values()) else 0


def sample_notification(config: Config, base_dir: Path) -> Notification:
    """A realistic deploy_succeeded for this project: its clusters and (up to 3 of) its apps."""
    clusters = list(config.effective_clusters())
    apps = [
        AppChange(name, cluster=clusters[0], old_revision="1", new_revision="2", changed=1)
        for name in list(config.enabled_apps())[:3]
    ]
    event = notification_from_ci_env(
        "deploy_succeeded",
        clusters=clusters,
        apps=apps,
        project=config.metadata.name or base_dir.name,
        duration=42.0,
        detail=SAMPLE_DETAIL,
    )
    return replace(event, test=True)
