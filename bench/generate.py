"""Generate a project of N apps for the render benchmark.

The mix: 70% helm apps over a few distinct local charts (made once with ``helm create`` and
reused, each app with its own values file), 20% yaml apps, 10% kustomize apps (an overlay on a
shared base). Usage: ``python bench/generate.py DIR --apps 1000``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
from pathlib import Path

CHARTS = ("alpha", "beta", "gamma", "delta")


def generate(root: Path, apps: int) -> dict[str, int]:
    """Write the project under ``root`` (emptied first); returns how many apps of each type."""
    if root.exists():
        shutil.rmtree(root)
    (root / "charts").mkdir(parents=True)
    for chart in CHARTS:
        subprocess.run(
            ["helm", "create", chart], cwd=root / "charts", check=True, stdout=subprocess.DEVNULL
        )
    _kustomize_base(root)
    counts = {"helm": 0, "yaml": 0, "kustomize": 0}
    entries = []
    for index in range(apps):
        name = f"app-{index:04d}"
        kind = "yaml" if index % 10 in (3, 7) else "kustomize" if index % 10 == 5 else "helm"
        counts[kind] += 1
        entries.append(_app(root, name, kind, index))
    config = [
        "apiVersion: sbkube/v1",
        "metadata: {name: bench}",
        "settings: {namespace: bench}",
        "clusters:",
        "  bench:",
        '    kube_version: "1.33.0"',
        "apps:",
        *entries,
    ]
    (root / "sbkube.yaml").write_text("\n".join(config) + "\n")
    return counts


def _app(root: Path, name: str, kind: str, index: int) -> str:
    if kind == "helm":
        chart = CHARTS[index % len(CHARTS)]
        values = root / "values" / f"{name}.yaml"
        values.parent.mkdir(exist_ok=True)
        values.write_text(
            f"replicaCount: {1 + index % 3}\n"
            f"podAnnotations: {{bench/index: '{index}'}}\n"
            f"service: {{port: {8000 + index % 100}}}\n"
        )
        return (
            f"  {name}:\n    type: helm\n    chart: ./charts/{chart}\n"
            f"    values: [values/{name}.yaml]\n"
        )
    if kind == "yaml":
        manifest = root / "manifests" / f"{name}.yaml"
        manifest.parent.mkdir(exist_ok=True)
        manifest.write_text(
            f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}}}\n"
            f"data: {{index: '{index}'}}\n---\n"
            f"apiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: {name}}}\n"
        )
        return f"  {name}:\n    type: yaml\n    manifests: [manifests/{name}.yaml]\n"
    overlay = root / "kustomize" / name
    overlay.mkdir(parents=True)
    (overlay / "kustomization.yaml").write_text(
        f"resources: [../base]\nnamePrefix: {name}-\nlabels: [{{pairs: {{bench: '{index}'}}}}]\n"
    )
    return f"  {name}:\n    type: kustomize\n    path: kustomize/{name}\n"


def _kustomize_base(root: Path) -> None:
    base = root / "kustomize" / "base"
    base.mkdir(parents=True)
    (base / "kustomization.yaml").write_text("resources: [deployment.yaml, service.yaml]\n")
    (base / "deployment.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"
        "spec:\n  selector: {matchLabels: {app: web}}\n"
        "  template:\n    metadata: {labels: {app: web}}\n"
        "    spec: {containers: [{name: web, image: nginx}]}\n"
    )
    (base / "service.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n"
        "spec: {selector: {app: web}, ports: [{port: 80}]}\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--apps", type=int, default=1000)
    args = parser.parse_args()
    counts = generate(args.directory, args.apps)
    print(f"generated {args.apps} apps in {args.directory}: {counts}")


if __name__ == "__main__":
    main()
