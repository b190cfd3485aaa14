"""State documents, snapshots and history behave the same on every backend."""

from __future__ import annotations

import gzip
from dataclasses import replace

import pytest

from sbkube_ci.errors import StateError
from sbkube_ci.state import AppState, HistoryChange, InventoryEntry, StateBackend, StateDocument
from sbkube_ci.state.base import CAS_RETRY, Conflict
from tests.state.workers import StoreSpec


def _deploy_api(doc: StateDocument) -> StateDocument:
    doc.apps["api"] = AppState(
        revision=(doc.apps["api"].revision + 1) if "api" in doc.apps else 1,
        render_digest="sha256:aa",
        inventory=[
            InventoryEntry(api_version="apps/v1", kind="Deployment", namespace="web", name="api")
        ],
        commit="abc1234",
    )
    return doc


def test_update_round_trips_and_counts_revisions(spec: StoreSpec) -> None:
    backend = spec.backend()
    assert backend.read_state("prod") == StateDocument(cluster="prod")
    backend.update("prod", _deploy_api, message="sbkube-ci: deploy prod api r1 (abc1234)")
    second = backend.update("prod", _deploy_api)
    read = spec.backend("other").read_state("prod")
    assert read == second
    assert read.revision == 2
    assert read.apps["api"].revision == 2
    assert read.apps["api"].inventory[0].kind == "Deployment"
    assert backend.clusters() == ["prod"]


def test_stale_write_is_refused(spec: StoreSpec) -> None:
    store = spec.open()
    first = store.put("prod/state.json", b"{}", expect=None, message="one")
    with pytest.raises(Conflict):
        store.put("prod/state.json", b"{}", expect=None, message="create again")
    second = store.put("prod/state.json", b"[]", expect=first, message="two")
    with pytest.raises(Conflict):
        store.put("prod/state.json", b"{1}", expect=first, message="stale")
    current = store.get("prod/state.json")
    assert current is not None
    assert (current.data, current.version) == (b"[]", second)


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        (b"{not json", "not JSON"),
        (b'{"schema_version": 99, "cluster": "prod"}', "schema_version 99 is unknown"),
        (b'{"schema_version": 1, "cluster": "prod", "apps": {"x": {}}}', "not a valid state"),
        (b'{"schema_version": 1, "cluster": "staging"}', "belongs to cluster 'staging'"),
    ],
)
def test_foreign_document_is_refused_and_left_alone(
    spec: StoreSpec, content: bytes, complaint: str
) -> None:
    store = spec.open()
    store.put("prod/state.json", content, expect=None, message="foreign")
    backend = spec.backend()
    with pytest.raises(StateError, match=complaint) as info:
        backend.update("prod", _deploy_api)
    assert "leaving it untouched" in str(info.value)
    assert str(info.value).count("\n") == 0
    current = store.get("prod/state.json")
    assert current is not None
    assert current.data == content


def test_snapshots_are_compressed_and_stored_once(spec: StoreSpec) -> None:
    backend = spec.backend()
    manifests = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n" * 50
    digest = backend.save_snapshot("prod", manifests)
    assert backend.save_snapshot("prod", manifests) == digest
    keys = spec.open().list_keys("prod/snapshots/")
    assert keys == [f"prod/snapshots/{digest.removeprefix('sha256:')}.yaml.gz"]
    stored = spec.open().get(keys[0])
    assert stored is not None
    assert len(stored.data) < len(manifests) / 5
    assert gzip.decompress(stored.data).decode() == manifests
    assert backend.load_snapshot("prod", digest) == manifests
    with pytest.raises(StateError, match="missing"):
        backend.load_snapshot("prod", "sha256:" + "0" * 64)


def test_a_snapshot_for_the_next_write_lands_with_it(spec: StoreSpec) -> None:
    """Git holds it back for the state commit that refers to it; other stores write it now."""
    backend = spec.backend()
    digest = backend.save_snapshot("prod", "kind: ConfigMap\n", with_next_write=True)
    snapshots = spec.open().list_keys("prod/snapshots/")
    assert backend.writes_in_one_commit == (spec.kind == "git")
    assert len(snapshots) == (0 if spec.kind == "git" else 1)

    backend.update("prod", _deploy_api)

    assert len(spec.open().list_keys("prod/snapshots/")) == 1
    assert backend.load_snapshot("prod", digest) == "kind: ConfigMap\n"


def test_history_is_newest_first_and_filtered(spec: StoreSpec) -> None:
    backend = spec.backend()
    times = iter([1000.0, 2000.0, 3000.0, 4000.0])
    backend.clock = lambda: next(times)
    for cluster, app in [("prod", "api"), ("staging", "api"), ("prod", "web"), ("prod", "api")]:
        record = backend.new_record(
            "deploy", cluster, apps=[HistoryChange(app=app, new_revision=1)]
        )
        backend.append_history(record)
    every = backend.list_history()
    assert [r.time[:19] for r in every] == [
        "1970-01-01T01:06:40",
        "1970-01-01T00:50:00",
        "1970-01-01T00:33:20",
        "1970-01-01T00:16:40",
    ]
    prod_api = backend.list_history(cluster="prod", app="api")
    assert [(r.cluster, r.apps[0].app) for r in prod_api] == [("prod", "api"), ("prod", "api")]
    assert [r.id for r in backend.list_history(limit=2)] == [r.id for r in every[:2]]
    assert backend.list_history(cluster="prod", app="web", limit=5)[0].apps[0].app == "web"


def test_record_is_appended_after_the_state(spec: StoreSpec) -> None:
    backend = spec.backend()
    record = backend.new_record("deploy", "prod", apps=[HistoryChange(app="api", new_revision=1)])
    backend.update("prod", _deploy_api, record=record)
    assert backend.list_history(cluster="prod") == [record]
    backend.append_history(record)  # appending the same record twice stores it once
    assert len(backend.list_history()) == 1


def test_lost_race_reapplies_the_change_on_fresh_state(spec: StoreSpec) -> None:
    mine, theirs = spec.backend("mine"), spec.backend("theirs")
    seen: list[set[str]] = []

    def add_api(doc: StateDocument) -> StateDocument:
        seen.append(set(doc.apps))
        if len(seen) == 1:  # someone else commits between our read and our write
            theirs.update("prod", bump_web)
        doc.apps["api"] = AppState(revision=1)
        return doc

    result = mine.update("prod", add_api)
    assert seen == [set(), {"web"}]
    assert set(result.apps) == {"api", "web"}
    assert result.revision == 2
    assert spec.backend().read_state("prod") == result


def test_retries_are_bounded(spec: StoreSpec) -> None:
    mine = StateBackend(spec.open("mine"), retry=replace(CAS_RETRY, attempts=3, base=0.001))
    theirs = spec.backend("theirs")
    calls = 0

    def always_overtaken(doc: StateDocument) -> StateDocument:
        nonlocal calls
        calls += 1
        theirs.update("prod", bump_web)
        return doc

    with pytest.raises(StateError, match="gave up after 3 conflicting writes"):
        mine.update("prod", always_overtaken)
    assert calls == 3
    assert spec.backend().read_state("prod").revision == 3  # only their writes landed


def bump_web(doc: StateDocument) -> StateDocument:
    doc.apps["web"] = AppState(revision=doc.apps["web"].revision + 1 if "web" in doc.apps else 1)
    return doc
