"""Old state documents are migrated on read and written back as the current version."""

from __future__ import annotations

import json
from pathlib import Path

from sbkube_ci.state import SCHEMA_VERSION, AppState, InventoryEntry, StateDocument
from sbkube_ci.state.migrations import MIGRATIONS, parse_state
from tests.state.workers import StoreSpec

V0 = Path(__file__).parent / "data" / "state-v0.json"


def test_every_old_version_has_a_migration() -> None:
    assert sorted(MIGRATIONS) == list(range(SCHEMA_VERSION))


def test_v0_fixture_migrates() -> None:
    doc = parse_state(V0.read_bytes(), "v0", "prod")
    assert doc.schema_version == SCHEMA_VERSION
    assert doc.revision == 7
    api = doc.apps["api"]
    assert (api.revision, api.render_digest, api.actor, api.snapshot) == (
        41,
        "sha256:0f3c",
        "alice",
        "sha256:9e1d",
    )
    assert api.inventory == [
        InventoryEntry(api_version="apps/v1", kind="Deployment", namespace="web", name="api"),
        InventoryEntry(api_version="v1", kind="Service", namespace="web", name="api"),
        InventoryEntry(
            api_version="rbac.authorization.k8s.io/v1",
            kind="ClusterRole",
            namespace=None,
            name="api-reader",
        ),
    ]


def test_update_writes_the_migrated_document_back(tmp_path: Path) -> None:
    spec = StoreSpec("local", str(tmp_path / "state"))
    spec.open().put("prod/state.json", V0.read_bytes(), expect=None, message="v0")

    def deploy(doc: StateDocument) -> StateDocument:
        doc.apps["api"] = AppState(revision=doc.apps["api"].revision + 1)
        return doc

    spec.backend().update("prod", deploy)
    stored = spec.open().get("prod/state.json")
    assert stored is not None
    raw = json.loads(stored.data)
    assert raw["schema_version"] == SCHEMA_VERSION
    assert raw["revision"] == 8
    assert raw["apps"]["api"]["revision"] == 42
