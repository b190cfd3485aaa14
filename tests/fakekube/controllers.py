"""What the workload controllers of a healthy cluster would report once they caught up."""

from __future__ import annotations

from typing import Any

from tests.fakekube.resources import ResourceType


def rolled_out(rtype: ResourceType, obj: dict[str, Any]) -> dict[str, Any] | None:
    """The status of ``obj`` fully rolled out (a Job: completed), or None for other kinds."""
    if rtype.custom:
        return None
    generation = obj["metadata"].get("generation", 1)
    replicas = (obj.get("spec") or {}).get("replicas", 1)
    if rtype.kind == "Deployment":
        return {
            "observedGeneration": generation,
            "replicas": replicas,
            "updatedReplicas": replicas,
            "readyReplicas": replicas,
            "availableReplicas": replicas,
        }
    if rtype.kind == "StatefulSet":
        revision = f"{obj['metadata']['name']}-{generation}"
        return {
            "observedGeneration": generation,
            "replicas": replicas,
            "readyReplicas": replicas,
            "updatedReplicas": replicas,
            "currentReplicas": replicas,
            "currentRevision": revision,
            "updateRevision": revision,
        }
    if rtype.kind == "DaemonSet":
        counts = ("desiredNumberScheduled", "updatedNumberScheduled", "numberAvailable")
        return {"observedGeneration": generation, **dict.fromkeys(counts, 1)}
    if rtype.kind == "Job":
        return {"succeeded": 1, "conditions": [{"type": "Complete", "status": "True"}]}
    return None
