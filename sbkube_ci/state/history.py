"""Append-only history: one object per record, listed newest first by key order."""

from __future__ import annotations

import secrets

from pydantic import ValidationError

from sbkube_ci.errors import StateError
from sbkube_ci.state import keys
from sbkube_ci.state.base import ObjectStore, create_once
from sbkube_ci.state.models import HistoryRecord, format_time, parse_time

_BATCH = 50


def new_record_id(epoch: float) -> str:
    """``20261127T081013Z-1a2b3c4d``: sortable by time, unique by its random tail."""
    stamp = format_time(epoch)[:19].replace("-", "").replace(":", "")
    return f"{stamp}Z-{secrets.token_hex(4)}"


def entry(record: HistoryRecord) -> tuple[str, bytes]:
    """The key and bytes under which ``record`` is stored."""
    epoch_ms = round(parse_time(record.time) * 1000)
    return keys.history_key(record.cluster, epoch_ms, record.id), record.to_json()


def commit_message(record: HistoryRecord) -> str:
    """``sbkube-ci: deploy prod api r42, web r7 (abc1234)``: what a state commit changed."""
    apps = ", ".join(
        f"{c.app} r{c.new_revision}" if c.new_revision is not None else f"{c.app} removed"
        for c in record.apps
    )
    commit = f" ({record.commit[:7]})" if record.commit else ""
    return f"sbkube-ci: {record.kind} {record.cluster}{' ' + apps if apps else ''}{commit}"


def append_message(record: HistoryRecord) -> str:
    """The message of the write that stores ``record`` alone."""
    return f"sbkube-ci: history {record.cluster} {record.kind} {record.id}"


def append(store: ObjectStore, record: HistoryRecord) -> None:
    """Store ``record`` once; storing the same record again is a no-op."""
    key, data = entry(record)
    message = append_message(record)
    clash = f"another history record has id {record.id}; use a fresh id (new_record_id)"
    create_once(store, key, data, message=message, clash=clash)


def list_records(
    store: ObjectStore,
    *,
    cluster: str | None,
    app: str | None,
    limit: int | None,
    problems: list[str] | None = None,
) -> list[HistoryRecord]:
    """Records newest first, of one cluster or all, touching ``app`` if given, at most ``limit``.

    A record that does not parse is skipped, not fatal: one bad object must not hide the
    audit trail around it. Each is described in ``problems`` (when given) for a warning.
    """
    names = keys.newest_first(
        [k for k in store.list_keys(keys.history_prefix(cluster)) if keys.is_history_key(k)]
    )
    found: list[HistoryRecord] = []
    for start in range(0, len(names), _BATCH):
        batch = names[start : start + _BATCH]
        if app is None and limit is not None:
            batch = batch[: limit - len(found)]
        for key, value in store.get_many(batch).items():
            if value is None:
                continue
            try:
                record = _parse(value.data, f"{store.description}/{key}")
            except StateError as exc:
                if problems is not None:
                    problems.append(str(exc))
                continue
            if app is None or any(change.app == app for change in record.apps):
                found.append(record)
        if limit is not None and len(found) >= limit:
            return found[:limit]
    return found


def _parse(data: bytes, where: str) -> HistoryRecord:
    try:
        return HistoryRecord.model_validate_json(data)
    except ValidationError as exc:
        first = " ".join(str(exc).splitlines()[:2])
        raise StateError(
            f"{where}: not a history record, skipped ({first}); restore it from the store's "
            "versions or history"
        ) from exc
