"""``sbkube-ci prepare`` end to end through the CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from sbkube_ci.cli import main
from tests.fixtures.chart_repo import ChartRepo
from tests.fixtures.net import free_port
from tests.support.projects import write_project


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["prepare", *args])
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


@pytest.fixture(autouse=True)
def _no_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("SBKUBE_CACHE_DIR", raising=False)


def _project(tmp_path: Path, repo: ChartRepo, version: str = "^1") -> Path:
    apps = {
        "web": {"type": "helm", "chart": "r/web", "version": version},
        "api": {"type": "helm", "chart": "r/api"},
    }
    return write_project(tmp_path / "p", apps, {"helm_repos": {"r": repo.url}})


@pytest.fixture
def root(chart_repo: ChartRepo, tmp_path: Path) -> Path:
    """The project of web (^1) and api, with web 1.1.0 and api 0.2.0 in ``chart_repo``."""
    chart_repo.add("web", "1.1.0")
    chart_repo.add("api", "0.2.0")
    return _project(tmp_path, chart_repo)


def test_prepare_writes_lock_then_frozen_passes(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "-C", str(root))
    assert code == 0
    assert "web: helm_repo " in out
    assert "1.1.0 sha256:" in out
    assert "(resolved)" in out
    lock = yaml.safe_load((root / "sbkube.lock").read_text())
    assert sorted(lock["apps"]) == ["api", "web"]
    code, out, _ = _run(capsys, "-C", str(root), "--frozen")
    assert (code, out.count("(locked)")) == (0, 2)


def test_frozen_drift_one_line_per_app(
    chart_repo: ChartRepo,
    root: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chart_repo.add("web", "2.0.0")
    assert _run(capsys, "-C", str(root))[0] == 0
    _project(tmp_path, chart_repo, version="^2")
    monkeypatch.setenv("CI", "true")
    code, _, err = _run(capsys, "-C", str(root))
    assert code == 1
    assert err.splitlines() == [
        f"error: apps.web: sbkube.yaml asks for {chart_repo.url}/web '^2' but sbkube.lock pins "
        f"{chart_repo.url}/web '^1'; run `sbkube-ci prepare --update web` and commit sbkube.lock"
    ]
    code, out, _ = _run(capsys, "-C", str(root), "--update", "web")
    assert code == 0
    assert "2.0.0" in out
    assert yaml.safe_load((root / "sbkube.lock").read_text())["apps"]["web"]["version"] == "2.0.0"


def test_keep_going_exits_1_and_prepares_the_rest(
    chart_repo: ChartRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chart_repo.add("web", "1.0.0")
    gone = f"http://127.0.0.1:{free_port()}"
    apps = {
        "web": {"type": "helm", "chart": "r/web"},
        "db": {"type": "helm", "chart": "gone/db"},
    }
    root = write_project(tmp_path / "p", apps, {"helm_repos": {"r": chart_repo.url, "gone": gone}})
    code, out, err = _run(capsys, "-C", str(root), "--keep-going")
    assert code == 1
    assert out.startswith("web: helm_repo")
    assert err.splitlines() == [
        f"error: apps.db: cannot reach {gone}/index.yaml ([Errno 111] Connection refused); "
        "check the URL and the network"
    ]
    assert _run(capsys, "-C", str(root), "--app", "web")[0] == 0


def test_without_keep_going_the_first_error_stops(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gone = f"http://127.0.0.1:{free_port()}"
    root = write_project(
        tmp_path / "p", {"db": {"type": "helm", "chart": "gone/db"}}, {"helm_repos": {"gone": gone}}
    )
    code, _, err = _run(capsys, "-C", str(root))
    assert code == 1
    assert err.startswith(f"error: apps.db: cannot reach {gone}/index.yaml")
    assert len(err.splitlines()) == 1


def test_json_output(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "-C", str(root), "--format", "json", "--app", "web")
    document = json.loads(out)
    assert code == 0
    assert document["ok"] is True
    assert list(document["apps"]) == ["web"]
    web = document["apps"]["web"]
    assert (web["kind"], web["version"], web["from_lock"]) == ("helm_repo", "1.1.0", False)
    assert Path(web["path"], "Chart.yaml").is_file()
    code, out, _ = _run(capsys, "-C", str(root), "--format", "json", "--update")
    assert sorted(json.loads(out)["apps"]) == ["api", "web"]
