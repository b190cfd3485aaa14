"""``sbkube.lock``: stable, sorted, round-trips, written atomically only when it changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from sbkube_ci.errors import ConfigError
from sbkube_ci.sources.base import Pin
from sbkube_ci.sources.lockfile import HEADER, Lockfile, read_lock, write_lock

WEB = Pin(
    kind="helm_repo",
    source="https://charts.example.com/web",
    digest="sha256:" + "a" * 64,
    version="1.2.3",
    resolved_at="2026-01-02T03:04:05Z",
    extra={"url": "https://charts.example.com/web-1.2.3.tgz"},
    constraint="~1.2",
)
CFG = Pin(kind="git", source="git://h/r.git//m", digest="b" * 40, version="main", constraint="main")


def test_round_trip_is_exact(tmp_path: Path) -> None:
    lock = Lockfile({"web": WEB, "cfg": CFG})
    path = tmp_path / "sbkube.lock"
    assert write_lock(path, lock) is True
    assert read_lock(path) == lock
    assert Lockfile.from_text(lock.to_text()).to_text() == lock.to_text()


def test_text_is_sorted_with_header_and_fixed_field_order() -> None:
    text = Lockfile({"web": WEB, "cfg": CFG}).to_text()
    assert text.startswith(HEADER)
    body = text[len(HEADER) :]
    assert body.index("  cfg:") < body.index("  web:")
    web = body[body.index("  web:") :]
    keys = [line.split(":")[0].strip() for line in web.splitlines()[1:] if line.startswith("    ")]
    assert keys[:6] == ["kind", "source", "constraint", "version", "digest", "resolved_at"]
    assert Lockfile({"cfg": CFG, "web": WEB}).to_text() == text  # insertion order is irrelevant


def test_unchanged_lock_is_not_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "sbkube.lock"
    write_lock(path, Lockfile({"web": WEB}))
    stamp = path.stat().st_mtime_ns
    assert write_lock(path, Lockfile({"web": WEB})) is False
    assert path.stat().st_mtime_ns == stamp
    assert [p.name for p in tmp_path.iterdir()] == ["sbkube.lock"]  # no temp files left


def test_missing_file_is_an_empty_lock(tmp_path: Path) -> None:
    assert read_lock(tmp_path / "sbkube.lock") == Lockfile()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("lockVersion: 9\napps: {}\n", "lockVersion 9 is not 1"),
        ("lockVersion: 1\napps: [1]\n", "apps must be a mapping"),
        ("lockVersion: 1\napps:\n  web: {kind: x}\n", "apps.web: invalid entry"),
        ("lockVersion: 1\napps: {a: 1\n", "invalid YAML"),
    ],
)
def test_broken_lock_names_file_and_fix(text: str, message: str) -> None:
    with pytest.raises(
        ConfigError, match=rf"^sbkube\.lock.*{message}.*delete it and run sbkube-ci prepare"
    ):
        Lockfile.from_text(text)
