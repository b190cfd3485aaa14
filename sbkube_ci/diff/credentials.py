"""The project's masker: every credential the configuration can reach is masked everywhere.

Credentials are referenced, never written, in sbkube.yaml: ``${NAME}`` in credential fields and
headers, and ``*_env`` fields naming variables (webhook URLs, tokens, kubeconfig content). The
current values of all of them, plus ``diff.mask_env``, are registered with one ``Masker``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from typing import Any

from sbkube_ci.config.loader import Project
from sbkube_ci.diff.mask import Masker

STATE_KEY_ENV = "SBKUBE_STATE_KEY"
"""The age key of the state snapshots (``state.sealing.KEY_ENV``): never in a log either."""

_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def credential_variables(data: Any) -> set[str]:
    """Names of the environment variables the configuration refers to as credentials."""
    return set(_walk(data))


def _walk(node: Any, key: str = "") -> Iterator[str]:
    if isinstance(node, dict):
        for child_key, value in node.items():
            yield from _walk(value, str(child_key))
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item, key)
    elif isinstance(node, str):
        yield from _REFERENCE.findall(node)
        if key.endswith("_env") and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", node):
            yield node


def masked_values(project: Project, environ: Mapping[str, str] | None = None) -> list[str]:
    """The current values of every credential variable and ``diff.mask_env`` variable."""
    env = os.environ if environ is None else environ
    names = credential_variables(project.document.data) | set(project.config.diff.mask_env)
    values = {env[name] for name in names if env.get(name)}
    state_key = env.get(STATE_KEY_ENV, "")  # each identity, not age-keygen's comment lines
    values |= {w for w in state_key.split() if w.upper().startswith("AGE-SECRET-KEY-")}
    return sorted(v for v in values if v)


def build_masker(project: Project, environ: Mapping[str, str] | None = None) -> Masker:
    """A masker for ``project``: ``masked_values`` (also handed to the CI's log masking)."""
    return Masker(masked_values(project, environ), mask_env=project.config.diff.mask_env)
