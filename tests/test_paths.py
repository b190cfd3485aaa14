"""Paths and symlinks that lead out of the project directory."""

from __future__ import annotations

from pathlib import Path

from sbkube_ci._paths import escape_problem, link_problem, outside_links


def _tree(tmp_path: Path) -> tuple[Path, Path]:
    base = tmp_path / "project"
    chart = base / "charts" / "web"
    (chart / "templates" / "deep").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("name: web\n")
    (tmp_path / "secret").write_text("token\n")
    (tmp_path / "elsewhere").mkdir()
    (base / "shared.yaml").write_text("a: 1\n")
    return base, chart


def test_links_that_leave_the_project_are_found_at_any_depth(tmp_path: Path) -> None:
    base, chart = _tree(tmp_path)
    (chart / "templates" / "deep" / "token.yaml").symlink_to(tmp_path / "secret")
    (chart / "outdir").symlink_to(tmp_path / "elsewhere")
    (chart / "shared.yaml").symlink_to(base / "shared.yaml")  # inside: fine
    (chart / "templates" / "loop").symlink_to(chart)  # a loop: not followed

    assert outside_links(chart, base) == [
        chart / "outdir",
        chart / "templates" / "deep" / "token.yaml",
    ]
    assert link_problem(base, "charts/web") == (
        "charts/web holds a symlink outdir (and 1 more) that points outside the project "
        "directory; replace it with the file itself"
    )


def test_a_clean_tree_and_a_missing_directory_have_none(tmp_path: Path) -> None:
    base, chart = _tree(tmp_path)
    assert outside_links(chart, base) == []
    assert outside_links(base / "gone", base) == []
    assert link_problem(base, "charts/web") is None


def test_paths_and_globs_that_escape(tmp_path: Path) -> None:
    base, _ = _tree(tmp_path)
    assert escape_problem(base, "charts/web/Chart.yaml") is None
    assert escape_problem(base, "../secret") == "../secret is outside the project directory"
    assert escape_problem(base, "charts/*/../../../secret") == (
        "charts/*/../../../secret leads outside the project directory ('..' after a wildcard)"
    )
    (base / "charts" / "leak.yaml").symlink_to(tmp_path / "secret")
    assert escape_problem(base, "charts/*.yaml") == (
        "charts/*.yaml matches leak.yaml, which is outside the project directory"
    )
