"""helm's own message, picked out of its stderr, and helm's isolated directories."""

from __future__ import annotations

from pathlib import Path

from sbkube_ci._helm import helm_message
from sbkube_ci.render.helm import Helm
from sbkube_ci.render.tools import ToolVersions


def test_helm_message_keeps_error_lines_and_drops_hints() -> None:
    stderr = (
        "walk.go:75: found symbolic link in path: /x resolves to /y\n"
        "Error: template: web/templates/cm.yaml:6:21: executing ... nil pointer\n"
        "Use --debug flag to render out invalid YAML\n"
    )
    assert helm_message(stderr) == (
        "template: web/templates/cm.yaml:6:21: executing ... nil pointer"
    )


def test_helm_message_without_error_lines_uses_the_last_line() -> None:
    assert helm_message("first\nsecond\n\n") == "second"
    assert helm_message("") == "(helm printed nothing)"


def test_helm_directories_are_sbkube_cis_own(tmp_path: Path) -> None:
    helm = Helm(tmp_path / "helm", ToolVersions(tmp_path / "cache"), timeout=60)
    env = helm.env()
    assert set(env) == {
        "HELM_CONFIG_HOME",
        "HELM_CACHE_HOME",
        "HELM_DATA_HOME",
        "HELM_REGISTRY_CONFIG",
        "HELM_REPOSITORY_CONFIG",
        "HELM_REPOSITORY_CACHE",
    }
    assert all(value.startswith(str(tmp_path / "helm")) for value in env.values())
    flags = helm.global_flags()
    assert flags[::2] == ["--repository-config", "--repository-cache", "--registry-config"]
    assert all(value.startswith(str(tmp_path / "helm")) for value in flags[1::2])


def test_helm_version_is_remembered_per_binary(tmp_path: Path) -> None:
    tools = ToolVersions(tmp_path)
    asked: list[str] = []

    def ask(path: str) -> str:
        asked.append(path)
        return "v3.18.0"

    assert tools.version("helm", ask) == "v3.18.0"
    assert ToolVersions(tmp_path).version("helm", ask) == "v3.18.0"  # a later run
    assert len(asked) == 1
