"""Every sbkube.yaml example in docs/config.md passes the schema (files aside)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sbkube_ci._yaml import read_text
from sbkube_ci.config.apps import APP_TYPES
from sbkube_ci.config.loader import check_document

DOCS = Path(__file__).resolve().parents[2] / "docs" / "config.md"
SECTIONS = {"metadata", "settings", "apps", "hooks", "clusters", "state", "notify", "diff"}
# Problems that depend on files and repositories the fragments do not bring along.
_CONTEXT = re.compile(r"does not exist|is not declared|not declared in settings")


def _blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", DOCS.read_text(), flags=re.S)


def _as_document(block: str) -> str | None:
    data = read_text(block, "docs.yaml").data
    if "apiVersion" in data:
        return block
    if set(data) <= SECTIONS:
        return "apiVersion: sbkube/v1\n" + block
    if all(isinstance(app, dict) and app.get("type") in APP_TYPES for app in data.values()):
        indented = "".join(f"  {line}\n" for line in block.splitlines())
        return "apiVersion: sbkube/v1\napps:\n" + indented
    return None  # legacy files and CI snippets


EXAMPLES = [text for text in map(_as_document, _blocks()) if text is not None]


def test_docs_have_examples() -> None:
    assert len(EXAMPLES) >= 15


@pytest.mark.parametrize("text", EXAMPLES)
def test_docs_example_is_valid(text: str) -> None:
    _, problems = check_document(read_text(text, "docs.yaml"), Path())
    assert [str(p) for p in problems if not _CONTEXT.search(p.message)] == []
