"""The input digest changes with every input and with nothing else."""

from __future__ import annotations

import dataclasses

import pytest

from sbkube_ci.render.digest import InputDigestParts, major_minor, values_digest

BASE = InputDigestParts(
    app_type="helm",
    source_digest="sha256:src",
    tree_digest="sha256:tree",
    values_digest="sha256:values",
    release_name="web",
    namespace="shop",
    tool_version="v3.18.0",
    kube_version="1.33.0",
    api_versions=("a/v1", "b/v1"),
)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("app_type", "yaml"),
        ("source_digest", "sha256:other"),
        ("tree_digest", "sha256:other"),
        ("values_digest", "sha256:other"),
        ("release_name", "web2"),
        ("namespace", "other"),
        ("tool_version", "v4.0.0"),
        ("kube_version", "1.32.0"),
        ("api_versions", ("a/v1",)),
    ],
)
def test_every_part_changes_the_digest(field: str, value: object) -> None:
    assert dataclasses.replace(BASE, **{field: value}).digest() != BASE.digest()


def test_patch_versions_and_api_version_order_do_not_matter() -> None:
    same = dataclasses.replace(BASE, tool_version="v3.18.4", api_versions=("b/v1", "a/v1"))
    assert same.digest() == BASE.digest()
    assert major_minor("v3.18.0") == "3.18"


def test_values_digest_ignores_key_order() -> None:
    assert values_digest({"a": 1, "b": {"c": 2, "d": 3}}) == values_digest(
        {"b": {"d": 3, "c": 2}, "a": 1}
    )
    assert values_digest({"a": 1}) != values_digest({"a": "1"})


def test_values_with_mixed_key_types_have_a_digest() -> None:
    assert values_digest({1: "a", "b": 2}) == values_digest({"1": "a", "b": 2})
