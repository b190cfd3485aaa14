"""Waiting until workloads are rolled out and Jobs complete, as ``kubectl rollout status`` judges.

Each check reads only the object's own status, so a wait costs one GET per object per poll.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sbkube_ci._retry import RetryPolicy
from sbkube_ci.deploy.kube.errors import Operation, errors_as_deploy_error
from sbkube_ci.errors import DeployError

if TYPE_CHECKING:
    from sbkube_ci.deploy.kube.client import KubeClient
    from sbkube_ci.k8s import ObjectRef


@dataclass(frozen=True)
class Readiness:
    ready: bool
    reason: str = ""
    failed: bool = False


def _generation_lag(obj: dict[str, Any]) -> Readiness | None:
    generation = obj.get("metadata", {}).get("generation") or 0
    observed = (obj.get("status") or {}).get("observedGeneration") or 0
    if observed < generation:
        return Readiness(False, f"controller has not observed generation {generation} yet")
    return None


def _deployment(obj: dict[str, Any]) -> Readiness:
    status = obj.get("status") or {}
    for condition in status.get("conditions") or []:
        if condition.get("reason") == "ProgressDeadlineExceeded":
            return Readiness(False, f"rollout stalled: {condition.get('message', '')}", True)
    if lag := _generation_lag(obj):
        return lag
    replicas = (obj.get("spec") or {}).get("replicas", 1)
    updated = status.get("updatedReplicas") or 0
    available = status.get("availableReplicas") or 0
    if updated < replicas:
        return Readiness(False, f"{updated}/{replicas} replicas updated")
    if (status.get("replicas") or 0) > updated:
        old = status["replicas"] - updated
        return Readiness(False, f"{old} old replicas pending termination")
    if available < replicas:
        return Readiness(False, f"{available}/{replicas} replicas available")
    return Readiness(True)


def _statefulset(obj: dict[str, Any]) -> Readiness:
    status = obj.get("status") or {}
    spec = obj.get("spec") or {}
    if lag := _generation_lag(obj):
        return lag
    if (spec.get("updateStrategy") or {}).get("type") == "OnDelete":
        return Readiness(True)  # pods change only when deleted by hand; nothing to wait for
    replicas = spec.get("replicas", 1)
    partition = ((spec.get("updateStrategy") or {}).get("rollingUpdate") or {}).get("partition", 0)
    ready = status.get("readyReplicas") or 0
    updated = status.get("updatedReplicas") or 0
    if ready < replicas:
        return Readiness(False, f"{ready}/{replicas} replicas ready")
    if updated < replicas - partition:
        return Readiness(False, f"{updated}/{replicas - partition} replicas updated")
    if partition == 0 and status.get("currentRevision") != status.get("updateRevision"):
        return Readiness(
            False,
            f"revision {status.get('updateRevision')} not rolled out "
            f"(current {status.get('currentRevision')})",
        )
    return Readiness(True)


def _daemonset(obj: dict[str, Any]) -> Readiness:
    status = obj.get("status") or {}
    if lag := _generation_lag(obj):
        return lag
    desired = status.get("desiredNumberScheduled") or 0
    updated = status.get("updatedNumberScheduled") or 0
    available = status.get("numberAvailable") or 0
    if updated < desired:
        return Readiness(False, f"{updated}/{desired} pods updated")
    if available < desired:
        return Readiness(False, f"{available}/{desired} pods available")
    return Readiness(True)


def _job(obj: dict[str, Any]) -> Readiness:
    status = obj.get("status") or {}
    for condition in status.get("conditions") or []:
        if condition.get("status") != "True":
            continue
        if condition.get("type") == "Complete":
            return Readiness(True)
        if condition.get("type") == "Failed":
            why = f"{condition.get('reason', 'Failed')}: {condition.get('message', '')}"
            return Readiness(False, f"failed ({why.rstrip(': ')})", True)
    succeeded, active = status.get("succeeded") or 0, status.get("active") or 0
    return Readiness(False, f"not complete ({succeeded} succeeded, {active} active)")


def _crd(obj: dict[str, Any]) -> Readiness:
    for condition in (obj.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Established" and condition.get("status") == "True":
            return Readiness(True)
    return Readiness(False, "not Established yet")


_CHECKS: dict[str, Callable[[dict[str, Any]], Readiness]] = {
    "apiextensions.k8s.io/CustomResourceDefinition": _crd,
    "apps/Deployment": _deployment,
    "apps/StatefulSet": _statefulset,
    "apps/DaemonSet": _daemonset,
    "batch/Job": _job,
}


def _check_for(api_version: str, kind: str) -> Callable[[dict[str, Any]], Readiness] | None:
    return _CHECKS.get(f"{api_version.rpartition('/')[0]}/{kind}")


def needs_wait(ref: ObjectRef) -> bool:
    """Whether ``ref`` is a kind whose readiness is checked."""
    return _check_for(ref.api_version, ref.kind) is not None


def check(obj: dict[str, Any]) -> Readiness:
    """The readiness of one live object; kinds without a notion of readiness are ready."""
    rule = _check_for(obj.get("apiVersion", ""), obj.get("kind", ""))
    return rule(obj) if rule else Readiness(True)


def _pod_finished(obj: dict[str, Any]) -> Readiness:
    phase = (obj.get("status") or {}).get("phase") or "Pending"
    if phase == "Succeeded":
        return Readiness(True)
    if phase == "Failed":
        reason = (obj.get("status") or {}).get("reason") or "Failed"
        return Readiness(False, f"failed ({reason})", True)
    return Readiness(False, f"not finished (phase {phase})")


def hook_finished(obj: dict[str, Any]) -> Readiness:
    """A helm hook's readiness: a Job complete, a Pod succeeded; other kinds once created."""
    if obj.get("kind") == "Job":
        return _job(obj)
    if obj.get("kind") == "Pod":
        return _pod_finished(obj)
    return Readiness(True)


