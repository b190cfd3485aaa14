"""Values merging: deep maps, replaced lists, dotted keys, the legacy key=value form."""

from __future__ import annotations

from pathlib import Path

import pytest

from sbkube_ci.errors import RenderError
from sbkube_ci.render.values import (
    ValuesFiles,
    deep_merge,
    nest_dotted,
    parse_legacy_pairs,
    set_values_layer,
    split_dotted,
)


def test_deep_merge_merges_maps_and_replaces_lists() -> None:
    base = {"a": {"b": 1, "c": [1, 2]}, "d": "x"}
    merged = deep_merge(base, {"a": {"c": [3], "e": None}, "d": {"now": "a map"}})
    assert merged == {"a": {"b": 1, "c": [3], "e": None}, "d": {"now": "a map"}}
    assert base == {"a": {"b": 1, "c": [1, 2]}, "d": "x"}  # the input is not changed


def test_dotted_keys_nest_and_merge() -> None:
    assert nest_dotted({"a.b.c": 1, "a.b.d": 2, "x": {"y": 3}}) == {
        "a": {"b": {"c": 1, "d": 2}},
        "x": {"y": 3},
    }


def test_escaped_dots_stay_in_the_key() -> None:
    assert split_dotted(r"podAnnotations.prometheus\.io/scrape") == [
        "podAnnotations",
        "prometheus.io/scrape",
    ]
    with pytest.raises(ValueError, match="empty segment"):
        split_dotted("a..b")


def test_legacy_pairs_are_typed_like_helm_set() -> None:
    assert parse_legacy_pairs(["a.b=1", "c=true", "d=text", "e=1.5", "f=a=b"]) == {
        "a.b": 1,
        "c": True,
        "d": "text",
        "e": 1.5,
        "f": "a=b",
    }
    assert set_values_layer(["a.b=1"], "apps.x.set_values") == {"a": {"b": 1}}


def test_bad_dotted_key_names_where() -> None:
    with pytest.raises(RenderError, match=r"apps\.x\.set_values: 'a\.' has an empty segment"):
        set_values_layer({"a.": 1}, "apps.x.set_values")


def test_values_files_parse_once_and_report_errors(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("a: 1\n")
    same = tmp_path / "same.yaml"
    same.write_text("a: 1\n")
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing here\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [1\n")
    files = ValuesFiles()
    assert files.read(good, "good.yaml") == {"a": 1}
    assert files.read(same, "same.yaml") is files.read(good, "good.yaml")
    assert files.read(empty, "empty.yaml") == {}
    with pytest.raises(RenderError, match=r"^bad\.yaml:2:1: invalid YAML"):
        files.read(bad, "bad.yaml")
    with pytest.raises(RenderError, match=r"missing\.yaml: values file not found"):
        files.read(tmp_path / "missing.yaml", "missing.yaml")


def test_values_nested_deeper_than_the_yaml_limit_are_one_error(tmp_path: Path) -> None:
    """The fast reader takes ~1000 levels; merging and digests would hit a RecursionError."""
    deep = tmp_path / "deep.yaml"
    deep.write_text("x: " + "[" * 995 + "]" * 995 + "\n")
    with pytest.raises(RenderError, match=r"^values/deep\.yaml: nesting is deeper than 200"):
        ValuesFiles().read(deep, "values/deep.yaml")


def test_a_set_values_key_nested_too_deep_is_one_error() -> None:
    key = ".".join(["a"] * 999)
    with pytest.raises(RenderError, match=r"^apps\.web\.set_values: a key nests deeper than 200"):
        set_values_layer({key: 1, key + "b": 2}, "apps.web.set_values")
