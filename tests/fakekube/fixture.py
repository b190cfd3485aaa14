"""The ``fake_kube`` pytest fixture: a fake API server on 127.0.0.1 and a kubeconfig for it.

Make it available with ``from tests.fakekube.fixture import fake_kube`` in a conftest.py, or
with ``pytest_plugins = ["tests.fakekube.fixture"]`` in the root conftest.py only (pytest
refuses ``pytest_plugins`` in deeper conftest files when the whole suite runs).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fakekube.server import FakeKubeServer


def kubeconfig(url: str, context: str = "fake") -> dict[str, Any]:
    """A kubeconfig document whose ``context`` points at ``url`` with a bearer token."""
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": context, "cluster": {"server": url}}],
        "users": [{"name": "deployer", "user": {"token": "fake-token"}}],
        "contexts": [{"name": context, "context": {"cluster": context, "user": "deployer"}}],
        "current-context": context,
    }


class FakeKube:
    """What a test sees: the URL, a kubeconfig file, the stored objects and fault switches."""

    def __init__(self, server: FakeKubeServer, kubeconfig_path: Path) -> None:
        self.server = server
        self.kubeconfig_path = kubeconfig_path

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def objects(self) -> list[dict[str, Any]]:
        """Every stored object, as a GET would return it."""
        return self.server.store.all()

    def get(self, kind: str, namespace: str | None, name: str) -> dict[str, Any] | None:
        """The stored object, or None."""
        return self.server.store.find(kind, namespace, name)

    def require(self, kind: str, namespace: str | None, name: str) -> dict[str, Any]:
        """The stored object; fails the test when it does not exist."""
        obj = self.get(kind, namespace, name)
        assert obj is not None, f"{kind} {namespace}/{name} is not stored"
        return obj

    def names(self, kind: str, namespace: str | None = None) -> list[str]:
        return sorted(
            o["metadata"]["name"]
            for o in self.objects
            if o["kind"] == kind and o["metadata"].get("namespace") == namespace
        )

    def set_status(
        self, kind: str, namespace: str | None, name: str, status: dict[str, Any]
    ) -> dict[str, Any]:
        """Set ``status`` as a controller would (e.g. a Deployment's available replicas)."""
        return self.server.store.set_status(kind, namespace, name, status)

    def forbid(self, verb: str, plural: str, namespace: str | None = None) -> None:
        """Answer 403 Forbidden (real Status shape) for ``verb`` on ``plural``."""
        self.server.forbid(verb, plural, namespace)

    def stop(self) -> None:
        """Make the server unreachable: its port refuses connections."""
        self.server.stop()

    def blackhole(self) -> None:
        """Make connecting time out, as to a firewalled or unroutable server."""
        self.server.blackhole()

    def hang(self, enabled: bool = True) -> None:
        """Accept connections but never answer (until ``hang(False)``)."""
        self.server.hang(enabled)

    def throttle(self, times: int, *, code: int = 429, retry_after: str | None = "1") -> None:
        """The next ``times`` requests are answered ``code`` with this Retry-After."""
        self.server.throttle(times, code=code, retry_after=retry_after)

    def auto_ready(self, enabled: bool = True) -> None:
        """Workloads report rolled out, and Jobs complete, right after every write."""
        self.server.store.auto_ready = enabled

    def set_crd_established_delay(self, seconds: float) -> None:
        """CRDs created from now on become Established only after ``seconds``."""
        self.server.store.crd_established_delay = seconds

    @property
    def requests(self) -> list[tuple[str, str]]:
        return self.server.requests


@pytest.fixture
def fake_kube(tmp_path: Path) -> Iterator[FakeKube]:
    server = FakeKubeServer()
    server.start()
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(kubeconfig(server.url)))
    try:
        yield FakeKube(server, path)
    finally:
        server.stop()
