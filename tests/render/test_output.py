"""The rendered directory: atomic files, an index that recognises untouched files."""

from __future__ import annotations

import json
from pathlib import Path

from sbkube_ci.render.output import INDEX, RenderedDir


def test_up_to_date_only_while_the_file_is_untouched(tmp_path: Path) -> None:
    out = RenderedDir(tmp_path / "prod")
    out.write("web", "sha256:in", "sha256:out", "---\nkind: A\n")
    out.save()
    again = RenderedDir(tmp_path / "prod")
    assert again.up_to_date("web", "sha256:in", "sha256:out")
    assert not again.up_to_date("web", "sha256:other", "sha256:out")
    (tmp_path / "prod/web.yaml").write_text("---\nkind: B, edited by hand\n")
    assert not again.up_to_date("web", "sha256:in", "sha256:out")


def test_remove_except_and_forget(tmp_path: Path) -> None:
    out = RenderedDir(tmp_path / "prod")
    for app in ("a", "b", "c"):
        out.write(app, "in", "out", "---\n")
    out.forget("c")
    removed = out.remove_except({"a"})
    out.save()
    assert removed == ["b"]
    assert sorted(p.name for p in (tmp_path / "prod").iterdir()) == ["a.yaml", INDEX]
    assert list(json.loads((tmp_path / "prod" / INDEX).read_text())) == ["a"]
