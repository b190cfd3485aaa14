"""Wording shared by every platform: titles, app lines, and cutting to a platform's limits."""

from __future__ import annotations

from sbkube_ci.notify.events import AppChange, EventName, Notification

ELLIPSIS = "…"
# Beyond this many clusters, messages say "12 clusters" instead of listing them.
LISTED_CLUSTERS = 3
# Not a platform limit: a commit title is one line; a 5,000-character one is a pasted log.
COMMIT_TITLE = 200

TEST_TITLE = "[TEST] "
TEST_NOTE = "yes: a sample from `sbkube-ci notify test`, not a real deploy"

_TITLES: dict[EventName, tuple[str, str]] = {
    "plan": ("📋", "Plan for {subject}{where}"),
    "deploy_started": ("🚀", "Deploying {subject}{where}…"),
    "deploy_succeeded": ("✅", "Deployed {subject}{where}"),
    "deploy_failed": ("❌", "Deploy of {subject}{where} failed"),
    "rollback": ("⏪", "Rolled back {subject}{where}"),
    "lock_taken_over": ("🔓", "Lock taken over{where}"),
    "drift_detected": ("⚠️", "Drift detected{where}"),
}

RESULT_WORDS: dict[EventName, str] = {
    "plan": "changes planned",
    "deploy_started": "in progress",
    "deploy_succeeded": "succeeded",
    "deploy_failed": "failed",
    "rollback": "rolled back",
    "lock_taken_over": "lock taken over",
    "drift_detected": "drift",
}


def title(event: Notification) -> str:
    """``✅ Deployed shop to prod`` — one line, no markup."""
    icon, template = _TITLES[event.kind]
    subject = event.project or "apps"
    clusters = clusters_text(event.clusters)
    preposition = " to " if event.kind.startswith("deploy") else " on "
    where = f"{preposition}{clusters}" if clusters else ""
    line = f"{icon} {template.format(subject=subject, where=where)}"
    return f"{TEST_TITLE}{line}" if event.test else line


def clusters_text(clusters: tuple[str, ...]) -> str:
    """``prod`` · ``staging, prod`` · ``12 clusters``."""
    if len(clusters) > LISTED_CLUSTERS:
        return f"{len(clusters)} clusters"
    return ", ".join(clusters)


def summary(event: Notification) -> str:
    """One plain line for notification previews and chat fallbacks."""
    line = title(event)
    if event.apps:
        added, changed, deleted = event.totals
        line += f": {len(event.apps)} app(s), +{added} ~{changed} -{deleted}"
    if event.failure:
        line += f"; {event.failure.app} failed"
    return line


def revision_change(app: AppChange) -> str:
    """``12 → 13``, ``new → 1``, ``3 → removed``."""
    old = app.old_revision or "new"
    new = app.new_revision or "removed"
    return f"{old} → {new}"


def counts(app: AppChange) -> str:
    return f"+{app.added} ~{app.changed} -{app.deleted}"


def cut_text(text: str, limit: int) -> str:
    """``text`` unchanged when it fits in ``limit`` characters, else cut and ended with ``…``."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(ELLIPSIS))] + ELLIPSIS


def more_apps(count: int) -> str:
    return f"{ELLIPSIS} and {count} more app{'s' if count != 1 else ''}"


def first_line(text: str) -> str:
    """The first non-empty line: an error's headline, a commit's title."""
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""
