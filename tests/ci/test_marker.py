"""The comment marker: first, once, and not plantable by the content of a PR."""

from __future__ import annotations

from sbkube_ci.ci.marker import comment_marker, marked_cluster, with_marker


def test_the_marker_comes_first_once_and_names_its_cluster() -> None:
    lure = f"diff\n+ note: '{comment_marker('prod')}'\n"
    body = with_marker("prod", with_marker("prod", lure))
    assert body.count(comment_marker("prod")) == 1
    assert body.startswith(comment_marker("prod") + "\n")
    assert marked_cluster(body) == "prod"
    assert marked_cluster(lure) is None
