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

import yaml

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
    return secret_values(project.document.data, environ)


def secret_values(data: Any, environ: Mapping[str, str] | None = None) -> list[str]:
    """``masked_values`` from the raw document: usable before the configuration is checked.

    A kubeconfig (``kubeconfig_env``) contributes its secret fields, not its every line:
    masking ``apiVersion: v1`` or a server URL would blank them out of every log.
    """
    env = os.environ if environ is None else environ
    names = credential_variables(data) | _mask_env(data)
    kubeconfigs = _kubeconfig_variables(data)
    found: set[str] = set()
    for name in names:
        value = env.get(name)
        if value:
            found.update(kubeconfig_secrets(value) if name in kubeconfigs else [value])
    state_key = env.get(STATE_KEY_ENV, "")  # each identity, not age-keygen's comment lines
    found |= {w for w in state_key.split() if w.upper().startswith("AGE-SECRET-KEY-")}
    return sorted(found)


def _mask_env(data: Any) -> set[str]:
    names = data.get("diff", {}).get("mask_env") if isinstance(data.get("diff"), dict) else None
    return {_REFERENCE.sub(r"\1", n) for n in names or [] if isinstance(n, str)}


def _kubeconfig_variables(data: Any) -> set[str]:
    clusters = data.get("clusters")
    return {
        _REFERENCE.sub(r"\1", cluster["kubeconfig_env"])
        for cluster in (clusters.values() if isinstance(clusters, dict) else [])
        if isinstance(cluster, dict) and isinstance(cluster.get("kubeconfig_env"), str)
    }


#: kubeconfig fields that hold a credential (users[].user, auth-provider config, exec env)
KUBECONFIG_SECRET_KEYS = frozenset(
    {
        "token",
        "password",
        "client-key-data",
        "client-certificate-data",
        "id-token",
        "refresh-token",
        "access-token",
        "client-secret",
    }
)


def kubeconfig_secrets(content: str) -> list[str]:
    """The secret fields of a kubeconfig; all of its lines when it is not a kubeconfig."""
    try:
        documents = list(yaml.safe_load_all(content))
    except yaml.YAMLError:
        documents = []
    if not documents or not all(isinstance(d, dict) for d in documents):
        return [line.strip() for line in content.splitlines() if line.strip()]
    found: list[str] = []
    stack: list[Any] = list(documents)
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key in KUBECONFIG_SECRET_KEYS and isinstance(value, str) and value:
                    found.append(value)
                else:
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    return found


def build_masker(project: Project, environ: Mapping[str, str] | None = None) -> Masker:
    """A masker for ``project``: ``masked_values`` (also handed to the CI's log masking)."""
    return Masker(masked_values(project, environ), mask_env=project.config.diff.mask_env)
