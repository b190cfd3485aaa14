"""``sbkube.lock``: every remote source resolved to an exact, verifiable pin.

Committed by the user like a package lock. Apps are sorted by name and each entry's fields
come in a fixed order, so a change shows as a small diff; the file is written to a temp name
and renamed, and only when its content changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sbkube_ci._files import write_atomic
from sbkube_ci._yaml import read_text
from sbkube_ci.errors import ConfigError, YamlError
from sbkube_ci.sources.base import Pin

LOCK_NAME = "sbkube.lock"
LOCK_VERSION = 1
HEADER = (
    "# sbkube.lock: the exact source of every app, written by `sbkube-ci prepare`.\n"
    "# Commit this file. Change it with `sbkube-ci prepare --update [APP]`, not by hand.\n"
)
_REGENERATE = "fix it, or delete it and run sbkube-ci prepare to write it anew"
_FIELD_ORDER = ("kind", "source", "constraint", "version", "digest", "resolved_at", "extra")


@dataclass
class Lockfile:
    pins: dict[str, Pin] = field(default_factory=dict)

    def get(self, app: str) -> Pin | None:
        return self.pins.get(app)

    def to_text(self) -> str:
        apps = {}
        for name in sorted(self.pins):
            data = self.pins[name].as_dict()
            apps[name] = {key: data[key] for key in _FIELD_ORDER if key in data}
        body = {"lockVersion": LOCK_VERSION, "apps": apps}
        return HEADER + yaml.safe_dump(
            body, sort_keys=False, default_flow_style=False, allow_unicode=True, width=1000
        )

    @classmethod
    def from_text(cls, text: str, display: str = LOCK_NAME) -> Lockfile:
        try:
            data = read_text(text, display).data
        except YamlError as exc:
            raise ConfigError(f"{exc}; {_REGENERATE}") from exc
        if data.get("lockVersion") != LOCK_VERSION:
            raise ConfigError(
                f"{display}: lockVersion {data.get('lockVersion')!r} is not {LOCK_VERSION}; "
                f"{_REGENERATE}"
            )
        apps = data.get("apps") or {}
        if not isinstance(apps, dict):
            raise ConfigError(
                f"{display}: apps must be a mapping of app name to pin; {_REGENERATE}"
            )
        return cls({str(name): _pin(display, str(name), entry) for name, entry in apps.items()})


def _pin(display: str, name: str, entry: Any) -> Pin:
    try:
        if not isinstance(entry, dict):
            raise TypeError("not a mapping")
        return Pin.from_dict(entry)
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{display}: apps.{name}: invalid entry ({exc}); {_REGENERATE}") from exc


def read_lock(path: Path) -> Lockfile:
    """The lock at ``path``; an empty one when the file does not exist yet."""
    if not path.exists():
        return Lockfile()
    return Lockfile.from_text(path.read_text(encoding="utf-8"), path.name)


def write_lock(path: Path, lock: Lockfile) -> bool:
    """Write ``lock`` atomically; False (and nothing written) when the content is unchanged."""
    text = lock.to_text()
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    write_atomic(path, text, mode=0o644)
    return True
