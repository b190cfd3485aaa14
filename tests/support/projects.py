"""Projects for the tests: an sbkube.yaml of yaml apps wired to fake API servers, chart copies.

``project`` (a fixture for the whole suite) is a DeployProject in ``tmp_path/repo`` on the
``fake_kube`` cluster ``prod``, objects ready at once and namespace ``shop`` there; modules
whose project differs build theirs with ``deploy_project``.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from sbkube_ci.commands.deploy import DeployReport, DeployRequest, run_deploy
from sbkube_ci.config.loader import Project, check_document, load_project, read_document
from sbkube_ci.state import StateBackend, open_backend
from sbkube_ci.state.identity import Identity
from tests.fakekube.fixture import FakeKube
from tests.support.cluster import kube_apply
from tests.support.objects import namespace

CHARTS = Path(__file__).resolve().parents[1] / "data" / "charts"
CHART_NAMES = ("cert-manager", "grafana", "ingress-nginx", "kube-prometheus-stack")


class DeployProject:
    """An sbkube.yaml in ``root`` with yaml apps whose manifests the test rewrites."""

    def __init__(self, root: Path, kubeconfigs: Mapping[str, Path | None]) -> None:
        self.root = root
        self.kubeconfigs = dict(kubeconfigs)
        self.apps: dict[str, dict[str, Any]] = {}
        self.extra: dict[str, Any] = {"state": {"backend": "local", "lock": {"wait": "0s"}}}
        self.settings: dict[str, Any] = {"namespace": "shop"}
        self.cluster_fields: dict[str, dict[str, Any]] = {}

    def app(
        self,
        name: str,
        objects: Sequence[dict[str, Any]],
        *,
        depends_on: Sequence[str] = (),
        **fields: Any,
    ) -> None:
        (self.root / "manifests").mkdir(parents=True, exist_ok=True)
        (self.root / "manifests" / f"{name}.yaml").write_text(yaml.safe_dump_all(objects))
        self.apps[name] = {
            "type": "yaml",
            "manifests": [f"manifests/{name}.yaml"],
            **({"depends_on": list(depends_on)} if depends_on else {}),
            **fields,
        }

    def notify_webhook(self, url_env: str = "HOOK_URL") -> None:
        """Notify a generic webhook (the ``webhook`` fixture's) of every event."""
        self.extra["notify"] = {"hook": {"type": "webhook", "url_env": url_env}}

    def write(self) -> None:
        clusters = {
            name: {
                **({"kubeconfig": str(path)} if path is not None else {}),
                **self.cluster_fields.get(name, {}),
            }
            for name, path in self.kubeconfigs.items()
        }
        document = {
            "apiVersion": "sbkube/v1",
            "settings": self.settings,
            "clusters": clusters,
            "apps": self.apps,
            **self.extra,
        }
        (self.root / "sbkube.yaml").write_text(yaml.safe_dump(document, sort_keys=False))

    def load(self) -> Project:
        self.write()
        return load_project(self.root)

    def backend(self, actor: str = "alice") -> StateBackend:
        return open_backend(self.load(), identity=Identity(actor, "pid 1", ""))

    @contextmanager
    def lock_held_by(self, actor: str) -> Iterator[StateBackend]:
        """Cluster ``prod`` locked by ``actor`` ("manual fix") for the block; yields the state
        as ``actor`` sees it. The release at the end fails if someone took the lock over."""
        other = self.backend(actor=actor)
        handle = other.acquire_lock("prod", reason="manual fix")
        yield other
        other.release_lock(handle)

    def deploy(self, **options: Any) -> tuple[DeployReport, list[str]]:
        lines: list[str] = []
        request = DeployRequest(**options)
        report = run_deploy(self.load(), request, echo=lines.append, backend=self.backend())
        return report, lines


def write_files(root: Path, files: Mapping[str, str], *, dedent: bool = False) -> Path:
    """Write ``files`` (relative path: text) under ``root``, making the directories.

    ``dedent``: the texts are indented literals; dedent them and drop their first newline.
    """
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n") if dedent else text, encoding="utf-8")
    return root


def write_project(
    root: Path,
    apps: dict[str, Any],
    settings: dict[str, Any] | None = None,
    files: dict[str, str] | None = None,
) -> Path:
    """An sbkube.yaml of ``apps`` and ``settings`` in ``root``, beside ``files``."""
    root.mkdir(parents=True, exist_ok=True)
    write_files(root, files or {})
    config = {"apiVersion": "sbkube/v1", "settings": settings or {}, "apps": apps}
    (root / "sbkube.yaml").write_text(yaml.safe_dump(config))
    return root


def problem_lines(root: Path) -> list[str]:
    """What ``validate`` would print for the project in ``root``: one ``file:line:col`` each."""
    doc, base_dir, _ = read_document(root)
    _, problems = check_document(doc, base_dir)
    return [str(p) for p in problems]


def deploy_project(
    tmp_path: Path,
    fake_kube: FakeKube,
    *,
    ready: bool = True,
    namespaces: Sequence[str] = ("shop",),
    root: str = "repo",
) -> DeployProject:
    """A DeployProject on ``fake_kube`` as cluster ``prod``, its ``namespaces`` there already.

    ``ready``: objects are ready as soon as applied (otherwise the test drives their status).
    """
    if ready:
        fake_kube.auto_ready()
    for name in namespaces:
        kube_apply(fake_kube.kubeconfig_path, namespace(name))
    (tmp_path / root).mkdir(parents=True, exist_ok=True)
    return DeployProject(tmp_path / root, {"prod": fake_kube.kubeconfig_path})


@pytest.fixture
def project(tmp_path: Path, fake_kube: FakeKube) -> DeployProject:
    """An empty DeployProject: ``deploy_project`` with its defaults."""
    return deploy_project(tmp_path, fake_kube)


def copy_chart(name: str, project_root: Path) -> str:
    """Copy corpus chart ``name`` (tests/data/charts) into ``project_root/charts/``.

    Returns the app's ``chart`` value.
    """
    shutil.copytree(CHARTS / name, project_root / "charts" / name, dirs_exist_ok=True)
    return f"./charts/{name}"
