"""Where each record lives in a store (the same layout on S3, the Git branch and disk).

``<cluster>/state.json``, ``<cluster>/lock.json``, ``<cluster>/snapshots/<sha256>.yaml.gz``
and ``<cluster>/history/<13-digit inverted ms>-<id>.json``. Inverting the time makes a plain
ascending listing newest first, so ``history --limit 20`` reads 20 records, not all of them.
Everything sits under the cluster name so an IAM policy can scope a pipeline to one cluster.
"""

from __future__ import annotations

_INVERT = 10**13


def state_key(cluster: str) -> str:
    return f"{cluster}/state.json"


def lock_key(cluster: str) -> str:
    return f"{cluster}/lock.json"


def snapshot_key(cluster: str, digest: str) -> str:
    return f"{cluster}/snapshots/{digest.removeprefix('sha256:')}.yaml.gz"


def history_key(cluster: str, epoch_ms: int, record_id: str) -> str:
    return f"{cluster}/history/{_INVERT - epoch_ms:013d}-{record_id}.json"


def history_prefix(cluster: str | None) -> str:
    return f"{cluster}/history/" if cluster else ""


def is_history_key(key: str) -> bool:
    parts = key.split("/")
    return len(parts) == 3 and parts[1] == "history" and parts[2].endswith(".json")


def is_state_key(key: str) -> bool:
    parts = key.split("/")
    return len(parts) == 2 and parts[1] == "state.json"


def newest_first(keys: list[str]) -> list[str]:
    """History keys of several clusters merged, newest first (by the inverted time)."""
    return sorted(keys, key=lambda k: k.rsplit("/", 1)[-1])
