"""What a kustomization reads: its directory and the bases, components and files it names."""

from __future__ import annotations

from pathlib import Path

from sbkube_ci.render.kustomize import kustomize_inputs
from tests.support.projects import write_files


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
        dedent=True,
    )
    found = kustomize_inputs(tmp_path / "overlay", root=tmp_path)
    inputs = {p.relative_to(tmp_path).as_posix() for p in found}
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
        dedent=True,
    )
    found = kustomize_inputs(tmp_path / "a", root=tmp_path)
    inputs = {p.relative_to(tmp_path).as_posix() for p in found}
    assert inputs == {"a/kustomization.yaml", "b/kustomization.yaml"}


def test_references_out_of_the_project_are_not_read(tmp_path: Path) -> None:
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.yaml").write_text("stolen: true\n")
    (tmp_path / "outside" / "kustomization.yaml").write_text("resources: [secret.yaml]\n")
    write_files(
        tmp_path / "project",
        {
            "overlay/kustomization.yaml": (
                "resources: [../../outside, ../../outside/secret.yaml]\n"
                "patches: [{path: /etc/passwd}]\n"
            ),
        },
        dedent=True,
    )
    project = tmp_path / "project"
    found = kustomize_inputs(project / "overlay", root=project)
    assert [p.relative_to(project).as_posix() for p in found] == ["overlay/kustomization.yaml"]
