"""Slack's limits at the boundary: exactly at a limit passes unchanged, one over is cut."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from sbkube_ci.notify import AppChange, Failure, Notification
from sbkube_ci.notify.slack_blocks import (
    HEADER_TEXT,
    MAX_BLOCKS,
    MESSAGE_CHARS,
    SECTION_TEXT,
    message,
)
from sbkube_ci.notify.text import title
from tests.notify import samples
from tests.support.receivers import slack_limit_problem


def _texts(payload: dict[str, Any], block_type: str = "section") -> list[str]:
    return [b["text"]["text"] for b in payload["blocks"] if b["type"] == block_type and "text" in b]


def _size(payload: dict[str, Any]) -> int:
    return len(json.dumps(payload, ensure_ascii=False))


def _project_for_title(length: int) -> str:
    base = len(title(samples.event(project="p"))) - 1
    return "p" * (length - base)


def test_header_at_limit_is_unchanged() -> None:
    event = samples.event(project=_project_for_title(HEADER_TEXT))
    assert len(title(event)) == HEADER_TEXT
    assert _texts(message(event), "header") == [title(event)]


def test_header_one_over_is_cut() -> None:
    event = samples.event(project=_project_for_title(HEADER_TEXT + 1))
    (header,) = _texts(message(event), "header")
    assert len(header) == HEADER_TEXT
    assert header.endswith("…")
    assert header[:-1] == title(event)[: HEADER_TEXT - 1]


def test_section_at_limit_is_unchanged_and_one_over_is_cut() -> None:
    exact = "d" * SECTION_TEXT
    assert exact in _texts(message(samples.event(detail=exact)))
    (cut,) = [t for t in _texts(message(samples.event(detail=exact + "d"))) if t.startswith("ddd")]
    assert len(cut) == SECTION_TEXT
    assert cut.endswith("d…")


def test_error_line_fills_its_section_and_keeps_the_code_fence_closed() -> None:
    prefix = "*Failed:* `api` on prod\n```"
    room = SECTION_TEXT - len(prefix) - len("```")
    exact = samples.event(kind="deploy_failed", failure=Failure("api", "e" * room, "prod"))
    assert f"{prefix}{'e' * room}```" in _texts(message(exact))
    over = samples.event(kind="deploy_failed", failure=Failure("api", "e" * (room + 1), "prod"))
    (text,) = [t for t in _texts(message(over)) if t.startswith("*Failed:*")]
    assert len(text) == SECTION_TEXT
    assert text.endswith("e…```")


def _one_app_per_cluster(count: int) -> Notification:
    clusters = tuple(f"c{i:02d}" for i in range(count))
    apps = tuple(AppChange("api", c, "1", "2", changed=1) for c in clusters)
    return samples.event(clusters=clusters, apps=apps, run_url=samples.RUN)


def test_block_count_at_limit_shows_every_app() -> None:
    # header, context, fields, one section per cluster, actions: 46 clusters make 50 blocks.
    payload = message(_one_app_per_cluster(MAX_BLOCKS - 4))
    assert len(payload["blocks"]) == MAX_BLOCKS
    assert not any("more app" in t for t in _texts(payload))


def test_one_block_over_cuts_with_a_more_line_linking_the_run() -> None:
    payload = message(_one_app_per_cluster(MAX_BLOCKS - 3))
    assert len(payload["blocks"]) == MAX_BLOCKS
    more = _texts(payload)[-1]
    assert more == f"… and 2 more apps — <{samples.RUN}|see the run>"
    assert payload["blocks"][-1]["type"] == "actions"


def _long_apps(count: int) -> tuple[AppChange, ...]:
    revision = "r" * 120
    return tuple(AppChange(f"app-{i:03d}", "prod", revision, revision) for i in range(count))


def _padded_to(total: int) -> tuple[Notification, int]:
    """An event whose message is exactly ``total`` characters (padding its detail)."""
    for count in range(100, 200, 2):
        event = samples.event(apps=_long_apps(count), detail="x")
        payload = message(event)
        padding = total - _size(payload)
        if 0 <= padding < SECTION_TEXT - 1 and "more app" not in json.dumps(payload):
            return samples.event(apps=event.apps, detail="x" * (1 + padding)), count
    raise AssertionError("no app count brings the message near the limit")


def test_message_exactly_at_total_limit_is_unchanged() -> None:
    event, count = _padded_to(MESSAGE_CHARS)
    payload = message(event)
    assert _size(payload) == MESSAGE_CHARS
    listed = "\n".join(_texts(payload))
    assert all(f"`app-{i:03d}`" in listed for i in range(count))
    assert "more app" not in listed


def test_one_character_over_total_limit_drops_apps_into_a_more_line() -> None:
    event, _ = _padded_to(MESSAGE_CHARS)
    payload = message(dataclasses.replace(event, detail=event.detail + "x"))
    assert _size(payload) <= MESSAGE_CHARS
    assert "more apps" in _texts(payload)[-1]
    assert slack_limit_problem(payload) is None


def test_user_text_is_escaped_for_mrkdwn() -> None:
    payload = message(samples.success())
    context = json.dumps(payload["blocks"][1])
    assert "&lt;Black Friday&gt; sale &amp; pin redis" in context


def test_buttons_only_for_known_links() -> None:
    payload = message(samples.event(run_url=samples.RUN))
    (actions,) = [b for b in payload["blocks"] if b["type"] == "actions"]
    assert [e["url"] for e in actions["elements"]] == [samples.RUN]
    assert not [b for b in message(samples.event())["blocks"] if b["type"] == "actions"]


def test_an_event_without_apps_shows_no_app_counts() -> None:
    event = samples.event(kind="lock_taken_over", detail="lock held by bob since 09:02 expired")
    payload = message(event)
    assert payload["text"] == "🔓 Lock taken over on prod"
    (fields,) = [b["fields"] for b in payload["blocks"] if "fields" in b]
    assert [f["text"] for f in fields] == ["*Result*\nlock taken over"]
    assert "lock held by bob since 09:02 expired" in _texts(payload)
