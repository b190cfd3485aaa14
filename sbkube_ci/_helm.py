"""Where helm keeps its state for sbkube-ci: under ``.sbkube/helm``, never the user's ~/.config.

Sources (pull, registry login), render (template) and deploy (upgrade, rollback) all run helm
with these homes and files, so a registry login made while preparing is the one a later helm
call sees.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

# The helm to run, when not the first `helm` on PATH: a name on PATH or a path. The Helm 3
# test job sets it to `helm3`; a user can too.
HELM_ENV = "SBKUBE_HELM"
# Lines of helm output that are never the message: hints, chart walk and config warnings.
_NOISE = ("Use --debug flag", "walk.go:", "WARNING:")


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


def helm_binary(major: int | None = None) -> str:
    """The helm to run: ``$SBKUBE_HELM``, else ``helm<major>`` when a major is asked for and
    on PATH (``settings.helm_version: 3`` finds ``helm3``), else ``helm``."""
    chosen = os.environ.get(HELM_ENV, "").strip()
    if chosen:
        return chosen
    if major is not None and shutil.which(f"helm{major}"):
        return f"helm{major}"
    return "helm"


def helm_major(version: str) -> int | None:
    """``v4.3.1+gc0d08d0`` -> 4; None when the text is no helm version."""
    match = re.match(r"v?(\d+)\.", version.strip())
    return int(match.group(1)) if match else None


def wrong_major(binary: str, version: str, wanted: int | None) -> str | None:
    """Why ``binary`` (at ``version``) cannot serve ``settings.helm_version``; None when fine."""
    if wanted is None or helm_major(version) == wanted:
        return None
    return (
        f"settings.helm_version is {wanted} but {binary} is {version}; install helm {wanted} "
        f"as helm{wanted} on PATH or point ${HELM_ENV} at it"
    )


def helm_message(stderr: str) -> str:
    """helm's own message in one line: its ``Error:`` lines (without that word), else its
    last meaningful line.

    Helm 4 continues an error on indented lines (``executing ... at <.Values.x>:`` then the
    cause); those are joined to their ``Error:`` line.
    """
    errors: list[str] = []
    others: list[str] = []
    for raw in stderr.splitlines():
        line = raw.strip()
        if not line or line.startswith(_NOISE):
            continue
        if line.startswith("Error:"):
            errors.append(line)
        elif errors and raw[:1].isspace() and not others:
            errors[-1] += f" {line}"
        else:
            others.append(line)
    chosen = [line.removeprefix("Error: ") for line in errors] or others[-1:]
    return " | ".join(chosen) if chosen else "(helm printed nothing)"
