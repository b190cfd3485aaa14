"""``sbkube-ci history`` and ``state show`` over a local state directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sbkube_ci.config.loader import load_project
from sbkube_ci.state import AppChange, AppState, ObjectRef, StateDocument, open_backend
from sbkube_ci.state.identity import Identity
from tests.commands.test_lock import CONFIG, sbkube


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "sbkube.yaml").write_text(CONFIG)
    backend = open_backend(load_project(tmp_path), identity=Identity("carol", "pid 7", ""))
    times = iter([1_800_000_000.0 + i for i in range(10)])
    backend.clock = lambda: next(times)
    for cluster, app, old, new in [("prod", "api", None, 1), ("staging", "web", 3, 4)]:

        def deploy(doc: StateDocument, app: str = app, new: int = new) -> StateDocument:
            doc.apps[app] = AppState(
                revision=new,
                commit="abc1234def",
                render_digest="sha256:" + "ab" * 32,
                inventory=[ObjectRef(api_version="v1", kind="Service", name=app)],
            )
            return doc

        record = backend.new_record(
            "deploy",
            cluster,
            apps=[AppChange(app=app, old_revision=old, new_revision=new)],
            commit="abc1234def",
            duration=12.4,
        )
        backend.update(cluster, deploy, record=record)
    return tmp_path


def test_history_table(project: Path) -> None:
    result = sbkube(project, "history")
    assert result.returncode == 0, result.stderr
    header, newest, oldest = result.stdout.splitlines()
    assert header.split() == [
        "TIME", "CLUSTER", "KIND", "APPS", "RESULT", "ACTOR", "COMMIT", "DURATION", "ID",
    ]  # fmt: skip
    assert newest.split()[2:9] == [
        "staging",
        "deploy",
        "web",
        "r3→r4",
        "succeeded",
        "carol",
        "abc1234",
    ]
    assert oldest.split()[2:6] == ["prod", "deploy", "api", "r1"]


def test_history_filters_and_formats(project: Path) -> None:
    only = json.loads(sbkube(project, "history", "--app", "api", "--format", "json").stdout)
    assert [(h["cluster"], h["apps"][0]["app"]) for h in only] == [("prod", "api")]
    assert (
        json.loads(sbkube(project, "history", "--cluster", "staging", "--format", "json").stdout)[
            0
        ]["cluster"]
        == "staging"
    )
    assert (
        len(json.loads(sbkube(project, "history", "--limit", "1", "--format", "json").stdout)) == 1
    )
    markdown = sbkube(project, "history", "--format", "markdown").stdout.splitlines()
    assert markdown[0].startswith("| Time | Cluster | Kind |")
    assert markdown[1].startswith("|---|")
    assert "| staging | deploy | web r3→r4 |" in markdown[2]


def test_state_show(project: Path) -> None:
    text = sbkube(project, "state", "show", "--cluster", "prod").stdout
    assert text.splitlines()[0].startswith("prod: state r1, updated ")
    assert text.splitlines()[2].split() == ["api", "r1", "abababababab", "abc1234", "-", "-", "1"]
    documents = json.loads(sbkube(project, "state", "show", "--format", "json").stdout)
    assert [(d["cluster"], d["revision"]) for d in documents] == [("prod", 1), ("staging", 1)]
