"""Discord's limits at the boundary: exactly at a limit passes unchanged, one over is cut."""

from __future__ import annotations

import dataclasses
from typing import Any

from sbkube_ci.notify import AppChange, Failure, Notification
from sbkube_ci.notify.discord_embed import (
    CONTENT,
    DESCRIPTION,
    EMBEDS_TOTAL,
    FIELD_NAME,
    FIELD_VALUE,
    FIELDS,
    FOOTER,
    TITLE,
    embed_size,
    message,
)
from sbkube_ci.notify.text import summary, title
from tests.notify import samples
from tests.support.receivers import discord_limit_problem


def _embed(event: Notification) -> dict[str, Any]:
    embed: dict[str, Any] = message(event)["embeds"][0]
    return embed


def _project_for_title(length: int) -> str:
    return "p" * (length - (len(title(samples.event(project="p"))) - 1))


def test_title_at_limit_is_unchanged_and_one_over_is_cut() -> None:
    exact = samples.event(project=_project_for_title(TITLE))
    assert _embed(exact)["title"] == title(exact)
    assert len(title(exact)) == TITLE
    over = samples.event(project=_project_for_title(TITLE + 1))
    assert _embed(over)["title"] == title(over)[: TITLE - 1] + "…"


def test_content_at_limit_is_unchanged_and_one_over_is_cut() -> None:
    exact = samples.event(project=_project_for_title(CONTENT))
    assert message(exact)["content"] == summary(exact) == title(exact)
    cut = message(samples.event(project=_project_for_title(CONTENT + 1)))["content"]
    assert len(cut) == CONTENT
    assert cut.endswith("…")


def test_description_at_limit_is_unchanged_and_one_over_is_cut() -> None:
    room = DESCRIPTION - len("**By** ")
    assert _embed(samples.event(actor="a" * room))["description"] == "**By** " + "a" * room
    cut = _embed(samples.event(actor="a" * (room + 1)))["description"]
    assert len(cut) == DESCRIPTION
    assert cut.endswith("a…")


def _apps(count: int, **fields: Any) -> tuple[AppChange, ...]:
    return tuple(AppChange(f"app-{i:02d}", "prod", "1", "2", **fields) for i in range(count))


def test_field_count_at_limit_shows_every_app() -> None:
    fields = _embed(samples.event(apps=_apps(FIELDS), run_url=samples.RUN))["fields"]
    assert [f["name"] for f in fields] == [f"app-{i:02d}" for i in range(FIELDS)]


def test_one_field_over_cuts_with_a_more_field_linking_the_run() -> None:
    fields = _embed(samples.event(apps=_apps(FIELDS + 1), run_url=samples.RUN))["fields"]
    assert len(fields) == FIELDS
    assert fields[-1] == {
        "name": "… and 2 more apps",
        "value": f"[see the run]({samples.RUN})",
        "inline": False,
    }


def test_field_name_and_value_at_limit_and_one_over() -> None:
    name = "n" * FIELD_NAME
    value_room = FIELD_VALUE - len("`1 → `\n+0 ~0 -0")
    app = AppChange(name, "prod", "1", "v" * value_room)
    (field,) = _embed(samples.event(apps=(app,)))["fields"]
    assert field["name"] == name
    assert field["value"] == f"`1 → {'v' * value_room}`\n+0 ~0 -0"
    longer = AppChange(name + "n", "prod", "1", "v" * (value_room + 1))
    (cut,) = _embed(samples.event(apps=(longer,)))["fields"]
    assert len(cut["name"]) == FIELD_NAME
    assert cut["name"].endswith("n…")
    assert len(cut["value"]) == FIELD_VALUE
    assert cut["value"].endswith("…")


def test_footer_at_limit_is_unchanged_and_one_over_is_cut() -> None:
    room = FOOTER - len("sbkube-ci · ")
    exact = _embed(samples.event(clusters=("c" * room,)))["footer"]["text"]
    assert exact == "sbkube-ci · " + "c" * room
    cut = _embed(samples.event(clusters=("c" * (room + 1),)))["footer"]["text"]
    assert len(cut) == FOOTER
    assert cut.endswith("c…")


def _padded_to(total: int) -> Notification:
    """25 wide app fields and an actor long enough that the embed is exactly ``total``."""
    apps = tuple(dataclasses.replace(a, new_revision="v" * 150) for a in _apps(FIELDS))
    event = samples.event(apps=apps, actor="a", run_url=samples.RUN)
    padding = total - embed_size(_embed(event))
    assert 0 <= padding < DESCRIPTION - 100
    return dataclasses.replace(event, actor="a" * (1 + padding))


def test_embed_exactly_at_total_limit_is_unchanged() -> None:
    embed = _embed(_padded_to(EMBEDS_TOTAL))
    assert embed_size(embed) == EMBEDS_TOTAL
    assert len(embed["fields"]) == FIELDS
    assert not any("more app" in f["name"] for f in embed["fields"])


def test_one_character_over_total_limit_drops_fields_into_a_more_field() -> None:
    event = _padded_to(EMBEDS_TOTAL)
    embed = _embed(dataclasses.replace(event, actor=(event.actor or "") + "a"))
    assert embed_size(embed) <= EMBEDS_TOTAL
    assert embed["fields"][-1]["name"].startswith("… and ")
    assert embed["description"].endswith("a")  # the description is whole; apps made room


def test_title_footer_and_description_alone_stay_under_the_total() -> None:
    event = samples.event(
        project="p" * 500,
        clusters=("c" * 3000,),
        actor="a" * 5000,
        kind="deploy_failed",
        failure=Failure("api", "boom " * 1000),
    )
    body = message(event)
    assert embed_size(body["embeds"][0]) <= EMBEDS_TOTAL
    assert discord_limit_problem(body) is None


def test_failure_error_stays_inside_a_closed_code_block() -> None:
    event = samples.event(
        kind="deploy_failed", failure=Failure("api", "x" * 5000 + "\nnext", "prod")
    )
    description = _embed(event)["description"]
    assert description.startswith("**Failed:** `api` on prod\n```\nxxx")
    assert description.endswith("x…\n```")


def test_markdown_in_user_text_is_escaped_and_mentions_are_disabled() -> None:
    event = samples.event(actor="*bold* @everyone", commit=samples.COMMIT)
    body = message(event)
    assert r"**By** \*bold\* @everyone" in body["embeds"][0]["description"]
    assert body["allowed_mentions"] == {"parse": []}
