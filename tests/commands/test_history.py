"""``sbkube-ci history`` and ``state show`` over a local state directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sbkube_ci.config.loader import load_project
from sbkube_ci.state import AppState, HistoryChange, InventoryEntry, StateDocument, open_backend
from sbkube_ci.state.identity import Identity
from tests.commands.test_lock import CONFIG, ROOT, sbkube


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
                inventory=[InventoryEntry(api_version="v1", kind="Service", name=app)],
            )
            return doc

        record = backend.new_record(
            "deploy",
            cluster,
            apps=[HistoryChange(app=app, old_revision=old, new_revision=new)],
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


def add_failed_deploy(project: Path) -> None:
    backend = open_backend(load_project(project), identity=Identity("dave", "pid 9", ""))
    record = backend.new_record(
        "deploy",
        "prod",
        apps=[HistoryChange(app="api", old_revision=1)],
        result="failed",
        detail="api: Deployment shop/api not ready after 5m: 0/3 replicas\nmore detail",
    )
    backend.append_history(record)


def test_history_shows_the_failed_app_and_its_first_error_line(project: Path) -> None:
    add_failed_deploy(project)
    lines = sbkube(project, "history").stdout.splitlines()
    row = next(i for i, line in enumerate(lines) if "failed" in line.split())
    assert lines[row + 1] == "  └ api: Deployment shop/api not ready after 5m: 0/3 replicas"
    assert len(lines) == 5  # header, three records, one failure line
    assert "more detail" not in "\n".join(lines)
    markdown = sbkube(project, "history", "--format", "markdown").stdout.splitlines()
    assert markdown[0].endswith("| Error |")
    failed = next(line for line in markdown if "| failed |" in line)
    assert failed.endswith("| api: Deployment shop/api not ready after 5m: 0/3 replicas |")


def test_history_refuses_unknown_filters_with_a_suggestion(project: Path) -> None:
    result = sbkube(project, "history", "--cluster", "prdo")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: --cluster prdo: no such cluster in the configuration or the history; "
        "did you mean 'prod'?; known: prod, staging"
    )
    result = sbkube(project, "history", "--app", "nope")
    assert result.returncode == 1
    assert "error: --app nope: no such app in the configuration or the history" in result.stderr


def test_history_honours_sbkube_format(project: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SBKUBE_FORMAT"}
    for value, check in (("json", lambda out: json.loads(out)[0]["cluster"]), ("text", str)):
        result = subprocess.run(
            [sys.executable, "-m", "sbkube_ci", "history", "-C", str(project)],
            env=env | {"SBKUBE_FORMAT": value, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert check(result.stdout)
    assert result.stdout.startswith("TIME")
