"""Reading and deleting live objects, with errors named for the object."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Any

from kubernetes.dynamic.exceptions import NotFoundError

from sbkube_ci._retry import RetryPolicy
from sbkube_ci.deploy.kube.client import KubeClient
from sbkube_ci.deploy.kube.errors import Operation, errors_as_deploy_error
from sbkube_ci.errors import DeployError
from sbkube_ci.k8s import ObjectRef


class LiveObjects:
    """GET and DELETE of single objects through one run's ``KubeClient``."""

    def __init__(
        self,
        client: KubeClient,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self._clock = clock
        self._sleep = sleep

    def operation(self, verb: str, ref: ObjectRef, resource: Any) -> Operation:
        return Operation(
            verb,
            ref.kind,
            ref.api_version,
            ref.namespace,
            ref.name,
            resource.name,
            self.client.server,
        )

    def get(self, ref: ObjectRef, resource: Any) -> dict[str, Any] | None:
        """The live object, or None when it does not exist."""
        with errors_as_deploy_error(self.operation("get", ref, resource)):
            try:
                found = resource.get(name=ref.name, namespace=ref.namespace)
            except NotFoundError:
                return None
        live: dict[str, Any] = found.to_dict()
        return live

    def delete(self, ref: ObjectRef, resource: Any, *, deadline: float) -> None:
        """Delete and wait until the object is gone (finalizers may hold it a while)."""
        with errors_as_deploy_error(self.operation("delete", ref, resource)):
            try:
                # Background propagation, so a deleted Job takes its Pods along.
                resource.delete(
                    name=ref.name, namespace=ref.namespace, propagation_policy="Background"
                )
            except NotFoundError:
                return
        polls = RetryPolicy(base=0.1, cap=2.0)
        for polled in itertools.count():
            if self.get(ref, resource) is None:
                return
            if self._clock() >= deadline:
                raise DeployError(f"{ref} was deleted but is still present; check its finalizers")
            polls.pause(polled, self._sleep)
