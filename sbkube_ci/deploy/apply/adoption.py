"""Switching an app between ``deploy_mode: helm`` and ``apply`` keeps its live objects.

Into helm: helm refuses to install over objects without its ownership metadata ("invalid
ownership metadata"), so each live object of the chart first gets the label
``app.kubernetes.io/managed-by: Helm`` and the annotations ``meta.helm.sh/release-name`` and
``meta.helm.sh/release-namespace``, exactly what helm checks before adopting an object.

Out of helm: the objects are server-side applied with ``force`` (taking the fields helm's
field manager owns), then the release's records are deleted (helm's ``secret`` storage:
``owner=helm,name=<release>``), so helm no longer claims objects sbkube-ci now applies; the
objects themselves stay.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kubernetes.dynamic.exceptions import NotFoundError

from sbkube_ci.deploy.kube.client import KubeClient
from sbkube_ci.deploy.kube.errors import Operation, UnknownKindError, errors_as_deploy_error
from sbkube_ci.deploy.kube.live import LiveObjects
from sbkube_ci.k8s import MANAGED_BY_LABEL, ObjectRef

HELM_MANAGED_BY = "Helm"
RELEASE_NAME = "meta.helm.sh/release-name"
RELEASE_NAMESPACE = "meta.helm.sh/release-namespace"


def ownership_patch(release: str, namespace: str) -> dict[str, Any]:
    """The metadata helm requires on an object it adopts into ``release``."""
    return {
        "metadata": {
            "labels": {MANAGED_BY_LABEL: HELM_MANAGED_BY},
            "annotations": {RELEASE_NAME: release, RELEASE_NAMESPACE: namespace},
        }
    }


def adopt_into_helm(
    client: KubeClient, refs: Sequence[ObjectRef], *, release: str, namespace: str
) -> list[ObjectRef]:
    """Give every live object of ``refs`` helm's ownership metadata; returns those patched."""
    live = LiveObjects(client)
    patch = ownership_patch(release, namespace)
    adopted = []
    for ref in refs:
        try:
            resource = client.resource(ref.api_version, ref.kind)
        except UnknownKindError:
            continue  # its CRD comes with the chart: nothing live to adopt
        if live.get(ref, resource) is None:
            continue
        with errors_as_deploy_error(live.operation("patch", ref, resource)):
            resource.patch(
                body=patch,
                name=ref.name,
                namespace=ref.namespace,
                content_type="application/merge-patch+json",
            )
        adopted.append(ref)
    return adopted


def forget_helm_release(client: KubeClient, *, release: str, namespace: str) -> int:
    """Delete the release's records (not its objects); returns how many were deleted."""
    resource = client.resource("v1", "Secret")
    operation = Operation(
        "delete", "Secret", "v1", namespace, f"sh.helm.release.v1.{release}.*", resource.name,
        client.server,
    )  # fmt: skip
    deleted = 0
    with errors_as_deploy_error(operation):
        found = resource.get(namespace=namespace, label_selector=f"owner=helm,name={release}")
        for item in found.items:
            try:
                resource.delete(name=item.metadata.name, namespace=namespace)
            except NotFoundError:
                continue
            deleted += 1
    return deleted
