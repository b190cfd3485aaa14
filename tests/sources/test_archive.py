"""Archive members that could escape the chart directory are refused before anything is written."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from sbkube_ci.sources.archive import UnsafeArchive, extract_tgz


def _archive(path: Path, *members: tarfile.TarInfo) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        ok = tarfile.TarInfo("chart/Chart.yaml")
        ok.size = 5
        tar.addfile(ok, io.BytesIO(b"name\n"))
        for member in members:
            data = io.BytesIO(b"x" * member.size) if member.isfile() else None
            tar.addfile(member, data)
    return path


def _member(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    info.size = 1 if kind == tarfile.REGTYPE else 0
    return info


@pytest.mark.parametrize(
    ("member", "reason"),
    [
        (_member("chart/../../evil"), "points outside"),
        (_member("/etc/evil"), "points outside"),
        (_member("chart/link", tarfile.SYMTYPE, "../../../etc/passwd"), "symlink"),
        (_member("chart/abs", tarfile.SYMTYPE, "/etc/passwd"), "symlink"),
        (_member("chart/hard", tarfile.LNKTYPE, "../../etc/passwd"), "hardlink"),
        (_member("chart/dev", tarfile.CHRTYPE), "device"),
        (_member("chart/fifo", tarfile.FIFOTYPE), "FIFO"),
    ],
)
def test_unsafe_members_refused_nothing_extracted(
    tmp_path: Path, member: tarfile.TarInfo, reason: str
) -> None:
    archive = _archive(tmp_path / "a.tgz", member)
    dest = tmp_path / "out"
    with pytest.raises(UnsafeArchive, match=rf"^chart x: unsafe archive, .*{reason}"):
        extract_tgz(archive, dest, what="chart x")
    assert not dest.exists()


def test_links_inside_the_tree_are_fine(tmp_path: Path) -> None:
    archive = _archive(
        tmp_path / "a.tgz",
        _member("chart/values.yaml"),
        _member("chart/v", tarfile.SYMTYPE, "values.yaml"),
    )
    extract_tgz(archive, tmp_path / "out", what="chart x")
    assert (tmp_path / "out" / "chart" / "v").resolve() == (
        tmp_path / "out/chart/values.yaml"
    ).resolve()


def test_not_an_archive(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tgz"
    bad.write_bytes(b"<html>not found</html>")
    with pytest.raises(Exception, match=r"^chart x: not a readable \.tgz archive"):
        extract_tgz(bad, tmp_path / "out", what="chart x")
