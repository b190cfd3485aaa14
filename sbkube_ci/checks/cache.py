"""What the checks found per app, kept between runs: a warm plan re-checks only what changed.

One JSON file per cluster (``.sbkube/checks/<cluster>.json``). An app's static findings are
valid while its key (render digest, check settings, schema version, CRDs it depends on) is
unchanged; its random fields while its input digest is. A damaged file is ignored.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sbkube_ci._files import write_atomic

FORMAT = 1


@dataclass
class AppEntry:
    render_digest: str = ""
    has_crds: bool = False
    has_custom: bool = False
    key: str = ""
    findings: list[dict[str, Any]] = field(default_factory=list)
    random_input: str = ""
    random_fields: list[dict[str, Any]] = field(default_factory=list)
    random_findings: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ChecksCache:
    path: Path
    apps: dict[str, AppEntry] = field(default_factory=dict)
    dirty: bool = False

    @classmethod
    def load(cls, path: Path) -> ChecksCache:
        cache = cls(path)
        with contextlib.suppress(OSError, ValueError, TypeError, AttributeError):
            raw = json.loads(path.read_text(encoding="utf-8"))
            if raw.get("format") == FORMAT:
                cache.apps = {name: AppEntry(**entry) for name, entry in raw["apps"].items()}
        return cache

    def entry(self, app: str) -> AppEntry:
        return self.apps.setdefault(app, AppEntry())

    def save(self) -> None:
        if not self.dirty:
            return
        data = {"format": FORMAT, "apps": {k: vars(v) for k, v in sorted(self.apps.items())}}
        with contextlib.suppress(OSError):  # a cache that cannot be written costs time only
            write_atomic(self.path, json.dumps(data, separators=(",", ":")) + "\n")
