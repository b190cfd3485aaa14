"""Fitting a report into a size budget without ever cutting inside a code fence.

A report is a head (title, totals, summary table: no fences) and one block per app, each with a
full form (the diff) and a short form (a one-line note). Largest diffs are shortened first, so
as many apps as possible keep their diff; only if every block is short and the report still
does not fit are blocks dropped from the end, and as a last resort the head is cut at a line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple


class Block(NamedTuple):
    full: str
    short: str


def size(text: str) -> int:
    """UTF-8 bytes: never fewer than the characters a comment API counts."""
    return len(text.encode("utf-8"))


def fit(
    head: str,
    blocks: Sequence[Block],
    budget: int,
    note: str,
    omitted: Callable[[int], str],
) -> str:
    """``head`` + blocks within ``budget``; ``note`` follows the head once anything is left
    out, ``omitted(n)`` ends the report when n blocks had to be dropped entirely."""
    chosen = [b.full for b in blocks]
    sizes = [size(text) for text in chosen]
    total = size(head) + sum(sizes)
    if total <= budget:
        return head + "".join(chosen)
    total += size(note)
    for index in sorted(range(len(blocks)), key=lambda i: sizes[i], reverse=True):
        if total <= budget:
            break
        short = blocks[index].short
        total += size(short) - sizes[index]
        chosen[index], sizes[index] = short, size(short)
    if total <= budget:
        return head + note + "".join(chosen)
    dropped = 0
    while chosen and total + size(omitted(dropped)) > budget:
        total -= sizes.pop()
        chosen.pop()
        dropped += 1
    tail = omitted(dropped) if dropped else ""
    if total + size(tail) <= budget:
        return head + note + "".join(chosen) + tail
    if size(note + tail) > budget:  # a budget too small for any note: the head, cut
        return cut(head, budget)
    return cut(head, budget - size(note + tail)) + note + tail


def cut(text: str, limit: int) -> str:
    """The longest prefix of ``text`` ending at a line break within ``limit`` bytes."""
    if size(text) <= limit:
        return text
    if limit <= 0:
        return ""
    prefix = text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")
    line_end = prefix.rfind("\n")
    return prefix[: line_end + 1] if line_end >= 0 else ""
