"""A CommonMark-style fence checker: is every code fence of a report closed?"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")


def open_fence_at_end(text: str) -> bool:
    """True if ``text`` ends inside a fenced code block."""
    opened: str | None = None
    for line in text.splitlines():
        match = _FENCE.match(line)
        if not match:
            continue
        fence, rest = match.groups()
        if opened is None:
            opened = fence
        elif fence[0] == opened[0] and len(fence) >= len(opened) and not rest.strip():
            opened = None
    return opened is not None


def fenced_contents(text: str) -> list[str]:
    """The contents of every fenced block, as a renderer would read them."""
    blocks: list[str] = []
    opened: str | None = None
    current: list[str] = []
    for line in text.splitlines():
        match = _FENCE.match(line)
        if opened is None:
            if match:
                opened, current = match.group(1), []
            continue
        closes = match and match.group(1)[0] == opened[0] and len(match.group(1)) >= len(opened)
        if match and closes and not match.group(2).strip():
            blocks.append("\n".join(current))
            opened = None
            continue
        current.append(line)
    return blocks
