"""detect(): the adapter for the environment the job runs in."""

from __future__ import annotations

import io

import pytest

from sbkube_ci.ci.base import Annotation
from sbkube_ci.ci.github import GitHubAdapter
from sbkube_ci.ci.gitlab import GitLabAdapter
from sbkube_ci.ci.local import LocalAdapter
from sbkube_ci.ci.registry import ADAPTERS, detect
from sbkube_ci.errors import CIError


@pytest.mark.parametrize(
    ("environ", "kind"),
    [
        ({"GITHUB_ACTIONS": "true"}, GitHubAdapter),
        ({"GITLAB_CI": "true", "CI_PIPELINE_SOURCE": "push"}, GitLabAdapter),
        ({}, LocalAdapter),
        ({"GITHUB_ACTIONS": "true", "SBKUBE_CI_PLATFORM": "local"}, LocalAdapter),
    ],
)
def test_detect(environ: dict[str, str], kind: type) -> None:
    assert type(detect(environ, stream=io.StringIO())) is kind


def test_unknown_forced_platform_lists_the_known_ones() -> None:
    with pytest.raises(CIError, match="'jenkins': unknown platform; use one of: github, gitlab"):
        detect({"SBKUBE_CI_PLATFORM": "jenkins"})


def test_registry_names_match_the_adapters() -> None:
    assert {name: cls.name for name, cls in ADAPTERS.items()} == {
        "github": "github",
        "gitlab": "gitlab",
        "local": "local",
    }


def test_local_adapter_prints_outputs_and_annotations() -> None:
    stream = io.StringIO()
    local = LocalAdapter({}, stream=stream)

    local.write_outputs({"has_changes": "true", "summary": "2 apps change\nmore"})
    local.annotate(Annotation("unknown key", file="sbkube.yaml", line=3, column=5))
    outcome = local.publish_comment("prod", "body", has_changes=True)

    assert stream.getvalue().splitlines() == [
        "has_changes=true",
        "summary=2 apps change",
        "error: sbkube.yaml:3:5: unknown key",
    ]
    assert outcome.action == "skipped"
