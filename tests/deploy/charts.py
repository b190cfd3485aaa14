"""The chart corpus of tests/data/charts (shapes of popular public charts), for tests."""

from __future__ import annotations

import shutil
from pathlib import Path

CHARTS = Path(__file__).resolve().parents[1] / "data" / "charts"
NAMES = ("cert-manager", "grafana", "ingress-nginx", "kube-prometheus-stack")


def copy_chart(name: str, project_root: Path) -> str:
    """Copy chart ``name`` into ``project_root/charts/``; returns the app's ``chart`` value."""
    shutil.copytree(CHARTS / name, project_root / "charts" / name, dirs_exist_ok=True)
    return f"./charts/{name}"
