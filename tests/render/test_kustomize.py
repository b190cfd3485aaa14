"""What a kustomization reads: its directory and the bases, components and files it names."""

from __future__ import annotations

from pathlib import Path

from sbkube_ci.render.kustomize import kustomize_inputs
from tests.render.conftest import write_files


def test_inputs_follow_bases_and_files_outside_the_directory(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "base/kustomization.yaml": "resources: [svc.yaml]\n",
            "base/svc.yaml": "kind: Service\n",
            "shared/patch.yaml": "kind: Service\n",
            "unrelated/other.yaml": "kind: Service\n",
            "overlay/kustomization.yaml": """
                resources: [../base, https://example.com/remote.yaml]
                patches: [{path: ../shared/patch.yaml}]
            """,
        },
    )
    inputs = {p.relative_to(tmp_path).as_posix() for p in kustomize_inputs(tmp_path / "overlay")}
    assert inputs == {
        "overlay/kustomization.yaml",
        "base/kustomization.yaml",
        "base/svc.yaml",
        "shared/patch.yaml",
    }


def test_cycles_and_missing_references_are_harmless(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "a/kustomization.yaml": "resources: [../b, ../missing]\n",
            "b/kustomization.yaml": "resources: [../a]\n",
        },
    )
    inputs = {p.relative_to(tmp_path).as_posix() for p in kustomize_inputs(tmp_path / "a")}
    assert inputs == {"a/kustomization.yaml", "b/kustomization.yaml"}
