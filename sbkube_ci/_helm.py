"""Where helm keeps its state for sbkube-ci: under ``.sbkube/helm``, never the user's ~/.config.

Sources (pull, registry login), render (template) and deploy (upgrade, rollback) all run helm
with these homes and files, so a registry login made while preparing is the one a later helm
call sees.
"""

from __future__ import annotations

from pathlib import Path


def registry_config(home: Path) -> Path:
    return home / "config" / "registry" / "config.json"


def isolated_env(home: Path) -> dict[str, str]:
    """helm's config, cache and data homes, and its registry and repository files, under
    ``home``."""
    return {
        "HELM_CONFIG_HOME": str(home / "config"),
        "HELM_CACHE_HOME": str(home / "cache"),
        "HELM_DATA_HOME": str(home / "data"),
        "HELM_REGISTRY_CONFIG": str(registry_config(home)),
        "HELM_REPOSITORY_CONFIG": str(home / "config" / "repositories.yaml"),
        "HELM_REPOSITORY_CACHE": str(home / "cache" / "repository"),
    }


def isolated_flags(home: Path) -> list[str]:
    """The same files as flags, for the helm commands that take them."""
    return [
        "--repository-config",
        str(home / "config" / "repositories.yaml"),
        "--repository-cache",
        str(home / "cache" / "repository"),
        "--registry-config",
        str(registry_config(home)),
    ]
