"""The state's form of an object identity converts to and from ``k8s.ObjectRef``."""

from __future__ import annotations

from sbkube_ci import k8s
from sbkube_ci.state.models import InventoryEntry


def test_an_inventory_row_round_trips_through_the_k8s_identity() -> None:
    namespaced = k8s.ObjectRef("apps/v1", "Deployment", "shop", "api")
    cluster_scoped = k8s.ObjectRef("v1", "Namespace", None, "shop")
    for ref in (namespaced, cluster_scoped):
        assert InventoryEntry.of(ref).ref() == ref


def test_the_stored_json_keeps_its_shape() -> None:
    row = InventoryEntry.of(k8s.ObjectRef("v1", "Namespace", "", "shop"))
    assert row.model_dump(by_alias=True) == {
        "apiVersion": "v1",
        "kind": "Namespace",
        "namespace": None,
        "name": "shop",
    }