def _label(ref: ObjectRef) -> str:
    where = f"{ref.namespace}/" if ref.namespace else ""
    return f"{ref.kind.lower()} {where}{ref.name}"


class ReadinessWaiter:
    """Polls objects with backoff until all are ready, one fails, or the timeout passes."""

    def __init__(
        self,
        client: KubeClient,
        *,
        progress: Callable[[str], None] | None = None,
        first_interval: float = 0.2,
        max_interval: float = 5.0,
        progress_every: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._progress = progress
        self._first_interval = first_interval
        self._max_interval = max_interval
        self._progress_every = progress_every
        self._clock = clock
        self._sleep = sleep

    def wait(
        self,
        refs: Sequence[ObjectRef],
        timeout: float,
        *,
        rule: Callable[[dict[str, Any]], Readiness] | None = None,
    ) -> None:
        """Return once every object in ``refs`` is ready; raise DeployError otherwise.

        ``rule`` judges each object instead of the rollout checks (e.g. ``hook_finished``).
        """
        pending = list(refs) if rule is not None else [ref for ref in refs if needs_wait(ref)]
        start = self._clock()
        polls = RetryPolicy(base=self._first_interval, cap=self._max_interval)
        last_progress, polled = start, 0
        while pending:
            reasons = {ref: self._readiness(ref, rule or check) for ref in pending}
            pending = [ref for ref, state in reasons.items() if not state.ready]
            if not pending:
                return
            waiting = "; ".join(f"{_label(ref)}: {reasons[ref].reason}" for ref in pending)
            now = self._clock()
            if now - start >= timeout:
                raise DeployError(
                    f"timed out after {timeout:g}s waiting for {len(pending)} object(s) to "
                    f"become ready: {waiting}"
                )
            if self._progress and now - last_progress >= self._progress_every:
                self._progress(f"waiting ({now - start:.0f}s of {timeout:g}s): {waiting}")
                last_progress = now
            self._sleep(min(polls.delay(polled), max(timeout - (now - start), 0.0)))
            polled += 1

    def _readiness(self, ref: ObjectRef, rule: Callable[[dict[str, Any]], Readiness]) -> Readiness:
        resource = self._client.resource(ref.api_version, ref.kind)
        operation = Operation(
            "get",
            ref.kind,
            ref.api_version,
            ref.namespace,
            ref.name,
            resource.name,
            self._client.server,
        )
        with errors_as_deploy_error(operation):
            obj = resource.get(name=ref.name, namespace=ref.namespace).to_dict()
        state = rule(obj)
        if state.failed:
            raise DeployError(f"{_label(ref)} {state.reason}")
        return state
