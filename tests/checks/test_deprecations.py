"""Deprecated and removed API versions, from the data table, for the target version."""

from __future__ import annotations

from importlib import resources

from sbkube_ci.checks.deprecations import DATA, check_object, load_table

TABLE = load_table()
PDB = {"apiVersion": "policy/v1beta1", "kind": "PodDisruptionBudget", "metadata": {"name": "x"}}


def test_an_api_removed_in_the_target_version_is_an_error() -> None:
    assert check_object(TABLE, PDB, (1, 25)) == (
        "error",
        "policy/v1beta1 PodDisruptionBudget was removed in 1.25; use policy/v1 "
        "(an empty spec.selector selects every pod in the namespace in policy/v1)",
    )


def test_an_api_deprecated_but_still_served_is_a_warning() -> None:
    severity, message = check_object(TABLE, PDB, (1, 24)) or ("", "")
    assert severity == "warning"
    assert message.startswith(
        "policy/v1beta1 PodDisruptionBudget is deprecated and removed in 1.25"
    )


def test_before_the_replacement_exists_there_is_nothing_to_say() -> None:
    assert check_object(TABLE, PDB, (1, 20)) is None


def test_without_a_target_version_a_listed_api_is_a_warning() -> None:
    assert (check_object(TABLE, PDB, None) or ("", ""))[0] == "warning"


def test_current_apis_pass() -> None:
    pdb = {**PDB, "apiVersion": "policy/v1"}
    assert check_object(TABLE, pdb, (1, 33)) is None


def test_the_table_names_its_source() -> None:
    text = resources.files("sbkube_ci.checks").joinpath(DATA).read_text()
    assert "source: https://kubernetes.io/docs/reference/using-api/deprecation-guide/" in text
