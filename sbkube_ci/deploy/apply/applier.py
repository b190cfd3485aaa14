"""Server-side apply of one app's objects, with Helm hook phases, CRD ordering and prune.

The inventory (``ObjectRef``s) of what an app applied is stored in the state; the next deploy
passes it back as ``previous_inventory`` so objects that left the manifests are pruned.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from sbkube_ci import k8s
from sbkube_ci.deploy.apply import hooks as helm_hooks
from sbkube_ci.deploy.apply.hooks import HookActions, HookEvent
from sbkube_ci.deploy.apply.namespaces import Namespaces
from sbkube_ci.deploy.apply.objects import crd_scopes, labelled_objects
from sbkube_ci.deploy.apply.prune import prune
from sbkube_ci.deploy.apply.readiness import ReadinessWaiter, hook_finished
from sbkube_ci.deploy.apply.result import ApplyResult, ObjectOutcome, ObjectResult
from sbkube_ci.deploy.kube.client import KubeClient
from sbkube_ci.deploy.kube.errors import UnknownKindError, errors_as_deploy_error
from sbkube_ci.deploy.kube.live import LiveObjects
from sbkube_ci.errors import DeployError
from sbkube_ci.k8s import (
    CLUSTER_SCOPED_KINDS,
    FIELD_MANAGER,
    ObjectRef,
)

__all__ = [
    "Applier",
    "ApplyError",
    "ApplyResult",
    "ObjectOutcome",
    "ObjectResult",
]


class ApplyError(DeployError):
    """An apply that failed part way; ``result`` says what was applied before the failure.

    Record ``result.inventory`` together with the previous inventory, so objects created by
    the failed deploy are still pruned by a later one.
    """

    def __init__(self, message: str, result: ApplyResult) -> None:
        super().__init__(message)
        self.result = result


@dataclass
class _Run:
    """One apply_app call: its options, deadline, and what dry run pretends exists."""

    app: str
    namespace: str
    dry_run: bool
    force: bool
    timeout: float
    deadline: float
    event: HookEvent
    crd_scopes: dict[tuple[str, str], bool]
    keep_namespaces: Collection[str] = ()
    pending_namespaces: set[str] = field(default_factory=set)
    results: list[ObjectResult] = field(default_factory=list)

    def result(self) -> ApplyResult:
        applied = (ObjectOutcome.CREATED, ObjectOutcome.CONFIGURED, ObjectOutcome.UNCHANGED)
        refs = [r.ref for r in self.results if not r.hook and r.outcome in applied]
        return ApplyResult(sorted(refs, key=ObjectRef.key), list(self.results), self.dry_run)


class Applier:
    """Applies apps to one cluster as field manager ``sbkube-ci``; safe to share across threads."""

    def __init__(
        self,
        client: KubeClient,
        *,
        cluster: str,
        field_manager: str = FIELD_MANAGER,
        waiter: ReadinessWaiter | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._live = LiveObjects(client, clock=clock)
        self._cluster = cluster
        self._field_manager = field_manager
        self._waiter = waiter or ReadinessWaiter(client)
        self._clock = clock
        self.namespaces = Namespaces(self._live, cluster=cluster)

    def apply_app(
        self,
        app: str,
        objects: Sequence[dict[str, Any]],
        previous_inventory: Sequence[ObjectRef],
        *,
        namespace: str = "default",
        dry_run: bool = False,
        force_conflicts: bool = False,
        timeout: float = 300.0,
        wait: bool = True,
        event: HookEvent | None = None,
        keep_namespaces: Collection[str] = (),
    ) -> ApplyResult:
        """Apply ``objects`` of ``app``, run its hooks, wait for readiness, prune the rest.

        ``namespace`` is given to namespaced objects that name none. With ``dry_run`` every
        write is sent with ``dryRun=All`` and nothing is deleted; the result says what would
        happen. ``timeout`` bounds the CRD and readiness waits together, and each hook's wait
        (as helm's ``--timeout`` does). ``event`` picks the helm hooks that run around the
        apply (``pre-``/``post-install`` ...); by default install without a previous
        inventory, else upgrade. A missing ``namespace`` is created first (see
        ``namespaces``); prune keeps namespaces in ``keep_namespaces`` (other apps use them).
        """
        labelled = labelled_objects(objects, app=app, cluster=self._cluster)
        run = _Run(
            app=app,
            namespace=namespace,
            dry_run=dry_run,
            force=force_conflicts,
            timeout=timeout,
            deadline=self._clock() + timeout,
            event=event or ("upgrade" if previous_inventory else "install"),
            crd_scopes=crd_scopes(labelled),
            keep_namespaces=keep_namespaces,
        )
        try:
            self._run_phases(labelled, previous_inventory, run, wait=wait)
        except DeployError as exc:
            raise ApplyError(str(exc), run.result()) from exc
        return run.result()

    def _run_phases(
        self,
        objects: Sequence[dict[str, Any]],
        previous_inventory: Sequence[ObjectRef],
        run: _Run,
        *,
        wait: bool,
    ) -> None:
        if _uses_namespace(objects, run) and not _defines_namespace(objects, run.namespace):
            created = self.namespaces.ensure(run.app, run.namespace, dry_run=run.dry_run)
            if created is not None:
                run.results.append(created)
        hooks = [o for o in objects if k8s.hook_of(o)]
        main = sorted((o for o in objects if not k8s.hook_of(o)), key=_order)
        self._apply_all([o for o in main if o["kind"] in k8s.FOUNDATION_KINDS], run)
        self._settle_crds(run.result().inventory, run)
        actions = self._hook_actions(run)
        run.results += helm_hooks.run_event(f"pre-{run.event}", hooks, actions)
        self._apply_all([o for o in main if o["kind"] not in k8s.FOUNDATION_KINDS], run)
        inventory = run.result().inventory
        if wait and not run.dry_run:
            self._waiter.wait(inventory, self._remaining(run))
        # helm deletes what left the chart during the upgrade itself, before post hooks.
        run.results += prune(
            self._live,
            previous_inventory,
            inventory,
            app=run.app,
            dry_run=run.dry_run,
            deadline=run.deadline,
            protected_namespaces=_protected_namespaces(objects, run),
        )
        run.results += helm_hooks.run_event(f"post-{run.event}", hooks, actions)

    # -- applying ----------------------------------------------------------------------------

    def _apply_all(self, objects: Sequence[dict[str, Any]], run: _Run) -> None:
        for obj in objects:
            run.results.append(self._apply_one(obj, run))

    def _target(self, obj: dict[str, Any], run: _Run) -> tuple[ObjectRef, Any | None]:
        """The object's ref (namespace defaulted) and its API resource (None: not served yet)."""
        api_version, kind = obj["apiVersion"], obj["kind"]
        try:
            resource = self._client.resource(api_version, kind)
            namespaced = bool(resource.namespaced)
        except UnknownKindError:
            # In a dry run the app's own CRDs were not created, so their kinds are unknown.
            if not (run.dry_run and (api_version, kind) in run.crd_scopes):
                raise
            resource, namespaced = None, run.crd_scopes[(api_version, kind)]
        metadata = obj["metadata"]
        if namespaced:
            metadata["namespace"] = metadata.get("namespace") or run.namespace
        else:
            metadata.pop("namespace", None)
        return ObjectRef.of(obj), resource

    def _apply_one(self, obj: dict[str, Any], run: _Run, *, hook: bool = False) -> ObjectResult:
        ref, resource = self._target(obj, run)
        pending = ref.namespace in run.pending_namespaces or (
            run.dry_run and self.namespaces.pending(ref.namespace)
        )
        if resource is None or pending:
            note = "not validated by the server: its namespace or CRD is created by this deploy"
            return ObjectResult(ref, ObjectOutcome.CREATED, hook, note)
        live = self._live.get(ref, resource)
        if live is not None and ref.kind == "Namespace":
            self.namespaces.exists(ref.name)
        operation = self._live.operation("patch", ref, resource)
        with errors_as_deploy_error(operation):
            answer = self._client.dynamic.server_side_apply(
                resource,
                body=obj,
                name=ref.name,
                namespace=ref.namespace,
                field_manager=self._field_manager,
                force_conflicts=True if run.force else None,
                dry_run="All" if run.dry_run else None,
            ).to_dict()
        if live is None:
            if run.dry_run and ref.kind == "Namespace":
                run.pending_namespaces.add(ref.name)
                self.namespaces.add_pending(ref.name)
            return ObjectResult(ref, ObjectOutcome.CREATED, hook)
        unchanged = k8s.strip_server_fields(live) == k8s.strip_server_fields(answer)
        return ObjectResult(
            ref, ObjectOutcome.UNCHANGED if unchanged else ObjectOutcome.CONFIGURED, hook
        )

    def _remaining(self, run: _Run) -> float:
        return max(run.deadline - self._clock(), 0.0)

    def _settle_crds(self, refs: Sequence[ObjectRef], run: _Run) -> None:
        """Wait for the app's CRDs to be Established, then rediscover the kinds they add."""
        crds = [ref for ref in refs if ref.kind == "CustomResourceDefinition"]
        if not crds or run.dry_run:
            return
        self._waiter.wait(crds, self._remaining(run))
        self._client.refresh_discovery()

    # -- hooks -------------------------------------------------------------------------------

    def _hook_actions(self, run: _Run) -> HookActions:
        def delete(obj: dict[str, Any]) -> None:
            ref, resource = self._target(obj, run)
            if resource is not None:
                self._live.delete(ref, resource, deadline=self._clock() + run.timeout)

        def wait(obj: dict[str, Any]) -> None:
            ref = ObjectRef.of(obj)
            if helm_hooks.needs_wait(ref):
                self._waiter.wait([ref], run.timeout, rule=hook_finished)

        return HookActions(
            app=run.app,
            dry_run=run.dry_run,
            apply=lambda obj: self._apply_one(obj, run, hook=True),
            delete=delete,
            wait=wait,
        )


def _namespace_of(obj: dict[str, Any], run: _Run) -> str | None:
    """Where a namespaced object goes (its own or the app's namespace); None: cluster-scoped."""
    kind = obj.get("kind", "")
    scope = run.crd_scopes.get((obj.get("apiVersion", ""), kind))
    if kind in CLUSTER_SCOPED_KINDS or scope is False:
        return None
    return (obj.get("metadata") or {}).get("namespace") or run.namespace


def _uses_namespace(objects: Sequence[dict[str, Any]], run: _Run) -> bool:
    return any(_namespace_of(obj, run) == run.namespace for obj in objects)


def _defines_namespace(objects: Sequence[dict[str, Any]], name: str) -> bool:
    return any(
        obj.get("kind") == "Namespace" and obj["metadata"].get("name") == name for obj in objects
    )


def _protected_namespaces(objects: Sequence[dict[str, Any]], run: _Run) -> set[str]:
    """Namespaces prune keeps: those this apply still puts objects in, and other apps' ones."""
    used = {ns for obj in objects if (ns := _namespace_of(obj, run))}
    return used | set(run.keep_namespaces)


def _order(obj: dict[str, Any]) -> tuple[int, str, str, str, str]:
    return ObjectRef.of(obj).key()
