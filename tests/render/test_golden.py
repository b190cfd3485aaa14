"""Golden files: the quickstart's rendered manifests, reviewed like code.

Regenerate after an intended change with ``SBKUBE_UPDATE_GOLDEN=1 pytest tests/render``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from sbkube_ci.config import load_project
from sbkube_ci.render import render_project

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests/data/render/quickstart"


def test_quickstart_matches_the_golden_files(tmp_path: Path) -> None:
    project_dir = tmp_path / "quickstart"
    shutil.copytree(
        ROOT / "examples/quickstart", project_dir, ignore=shutil.ignore_patterns(".sbkube")
    )
    result = render_project(load_project(project_dir))
    assert result.ok
    for (cluster, app), rendered in sorted(result.apps.items()):
        golden = GOLDEN / cluster / f"{app}.yaml"
        if os.environ.get("SBKUBE_UPDATE_GOLDEN"):
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_text(rendered.text)
        if not golden.exists():
            pytest.fail(f"{golden} is missing; run with SBKUBE_UPDATE_GOLDEN=1 and review it")
        assert rendered.text == golden.read_text(), f"{cluster}/{app} differs from {golden}"
    expected = sorted(p.relative_to(GOLDEN).as_posix() for p in GOLDEN.rglob("*.yaml"))
    assert expected == sorted(f"{c}/{a}.yaml" for c, a in result.apps)
