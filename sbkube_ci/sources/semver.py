"""Semantic versions and the ranges chart authors write (``~1.2``, ``^1.2``, ``>=2 <3``, ``1.2.x``).

The syntax follows Helm's (Masterminds semver): comparators separated by spaces or commas must
all hold, alternatives are joined with ``||``. Prereleases never satisfy a range unless one of
its comparators names a prerelease itself, so ``^1.2`` does not pick ``1.3.0-rc.1``.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from functools import total_ordering

_VERSION = re.compile(
    r"^v?(?P<major>0|[1-9]\d*)(?:\.(?P<minor>0|[1-9]\d*|[xX*]))?(?:\.(?P<patch>0|[1-9]\d*|[xX*]))?"
    r"(?:-(?P<pre>[0-9A-Za-z.-]+))?(?:\+(?P<build>[0-9A-Za-z.-]+))?$"
)
_COMPARATOR = re.compile(r"^(?P<op>>=|<=|!=|==|=|>|<|~>|~|\^)?\s*(?P<version>\S+)$")
_WILDCARDS = {"x", "X", "*"}


class InvalidVersion(ValueError):
    """Not a semantic version or range."""


@total_ordering
@dataclass(frozen=True)
class Version:
    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()
    text: str = ""

    @classmethod
    def parse(cls, text: str) -> Version:
        """A full or partial (``1``, ``1.2``) version; missing parts are 0."""
        match = _VERSION.match(text.strip())
        if not match or any(match.group(p) in _WILDCARDS for p in ("minor", "patch")):
            raise InvalidVersion(f"{text!r} is not a semantic version")
        pre = match.group("pre")
        return cls(
            int(match.group("major")),
            int(match.group("minor") or 0),
            int(match.group("patch") or 0),
            tuple(pre.split(".")) if pre else (),
            text.strip(),
        )

    def _key(self) -> tuple[int, int, int, int, tuple[tuple[int, int, str], ...]]:
        # A release sorts after its prereleases; numeric identifiers before alphanumeric.
        pre = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.prerelease)
        return (self.major, self.minor, self.patch, 0 if self.prerelease else 1, pre)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() < other._key()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Version) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __str__(self) -> str:
        return self.text or f"{self.major}.{self.minor}.{self.patch}"


Bound = tuple[str, Version]  # (operator, version) with operator in >=, >, <, <=, =, !=


def _partial(text: str) -> tuple[int, int | None, int | None, tuple[str, ...]]:
    match = _VERSION.match(text)
    if not match:
        raise InvalidVersion(f"{text!r} is not a version")
    minor, patch = match.group("minor"), match.group("patch")
    minor_n = None if minor is None or minor in _WILDCARDS else int(minor)
    patch_n = None if minor_n is None or patch is None or patch in _WILDCARDS else int(patch)
    pre = match.group("pre")
    return int(match.group("major")), minor_n, patch_n, tuple(pre.split(".")) if pre else ()


def _bounds(op: str, text: str) -> list[Bound]:
    """One comparator as lower/upper bounds (``~1.2`` is ``>=1.2.0 <1.3.0``)."""
    if text in _WILDCARDS:
        return []
    major, minor, patch, pre = _partial(text)
    low = Version(major, minor or 0, patch or 0, pre)
    if op in {"~", "~>"}:
        upper = Version(major + 1, 0, 0) if minor is None else Version(major, minor + 1, 0)
        return [(">=", low), ("<", upper)]
    if op == "^":
        if major > 0 or minor is None:
            upper = Version(major + 1, 0, 0)
        elif minor > 0 or patch is None:
            upper = Version(0, minor + 1, 0)
        else:
            upper = Version(0, 0, (patch or 0) + 1)
        return [(">=", low), ("<", upper)]
    if minor is None or patch is None:  # a partial version is a wildcard: 1.2 means 1.2.x
        upper = Version(major + 1, 0, 0) if minor is None else Version(major, minor + 1, 0)
        return {
            "": [(">=", low), ("<", upper)],
            "=": [(">=", low), ("<", upper)],
            "==": [(">=", low), ("<", upper)],
            ">": [(">=", upper)],
            ">=": [(">=", low)],
            "<": [("<", low)],
            "<=": [("<", upper)],
            "!=": [("!=M" if minor is None else "!=m", low)],
        }[op]
    return [({"": "=", "==": "="}.get(op, op), low)]


def _holds(op: str, version: Version, bound: Version) -> bool:
    return {
        "=": version == bound,
        "!=": version != bound,
        ">": version > bound,
        ">=": version >= bound,
        "<": version < bound,
        "<=": version <= bound,
    }[op]


@dataclass(frozen=True)
class Range:
    """A parsed version range; ``Range.parse("")`` accepts every stable version."""

    alternatives: tuple[tuple[Bound, ...], ...]
    allow_prerelease: bool
    text: str = ""

    @classmethod
    def parse(cls, text: str) -> Range:
        alternatives: list[tuple[Bound, ...]] = []
        prerelease = False
        for alternative in (text or "*").split("||"):
            part = re.sub(r"(>=|<=|!=|==|~>|[=><~^])\s+", r"\1", alternative.strip())
            part = re.sub(r"^(\S+)\s+-\s+(\S+)$", r">=\1 <=\2", part)
            bounds: list[Bound] = []
            for token in re.split(r"[\s,]+", part):
                if not token:
                    continue
                match = _COMPARATOR.match(token)
                if not match:
                    raise InvalidVersion(f"{token!r} is not a version comparator")
                prerelease = prerelease or "-" in match.group("version")
                bounds += _bounds(match.group("op") or "", match.group("version"))
            alternatives.append(tuple(bounds))
        return cls(tuple(alternatives), prerelease, text)

    def __contains__(self, version: Version) -> bool:
        if version.prerelease and not self.allow_prerelease:
            return False
        return any(all(self._check(b, version) for b in alt) for alt in self.alternatives)

    @staticmethod
    def _check(bound: Bound, version: Version) -> bool:
        op, limit = bound
        if op == "!=M":  # "!= 1": any major but 1
            return version.major != limit.major
        if op == "!=m":  # "!= 1.2": outside 1.2.x
            return (version.major, version.minor) != (limit.major, limit.minor)
        return _holds(op, version, limit)

    def best(self, versions: Iterable[Version]) -> Version | None:
        """The highest version in the range, or None."""
        matching = [v for v in versions if v in self]
        return max(matching) if matching else None


def parse_versions(texts: Iterable[str]) -> list[Version]:
    """The texts that are semantic versions, parsed and sorted ascending; the rest dropped."""
    parsed = []
    for text in texts:
        try:
            parsed.append(Version.parse(text))
        except InvalidVersion:
            continue
    return sorted(parsed)


def nearest(wanted: str, available: Iterable[str], count: int = 5) -> list[str]:
    """Up to ``count`` available versions closest to ``wanted`` (for "not found" errors)."""
    versions = parse_versions(available)
    if not versions:
        return []
    anchor = re.search(r"\d+(?:\.\d+){0,2}", wanted or "")
    pivot = versions[-1]
    if anchor:
        major, minor, patch, _ = _partial(anchor.group(0))
        pivot = Version(major, minor or 0, patch or 0)
    index = bisect_left(versions, pivot)
    start = max(0, min(index - count // 2, len(versions) - count))
    return [str(v) for v in versions[start : start + count]]
