"""The Slack message of an event in Block Kit, built with slack-sdk's models, within Slack's limits.

Layout: header (title) · context (clusters, actor, commit) · fields (result, apps, objects,
duration) · the failing app and its error · the detail line · one diff-stat section per
cluster (split when long) · buttons to the run, the PR and the commit. When the apps do not
fit, the last app section is replaced by "… and N more apps" with a link to the run.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from sbkube_ci.notify.events import Notification, format_duration
from sbkube_ci.notify.text import (
    COMMIT_TITLE,
    RESULT_WORDS,
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

# Slack's documented limits (https://api.slack.com/reference/block-kit/blocks), in one place.
MAX_BLOCKS = 50
HEADER_TEXT = 150
SECTION_TEXT = 3000
SECTION_FIELDS = 10
FIELD_TEXT = 2000
CONTEXT_ELEMENTS = 10
BUTTON_TEXT = 75
BUTTON_URL = 3000
FALLBACK_TEXT = 3000
# chat.postMessage truncates text beyond 40,000 characters; the whole message stays under it.
MESSAGE_CHARS = 40_000


def escape(text: str) -> str:
    """Slack mrkdwn treats &, < and > as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str | None, label: str) -> str:
    return f"<{url}|{escape(label)}>" if url else escape(label)


def message(event: Notification) -> dict[str, Any]:
    """``{"text": fallback, "blocks": [...]}`` for ``event``; every limit above holds."""
    head = _head_blocks(event)
    tail = _buttons(event)
    budget = MAX_BLOCKS - len(head) - len(tail)
    sections = list(_app_sections(event))
    text = cut_text(summary(event), FALLBACK_TEXT)
    kept = sections if len(sections) <= budget else sections[: budget - 1]

    def build(kept: list[tuple[SectionBlock, int]]) -> dict[str, Any]:
        shown = sum(n for _, n in kept)
        more = [_more_section(event, len(event.apps) - shown)] if shown < len(event.apps) else []
        blocks = [*head, *(s for s, _ in kept), *more, *tail]
        return {"text": text, "blocks": [b.to_dict() for b in blocks]}

    payload = build(kept)
    while kept and _size(payload) > MESSAGE_CHARS:
        kept = kept[:-1]
        payload = build(kept)
    return payload


def _size(payload: dict[str, Any]) -> int:
    return len(json.dumps(payload, ensure_ascii=False))


def _head_blocks(event: Notification) -> list[Block]:
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=cut_text(title(event), HEADER_TEXT), emoji=True))
    ]
    context = [MarkdownTextObject(text=cut_text(t, SECTION_TEXT)) for t in _context_texts(event)]
    if context:
        blocks.append(ContextBlock(elements=context[:CONTEXT_ELEMENTS]))
    blocks.append(SectionBlock(fields=_fields(event)))
    if event.failure:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=_failure_text(event))))
    if event.detail:
        detail = cut_text(escape(event.detail), SECTION_TEXT)
        blocks.append(SectionBlock(text=MarkdownTextObject(text=detail)))
    return blocks


def _context_texts(event: Notification) -> Iterator[str]:
    if event.clusters:
        label = "Cluster" if len(event.clusters) == 1 else "Clusters"
        yield f"*{label}:* {escape(clusters_text(event.clusters))}"
    if event.actor:
        yield f"*By:* {escape(event.actor)}"
    if event.commit:
        commit = event.commit
        subject = escape(cut_text(commit.title, COMMIT_TITLE))
        yield f"*Commit:* {link(commit.url, commit.short_sha)} {subject}".rstrip()


def _fields(event: Notification) -> list[MarkdownTextObject]:
    added, changed, deleted = event.totals
    pairs = [("Test", TEST_NOTE)] if event.test else []
    pairs.append(("Result", RESULT_WORDS[event.kind]))
    if event.apps:  # a lock take-over has no apps; "Apps 0" would only be noise
        pairs += [("Apps", str(len(event.apps))), ("Objects", f"+{added} ~{changed} -{deleted}")]
    if event.duration is not None:
        pairs.append(("Duration", format_duration(event.duration)))
    return [
        MarkdownTextObject(text=cut_text(f"*{name}*\n{escape(value)}", FIELD_TEXT))
        for name, value in pairs[:SECTION_FIELDS]
    ]


def _failure_text(event: Notification) -> str:
    assert event.failure is not None  # noqa: S101 - only called when there is one
    failure = event.failure
    where = f" on {escape(failure.cluster)}" if failure.cluster else ""
    prefix = f"*Failed:* `{escape(failure.app)}`{where}\n```"
    error = escape(first_line(failure.error) or failure.error).replace("```", "'''")
    room = SECTION_TEXT - len(prefix) - len("```")
    return f"{prefix}{cut_text(error, room)}```"


def _app_sections(event: Notification) -> Iterator[tuple[SectionBlock, int]]:
    """Sections of at most SECTION_TEXT characters, each with the number of apps it lists."""
    for cluster in dict.fromkeys(a.cluster for a in event.apps):
        lines = [f"*{escape(cluster)}*"]
        apps = 0
        for app in (a for a in event.apps if a.cluster == cluster):
            line = cut_text(
                f"`{escape(app.name)}` {escape(revision_change(app))} · {counts(app)}",
                SECTION_TEXT,
            )
            if len("\n".join([*lines, line])) > SECTION_TEXT:
                yield SectionBlock(text=MarkdownTextObject(text="\n".join(lines))), apps
                lines, apps = [], 0
            lines.append(line)
            apps += 1
        yield SectionBlock(text=MarkdownTextObject(text="\n".join(lines))), apps


def _more_section(event: Notification, hidden: int) -> SectionBlock:
    text = more_apps(hidden)
    if event.run_url and len(event.run_url) < BUTTON_URL:
        text += f" — {link(event.run_url, 'see the run')}"
    return SectionBlock(text=MarkdownTextObject(text=text))


def _buttons(event: Notification) -> list[Block]:
    links = [("View run", event.run_url), ("Pull request", event.pr_url)]
    if event.commit:
        links.append((f"Commit {event.commit.short_sha}", event.commit.url))
    buttons = [
        ButtonElement(text=cut_text(label, BUTTON_TEXT), url=url, action_id=f"sbkube-link-{i}")
        for i, (label, url) in enumerate(links)
        if url and len(url) <= BUTTON_URL
    ]
    return [ActionsBlock(elements=buttons)] if buttons else []
