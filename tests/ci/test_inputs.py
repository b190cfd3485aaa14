"""Action inputs as the container receives them (INPUT_* with hyphens kept, or underscores)."""

from __future__ import annotations

import pytest

from sbkube_ci.ci.inputs import Inputs, read_inputs
from sbkube_ci.errors import CIError


def test_defaults_match_action_yml() -> None:
    assert read_inputs({}) == Inputs()


def test_github_hyphenated_and_gitlab_underscored_names() -> None:
    github = read_inputs(
        {
            "INPUT_WORKING-DIRECTORY": "deploy",
            "INPUT_PLAN-PATH": "out/plan.json",
            "INPUT_CLUSTER": " prod, staging ,",
            "INPUT_COMMENT": "false",
            "INPUT_LIVE": "TRUE",
            "INPUT_JUNIT-PATH": "junit.xml",
            "INPUT_COMMAND": "Deploy",
            "INPUT_CONFIG": "sbkube.yaml",
        }
    )
    gitlab = read_inputs(
        {
            "INPUT_WORKING_DIRECTORY": "deploy",
            "INPUT_PLAN_PATH": "out/plan.json",
            "INPUT_CLUSTER": "prod,staging",
            "INPUT_COMMENT": "False",
            "INPUT_LIVE": "true",
            "INPUT_JUNIT_PATH": "junit.xml",
            "INPUT_COMMAND": "deploy",
            "INPUT_CONFIG": "sbkube.yaml",
        }
    )

    assert (
        github
        == gitlab
        == Inputs(
            command="deploy",
            config="sbkube.yaml",
            clusters=("prod", "staging"),
            working_directory="deploy",
            plan_path="out/plan.json",
            comment=False,
            junit_path="junit.xml",
            live=True,
        )
    )


def test_empty_inputs_fall_back_to_defaults() -> None:
    # GitHub passes every declared input, empty when the workflow leaves it unset
    assert read_inputs({"INPUT_COMMAND": "", "INPUT_WORKING-DIRECTORY": "  "}) == Inputs()


def test_bad_boolean_is_a_one_line_error() -> None:
    with pytest.raises(CIError, match="input comment: 'yes' is not a boolean; use true or false"):
        read_inputs({"INPUT_COMMENT": "yes"})


def test_unknown_command_lists_the_known_ones() -> None:
    with pytest.raises(CIError, match="'paln' is not a sbkube-ci command; use one of: validate"):
        read_inputs({"INPUT_COMMAND": "paln"})


def test_strict_reaches_the_invocation() -> None:
    assert read_inputs({"INPUT_STRICT": "true"}).strict is True
    assert read_inputs({}).strict is False
