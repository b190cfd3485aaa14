"""Fitting into a budget: never over, never inside a fence, largest diffs shortened first."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sbkube_ci.diff.budget import Block, cut, fit, size
from tests.diff.fences import open_fence_at_end

HEAD = "<!-- marker -->\n## title\n\n| a | b |\n|---|---|\n| x | y |\n\n"
NOTE = "> some diffs left out\n\n"


def _omitted(count: int) -> str:
    return f"…and {count} more\n"


def _block(name: str, lines: int) -> Block:
    body = "\n".join(f"+line {i} of {name} ✓" for i in range(lines))
    return Block(f"<details>\n\n```diff\n{body}\n```\n</details>\n\n", f"- {name}: left out\n\n")


def test_everything_fits_untouched() -> None:
    blocks = [_block("a", 3), _block("b", 4)]
    full = HEAD + blocks[0].full + blocks[1].full
    assert fit(HEAD, blocks, size(full), NOTE, _omitted) == full


def test_one_byte_over_shortens_the_largest_block_and_adds_the_note() -> None:
    blocks = [_block("small", 3), _block("large", 40), _block("medium", 10)]
    full = HEAD + "".join(b.full for b in blocks)
    text = fit(HEAD, blocks, size(full) - 1, NOTE, _omitted)
    assert text == HEAD + NOTE + blocks[0].full + blocks[1].short + blocks[2].full


def test_a_single_huge_block_becomes_its_note() -> None:
    blocks = [_block("huge", 20_000)]
    text = fit(HEAD, blocks, 65_536, NOTE, _omitted)
    assert text == HEAD + NOTE + blocks[0].short


def test_many_small_blocks_keep_as_many_diffs_as_fit_then_drop_from_the_end() -> None:
    blocks = [_block(f"app{i}", 5) for i in range(5000)]
    text = fit(HEAD, blocks, 65_536, NOTE, _omitted)
    assert size(text) <= 65_536
    assert text.startswith(HEAD + NOTE)
    assert text.count("<details>") + text.count(": left out\n") < 5000
    assert text.endswith(" more\n")
    assert not open_fence_at_end(text)


def test_a_budget_below_the_head_cuts_the_head_at_a_line() -> None:
    text = fit(HEAD, [_block("a", 3)], 40, NOTE, _omitted)
    assert size(text) <= 40
    assert text == cut(HEAD, 40 - size(NOTE + _omitted(1))) + NOTE + _omitted(1)
    assert fit(HEAD, [_block("a", 3)], 5, NOTE, _omitted) == ""


def test_cut_respects_utf8_and_line_ends() -> None:
    assert cut("ab\ncd\n", 100) == "ab\ncd\n"
    assert cut("ab\ncd\n", 5) == "ab\n"
    assert cut("✓✓\n✓\n", 7) == "✓✓\n"
    assert cut("abc", 2) == ""


@settings(max_examples=150, deadline=None)
@given(
    lines=st.lists(st.integers(min_value=0, max_value=400), max_size=40),
    budget=st.integers(min_value=0, max_value=60_000),
)
def test_never_over_budget_and_never_inside_a_fence(lines: list[int], budget: int) -> None:
    blocks = [_block(f"app{i}", n) for i, n in enumerate(lines)]
    full = HEAD + "".join(b.full for b in blocks)
    text = fit(HEAD, blocks, budget, NOTE, _omitted)
    assert size(text) <= budget
    assert not open_fence_at_end(text)
    if size(full) <= budget:
        assert text == full
    elif budget >= size(HEAD + NOTE) + sum(size(b.short) for b in blocks):
        assert text.count(": left out") + text.count("<details>") == len(blocks)  # none dropped
