"""Whether to colour output: ``--color auto|always|never`` and the ``NO_COLOR`` convention."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TextIO

COLOR_MODES = ("auto", "always", "never")


def color_enabled(mode: str, stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """``always`` and ``never`` win; ``auto`` colours a terminal unless NO_COLOR is set.

    As no-color.org asks, a non-empty ``NO_COLOR`` turns colour off by default and an explicit
    ``--color always`` still turns it on.
    """
    env = os.environ if environ is None else environ
    if mode == "always":
        return True
    if mode == "never" or env.get("NO_COLOR", ""):
        return False
    if env.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def table(rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows as left-aligned columns separated by two spaces."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]


def plural(count: int, word: str) -> str:
    """``1 app``, ``2 apps``: a count in words, never ``1 apps``."""
    return f"{count} {word}{'' if count == 1 else 's'}"
