"""Atomic writes: the whole new content or the old one, permissions set before the rename."""

from __future__ import annotations

from pathlib import Path

import pytest

from sbkube_ci._files import write_atomic


def test_text_and_bytes_replace_the_file_and_leave_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "plan.json"
    write_atomic(target, "first\r\nline ü\n")
    assert target.read_bytes() == "first\r\nline ü\n".encode()
    write_atomic(target, b"\x00second", durable=True)
    assert target.read_bytes() == b"\x00second"
    assert sorted(p.name for p in target.parent.iterdir()) == ["plan.json"]


def test_mode_is_applied(tmp_path: Path) -> None:
    target = tmp_path / "sbkube.lock"
    write_atomic(target, "x", mode=0o644)
    assert target.stat().st_mode & 0o777 == 0o644
    write_atomic(target, "y")
    assert target.stat().st_mode & 0o777 == 0o600


def test_a_failed_write_keeps_the_old_content(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        write_atomic(target, "\udcff")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]
