"""The Discord message of an event: one embed coloured by result, within Discord's limits.

Embed: title (linked to the run) · description (commit, actor, PR, the failing app and its
error, the detail line) · one inline field per app (revision change and object counts) ·
footer (duration, clusters) · timestamp. Apps beyond the field or size limits are summed up in
a last "… and N more apps" field linking to the run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from sbkube_ci.notify.events import EventName, Notification, format_duration
from sbkube_ci.notify.text import (
    COMMIT_TITLE,
    TEST_NOTE,
    clusters_text,
    counts,
    cut_text,
    first_line,
    more_apps,
    revision_change,
    summary,
    title,
)

# Discord's documented limits (https://discord.com/developers/docs/resources/message), in one place.
CONTENT = 2000
TITLE = 256
DESCRIPTION = 4096
FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
EMBEDS_TOTAL = 6000
# Ours, not Discord's: the error line and the detail each keep to this, so the app fields
# still get room in the 6,000 characters all embeds share.
ERROR_LINE = 1024
DETAIL = 1024

COLOURS: dict[EventName, int] = {
    "plan": 0x5865F2,
    "deploy_started": 0x3498DB,
    "deploy_succeeded": 0x2ECC71,
    "deploy_failed": 0xE74C3C,
    "rollback": 0xE67E22,
    "lock_taken_over": 0xE67E22,
    "drift_detected": 0xF1C40F,
}

# Below this, a cut part says nothing; better left out than shown as "Er…".
_MIN_PART = 16
_MARKDOWN = re.compile(r"([\\`*_|\[\]]|~~)")


def escape(text: str) -> str:
    """Discord markdown characters shown as themselves."""
    # A single ~ is plain text (the object counts use it); only ~~ strikes through.
    return _MARKDOWN.sub(lambda m: "".join("\\" + ch for ch in m.group(1)), text)


def _no_ticks(text: str) -> str:
    """Text that can sit between backticks without closing them."""
    return text.replace("`", "'")


def link(url: str | None, label: str) -> str:
    return f"[{escape(label)}]({url})" if url else escape(label)


def message(event: Notification) -> dict[str, Any]:
    """The webhook body for ``event``: ``content`` + one embed; every limit above holds."""
    embed: dict[str, Any] = {
        "title": cut_text(title(event), TITLE),
        "color": COLOURS[event.kind],
        "description": _description(event, DESCRIPTION),
        "footer": {"text": cut_text(_footer(event), FOOTER)},
        "timestamp": event.time.isoformat(),
    }
    if event.run_url:
        embed["url"] = event.run_url
    test = [{"name": "Test", "value": TEST_NOTE, "inline": False}] if event.test else []
    fields = test + list(_app_fields(event))
    kept = fields if len(fields) <= FIELDS else fields[: FIELDS - 1]
    embed["fields"] = _with_more(event, kept)
    while kept and embed_size(embed) > EMBEDS_TOTAL:
        kept = kept[:-1]
        embed["fields"] = _with_more(event, kept)
    overflow = embed_size(embed) - EMBEDS_TOTAL
    if overflow > 0:  # title, footer and a full description alone can pass 6,000
        embed["description"] = _description(event, len(embed["description"]) - overflow)
    return {
        "content": cut_text(escape(summary(event)), CONTENT),
        "embeds": [embed],
        # Commit messages and app names are user text: never let them ping @everyone.
        "allowed_mentions": {"parse": []},
    }


def embed_size(embed: dict[str, Any]) -> int:
    """Characters Discord counts towards the 6,000 limit of all embeds together."""
    size = len(embed.get("title", "")) + len(embed.get("description", ""))
    size += len(embed.get("footer", {}).get("text", ""))
    size += len(embed.get("author", {}).get("name", ""))
    return size + sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))


def _description(event: Notification, limit: int) -> str:
    """Commit, actor and PR, then the failure (its error line cut to fit), then the detail."""
    lines = []
    if event.commit:
        commit = event.commit
        subject = escape(cut_text(commit.title, COMMIT_TITLE))
        lines.append(f"**Commit** {link(commit.url, commit.short_sha)} {subject}")
    if event.actor:
        lines.append(f"**By** {escape(event.actor)}")
    if event.pr_url:
        lines.append(f"**Pull request** {event.pr_url}")
    text = cut_text("\n".join(lines), limit)
    if event.failure:
        failure = event.failure
        where = f" on {escape(failure.cluster)}" if failure.cluster else ""
        prefix = f"\n\n**Failed:** `{_no_ticks(failure.app)}`{where}\n```\n"
        error = (first_line(failure.error) or failure.error).replace("```", "'''")
        room = min(ERROR_LINE, limit - len(text) - len(prefix) - len("\n```"))
        if room >= _MIN_PART:
            text += f"{prefix}{cut_text(error, room)}\n```"
    room = min(DETAIL, limit - len(text) - 2)
    if event.detail and room >= _MIN_PART:
        text += "\n\n" + cut_text(escape(event.detail), room)
    return text.strip("\n")


def _footer(event: Notification) -> str:
    parts = ["sbkube-ci test message" if event.test else "sbkube-ci"]
    if event.duration is not None:
        parts.append(format_duration(event.duration))
    if event.clusters:
        parts.append(clusters_text(event.clusters))
    return " · ".join(parts)


def _app_fields(event: Notification) -> Iterator[dict[str, Any]]:
    multi = len(event.clusters) > 1
    for app in event.apps:
        name = f"{app.name} · {app.cluster}" if multi else app.name
        value = f"`{_no_ticks(revision_change(app))}`\n{counts(app)}"
        yield {
            "name": cut_text(name, FIELD_NAME),
            "value": cut_text(value, FIELD_VALUE),
            "inline": True,
        }


def _with_more(event: Notification, kept: list[dict[str, Any]]) -> list[dict[str, Any]]:
    hidden = len(event.apps) - len(kept)
    if hidden <= 0:
        return kept
    value = f"[see the run]({event.run_url})" if event.run_url else "see the CI job log"
    more = {"name": more_apps(hidden), "value": cut_text(value, FIELD_VALUE), "inline": False}
    return [*kept, more]
