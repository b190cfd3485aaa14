"""Undeclared chart repositories: helm's own list locally (a warning), sbkube.lock in CI."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sbkube_ci.cli import main
from sbkube_ci.config.loader import check_document, read_document
from tests.fixtures.chart_repo import ChartRepo
from tests.support.projects import problem_lines, write_project


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["prepare", *args])
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def _helm_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **repos: str) -> Path:
    path = tmp_path / "helm/repositories.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    entries = [{"name": n, "url": u, "username": "", "password": ""} for n, u in repos.items()]
    path.write_text(yaml.safe_dump({"apiVersion": "", "repositories": entries}))
    monkeypatch.setenv("HELM_REPOSITORY_CONFIG", str(path))
    return path


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("SBKUBE_CACHE_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    return write_project(tmp_path / "p", {"web": {"type": "helm", "chart": "r/web"}})


@pytest.fixture
def helm_list(chart_repo: ChartRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's `helm repo add` list, in which ``r`` is ``chart_repo``."""
    return _helm_list(tmp_path, monkeypatch, r=chart_repo.url)


def test_helm_repo_add_list_is_used_with_a_warning_then_pinned(
    chart_repo: ChartRepo,
    root: Path,
    helm_list: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    chart_repo.add("web", "1.0.0")
    assert problem_lines(root) == [
        f"p/sbkube.yaml:4:12: warning: apps.web.chart: repository 'r' is not declared; using "
        f"{chart_repo.url} from your helm repositories ({helm_list}); declare it under "
        "settings.helm_repos so that every machine resolves it the same (`sbkube-ci migrate` does)"
    ]
    code, out, err = _run(capsys, "-C", str(root))
    assert (code, err.count("warning: apps.web.chart")) == (0, 1), err
    assert "1.0.0 sha256:" in out
    # In CI the runner's helm list is not consulted; the pin in sbkube.lock is.
    monkeypatch.setenv("CI", "true")
    helm_list.unlink()
    code, out, err = _run(capsys, "-C", str(root), "--frozen")
    assert (code, out.count("(locked)")) == (0, 1), err
    assert "from sbkube.lock" in err


@pytest.mark.usefixtures("helm_list")
def test_in_ci_an_unpinned_undeclared_repository_is_an_error_naming_the_fix(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CI", "true")
    code, _, err = _run(capsys, "-C", str(root), "--frozen")
    assert code == 1
    assert err.splitlines()[0] == (
        "p/sbkube.yaml:4:12: apps.web.chart: repository 'r' is not declared; add it under "
        "settings.helm_repos (r: https://...) or settings.oci_registries (a repository added "
        "with `helm repo add` is used on that machine only; in CI it must be pinned in "
        "sbkube.lock)"
    )


def test_credentials_of_the_helm_list_are_never_taken_over(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "repositories.yaml"
    entry = {"name": "r", "url": "https://charts.example", "username": "u", "password": "s3cret"}
    path.write_text(yaml.safe_dump({"repositories": [entry]}))
    monkeypatch.setenv("HELM_REPOSITORY_CONFIG", str(path))
    doc, base_dir, _ = read_document(root)
    config, problems = check_document(doc, base_dir)
    assert config is not None
    repo = config.settings.helm_repo("r")
    assert repo is not None
    assert (repo.url, repo.username, repo.password) == ("https://charts.example", None, None)
    assert all("s3cret" not in str(p) for p in problems)


def test_a_helm_list_url_with_credentials_is_not_taken(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _helm_list(tmp_path, monkeypatch, r="https://u:s3cret@charts.example")
    lines = problem_lines(root)
    assert len(lines) == 1
    assert "repository 'r' is not declared; add it under settings.helm_repos" in lines[0]
    assert "s3cret" not in lines[0]
