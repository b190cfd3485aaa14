"""SBKube's shapes, each next to its canonical form: both validate, and they render the same.

Every case under ``cases/<shape>/`` has ``sbkube/`` (the files as SBKube users write them)
and ``canonical/`` (what sbkube-ci documents); ``shared/`` (a chart, manifests, values) is
copied under both. ``@REPO@`` stands for the URL of a real chart repository on 127.0.0.1.
A case passes when both load without errors, the canonical one without warnings, their
rendered objects are the same, and the file ``migrate`` writes from the SBKube form loads
without warnings and renders those objects too.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sbkube_ci.commands.migrate import plan_migration
from sbkube_ci.config.loader import load_project
from sbkube_ci.render import render_project
from tests.fixtures.chart_repo import ChartRepo

HERE = Path(__file__).resolve().parent
SHARED = HERE / "shared"
CASES = sorted(p.name for p in (HERE / "cases").iterdir() if p.is_dir())
HELM_LIST = "helm-repositories.yaml"


def _materialize(src: Path, dest: Path, repo_url: str) -> Path:
    shutil.copytree(SHARED, dest)
    for file in sorted(src.rglob("*")):
        if file.is_file():
            target = dest / file.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(file.read_text().replace("@REPO@", repo_url))
    return dest


def _rendered(root: Path) -> dict[str, str]:
    """Each app's rendered objects by cluster/app (the index of digests is left out: input
    digests name the files they were made from, and those differ between the forms)."""
    out = root / ".sbkube/rendered"
    return {p.relative_to(out).as_posix(): p.read_text() for p in sorted(out.rglob("*.yaml"))}


def _repo_url(case: str, request: pytest.FixtureRequest) -> str:
    texts = [p.read_text() for p in (HERE / "cases" / case).rglob("*") if p.is_file()]
    if not any("@REPO@" in text for text in texts):
        return "https://unused.invalid"
    chart_repo: ChartRepo = request.getfixturevalue("chart_repo")
    chart_repo.add("hello", "1.0.0", message="from the repository")
    return chart_repo.url


def test_there_is_a_case_per_shape() -> None:
    assert len(CASES) >= 11


@pytest.mark.parametrize("case", CASES)
def test_sbkube_shape_renders_like_the_canonical_form(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.chdir(tmp_path)
    url = _repo_url(case, request)
    sbkube = _materialize(HERE / "cases" / case / "sbkube", tmp_path / "sbkube", url)
    canonical = _materialize(HERE / "cases" / case / "canonical", tmp_path / "canonical", url)
    if (sbkube / HELM_LIST).is_file():
        monkeypatch.setenv("HELM_REPOSITORY_CONFIG", str(sbkube / HELM_LIST))

    sbkube_project = load_project(sbkube)  # raises on any error
    canonical_project = load_project(canonical)
    assert [str(w) for w in canonical_project.warnings] == []

    sbkube_render = render_project(sbkube_project)
    canonical_render = render_project(canonical_project)
    assert sbkube_render.errors == canonical_render.errors == []
    objects = _rendered(canonical)
    assert objects, "the canonical form renders nothing"
    assert _rendered(sbkube) == objects

    # migrate writes the canonical file (shapes sbkube-ci supports as written are left alone):
    # it loads without warnings (a repository taken from helm's list is now declared) and
    # renders the same objects again.
    migration = plan_migration(sbkube)
    legacy = (sbkube / "sources.yaml").is_file()
    assert migration.changed == (legacy or bool(sbkube_project.warnings))
    migration.target.write_text(migration.new_text)
    monkeypatch.setenv("HELM_REPOSITORY_CONFIG", str(tmp_path / "no-helm-list.yaml"))
    shutil.rmtree(sbkube / ".sbkube/rendered")
    migrated = load_project(sbkube)
    assert [str(w) for w in migrated.warnings] == []
    assert migrated.files == [migration.target]
    assert render_project(migrated).errors == []
    assert _rendered(sbkube) == objects
