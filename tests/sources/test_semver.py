"""Version ranges as chart authors write them, prereleases excluded unless asked."""

from __future__ import annotations

import pytest

from sbkube_ci.sources.semver import InvalidVersion, Range, Version, nearest, parse_versions

AVAILABLE = parse_versions(
    [
        "0.2.3",
        "0.2.9",
        "0.3.0",
        "1.0.0",
        "1.2.0",
        "1.2.5",
        "1.3.0-rc.1",
        "1.3.0",
        "2.0.0",
        "2.5.1",
        "3.0.0-alpha",
    ]
)


@pytest.mark.parametrize(
    ("text", "best"),
    [
        ("", "2.5.1"),
        ("*", "2.5.1"),
        ("1.2.5", "1.2.5"),
        ("=1.2.0", "1.2.0"),
        ("v1.2.0", "1.2.0"),
        ("~1.2", "1.2.5"),
        ("~1.2.1", "1.2.5"),
        ("~1", "1.3.0"),
        ("^1.2", "1.3.0"),
        ("^0.2.3", "0.2.9"),
        ("^0.3", "0.3.0"),
        (">=2 <3", "2.5.1"),
        (">= 2, < 3", "2.5.1"),
        ("1.2.x", "1.2.5"),
        ("1.x", "1.3.0"),
        ("1.2", "1.2.5"),
        ("<1 || >=2.1", "2.5.1"),
        ("1.0 - 1.2", "1.2.5"),
        (">1.2 <2", "1.3.0"),
        ("!=2.5.1", "2.0.0"),
        ("!=2", "1.3.0"),
        (">=1.3.0-0 <1.4", "1.3.0"),
        ("1.3.0-rc.1", "1.3.0-rc.1"),
        (">=3.0.0-alpha", "3.0.0-alpha"),
        (">=4", None),
    ],
)
def test_best_match(text: str, best: str | None) -> None:
    found = Range.parse(text).best(AVAILABLE)
    assert (str(found) if found else None) == best


def test_prereleases_sort_before_release() -> None:
    order = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0",
    ]
    assert [str(v) for v in parse_versions(reversed(order))] == order


def test_invalid() -> None:
    with pytest.raises(InvalidVersion):
        Range.parse("banana")
    with pytest.raises(InvalidVersion):
        Version.parse("1.2.3.4")


def test_nearest() -> None:
    assert nearest("1.4.0", ["1.0.0", "1.2.0", "1.3.0", "2.0.0", "2.1.0", "5.0.0", "x"], 4) == [
        "1.2.0",
        "1.3.0",
        "2.0.0",
        "2.1.0",
    ]
    assert nearest("~9", ["1.0.0", "2.0.0"]) == ["1.0.0", "2.0.0"]
    assert nearest("1.0", []) == []
