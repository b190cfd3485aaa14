"""What a long step is doing, while it does it: per-app status, lock waits, API retries.

One small interface (``base.Progress``), three ways to show it, picked by ``progress_for``:
a terminal gets the live display (``live``, built on rich), a CI log plain lines in
collapsible sections, anything else nothing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TextIO

from sbkube_ci.progress.base import (
    MODES,
    MaskedProgress,
    Outcome,
    PlainProgress,
    Progress,
    StageState,
    duration,
    first_line,
    sections_for,
)

__all__ = [
    "MaskedProgress",
    "Outcome",
    "PlainProgress",
    "Progress",
    "StageState",
    "duration",
    "first_line",
    "progress_for",
    "sections_for",
]


def progress_for(
    stream: TextIO, environ: Mapping[str, str] | None = None, *, color: bool = True
) -> Progress:
    """The reporter for ``stream``: live on a terminal, plain lines in CI, else none.

    ``SBKUBE_PROGRESS=live|plain|none`` overrides the choice (``auto`` is the default).
    """
    env = os.environ if environ is None else environ
    mode = env.get("SBKUBE_PROGRESS", "auto").strip().lower() or "auto"
    if mode not in MODES:
        mode = "auto"
    if mode == "auto":
        if _is_tty(stream) and env.get("TERM") != "dumb":
            mode = "live"
        elif sections_for(env) != "none":
            mode = "plain"
        else:
            mode = "none"
    if mode == "live":
        from sbkube_ci.progress.live import LiveProgress  # noqa: PLC0415 (rich: only on a TTY)

        return LiveProgress.for_stream(stream, color=color)
    if mode == "plain":
        return PlainProgress(stream, sections=sections_for(env))
    return Progress()


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
