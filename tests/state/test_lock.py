"""Locks: at most one holder, leases that expire, take-over and forced breaks in history."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from sbkube_ci.errors import LockError
from sbkube_ci.state.lease import HeldLock
from tests.state.workers import StoreSpec


def test_second_acquirer_fails_at_once_naming_the_holder(spec: StoreSpec) -> None:
    alice, bob = spec.backend("alice"), spec.backend("bob")
    handle = alice.acquire_lock("prod", reason="release 1.2", lease=600)
    with pytest.raises(LockError) as info:
        bob.acquire_lock("prod", wait=0)
    message = str(info.value)
    assert "worker-alice" in message
    assert "release 1.2" in message
    assert "--force" in message
    status = bob.lock_status("prod")
    assert status is not None
    assert status.owner == handle.info.owner
    alice.release_lock(handle)
    assert bob.lock_status("prod") is None
    bob.release_lock(bob.acquire_lock("prod", wait=0))


def test_expired_lease_is_taken_over_and_recorded(spec: StoreSpec) -> None:
    alice, bob = spec.backend("alice"), spec.backend("bob")
    stale = alice.acquire_lock("prod", reason="crashed", lease=60)
    now = bob.clock()
    bob.clock = lambda: now + 61  # bob's clock says alice's lease ran out
    bob.locks.clock = bob.clock
    taken = bob.acquire_lock("prod", wait=0, lease=60)
    assert taken.info.owner.startswith("worker-bob")
    [record] = bob.list_history(cluster="prod")
    assert record.kind == "lock_takeover"
    assert "worker-alice" in record.detail
    with pytest.raises(LockError, match="no longer ours"):
        alice.release_lock(stale)
    with pytest.raises(LockError, match="no longer ours"):
        alice.renew_lock(stale)
    renewed = bob.renew_lock(taken, lease=120)
    assert renewed.info.lease == 120
    bob.release_lock(renewed)


def test_force_break_is_recorded(spec: StoreSpec) -> None:
    alice, admin = spec.backend("alice"), spec.backend("admin")
    handle = alice.acquire_lock("prod", reason="stuck deploy", lease=600)
    broken = admin.break_lock("prod", reason="job was cancelled")
    assert broken is not None
    assert broken.token == handle.info.token
    assert admin.break_lock("prod") is None  # nothing left to break
    [record] = admin.list_history()
    assert record.kind == "lock_break"
    assert record.actor == "worker-admin"
    assert "worker-alice" in record.detail
    assert "job was cancelled" in record.detail


def test_release_own_refuses_someone_elses_lock(spec: StoreSpec) -> None:
    alice, bob = spec.backend("alice"), spec.backend("bob")
    alice.acquire_lock("prod", lease=600)
    with pytest.raises(LockError, match="not by worker-bob"):
        bob.locks.release_own("prod")
    released = alice.locks.release_own("prod")
    assert released is not None
    assert alice.lock_status("prod") is None


def test_waiting_acquirer_gets_the_lock_when_the_lease_ends(spec: StoreSpec) -> None:
    alice, bob = spec.backend("alice"), spec.backend("bob")
    alice.acquire_lock("prod", lease=1)
    handle = bob.acquire_lock("prod", wait=30, lease=60)
    assert handle.info.owner.startswith("worker-bob")
    assert [r.kind for r in bob.list_history()] == ["lock_takeover"]


def test_held_lock_renews_its_lease(tmp_path: Path) -> None:
    spec = StoreSpec("local", str(tmp_path / "state"))
    alice, bob = spec.backend("alice"), spec.backend("bob")
    with alice.locked("prod", lease=0.6) as held:
        first = held.handle.info.expires_at
        time.sleep(1.5)  # longer than the lease: only renewals keep it
        with pytest.raises(LockError, match="locked by worker-alice"):
            bob.acquire_lock("prod", wait=0)
        held.check()
        assert held.handle.info.expires_at > first
    assert bob.lock_status("prod") is None
    assert bob.list_history() == []


def test_held_lock_reports_a_lost_lease(tmp_path: Path) -> None:
    spec = StoreSpec("local", str(tmp_path / "state"))
    alice, bob = spec.backend("alice"), spec.backend("bob")
    with pytest.raises(LockError, match="no longer ours"), alice.locked("prod", lease=0.6) as held:  # noqa: PT012
        bob.break_lock("prod", reason="test")
        bob.acquire_lock("prod", wait=0, lease=60)
        time.sleep(1.0)  # alice's next renewal finds the lock taken
        held.check()
    holder = bob.lock_status("prod")
    assert holder is not None
    assert holder.owner.startswith("worker-bob")  # alice did not release bob's lock


def test_a_key_written_with_the_release_is_stored_with_it(spec: StoreSpec) -> None:
    alice = spec.backend("alice")
    with alice.locked("prod", lease=600) as held:
        held.write_with_release("prod/history/1-run.json", b"{}\n", "sbkube-ci: history")
    assert alice.lock_status("prod") is None
    stored = alice.store.get("prod/history/1-run.json")
    assert stored is not None
    assert stored.data == b"{}\n"


def test_a_key_written_with_the_release_is_stored_when_the_lock_is_kept(
    spec: StoreSpec,
) -> None:
    alice = spec.backend("alice")
    handle = alice.acquire_lock("prod", lease=600)
    kept = HeldLock(alice.locks, handle, renew=False)
    kept.write_with_release("prod/history/1-run.json", b"{}\n", "sbkube-ci: history")
    kept.keep()  # lock acquire -> deploy -> lock release: a later step releases it
    assert alice.lock_status("prod") is not None
    assert alice.store.get("prod/history/1-run.json") is not None
    alice.release_lock(handle)


def test_a_key_written_with_the_release_survives_a_lost_lock(spec: StoreSpec) -> None:
    alice, bob = spec.backend("alice"), spec.backend("bob")
    handle = alice.acquire_lock("prod", lease=600)
    held = HeldLock(alice.locks, handle, renew=False)
    held.write_with_release("prod/history/1-run.json", b"{}\n", "sbkube-ci: history")
    bob.break_lock("prod", reason="test")
    bob.acquire_lock("prod", wait=0, lease=60)
    with pytest.raises(LockError, match="no longer ours"):
        held.release()
    assert alice.store.get("prod/history/1-run.json") is not None  # the record is not lost
    holder = bob.lock_status("prod")
    assert holder is not None
    assert holder.owner.startswith("worker-bob")
