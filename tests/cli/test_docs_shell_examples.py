"""The shell examples of the README and the docs run as written (those that need no cluster).

A new user's workspace: the bundled example in ``examples/quickstart`` and their own project
in ``deploy/`` (the quickstart with an ``api`` app and a ``prod.yaml``, as the docs assume).
Each ``sbkube-ci`` line of a ``sh``/``console`` block runs through bash from the workspace
(from ``deploy/`` when it names no ``-C``); it must exit 0, or 2 where 2 means "changes".
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.helpers import ROOT

DOCUMENTS = ["README.md", *(f"docs/{n}.md" for n in ("ci", "config", "diff", "cli", "deploy"))]
#: commands that need a reachable cluster or chat service; run by the cluster tests instead
NEEDS_A_CLUSTER = re.compile(r"^sbkube-ci (deploy|rollback|status|notify test)\b|--live\b")
#: exit 2 is the documented "changes present" of plan
CHANGES = re.compile(r"^sbkube-ci plan\b")


def examples() -> list[tuple[str, str]]:
    found = []
    for name in DOCUMENTS:
        text = (ROOT / name).read_text()
        for block in re.findall(r"```(?:sh|console|bash)\n(.*?)```", text, flags=re.S):
            for raw in block.splitlines():
                line = raw.strip().removeprefix("$ ")
                line = re.sub(r"\s+#.*$", "", line)  # the trailing comment
                if line.startswith("sbkube-ci"):
                    found.append((name, line))
    return found


EXAMPLES = examples()
RUNNABLE = [(doc, line) for doc, line in EXAMPLES if not NEEDS_A_CLUSTER.search(line)]


def test_the_docs_have_shell_examples_and_most_run_without_a_cluster() -> None:
    assert len(EXAMPLES) >= 20
    assert len(RUNNABLE) >= 15


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("workspace")
    skip = shutil.ignore_patterns(".sbkube")
    shutil.copytree(ROOT / "examples" / "quickstart", root / "examples" / "quickstart", ignore=skip)
    deploy = root / "deploy"
    shutil.copytree(ROOT / "examples" / "quickstart", deploy, ignore=skip)
    (deploy / "manifests" / "api.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api\ndata:\n  port: '8080'\n"
    )
    config = deploy / "sbkube.yaml"
    config.write_text(
        config.read_text().replace(
            "\napps:\n",
            "\napps:\n  api:\n    type: yaml\n    manifests:\n      - manifests/api.yaml\n\n",
        )
    )
    shutil.copy(config, deploy / "prod.yaml")
    return root


@pytest.mark.parametrize(("document", "line"), RUNNABLE, ids=[f"{d}: {c}" for d, c in RUNNABLE])
def test_shell_example_runs(workspace: Path, document: str, line: str) -> None:
    where = workspace if " -C " in f" {line} " else workspace / "deploy"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("SBKUBE_PROGRESS", None)
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", line],
        cwd=where, env=env, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    allowed = {0, 2} if CHANGES.search(line) else {0}
    assert result.returncode in allowed, f"{document}: {line}\n{result.stdout}\n{result.stderr}"


def test_the_plan_files_the_deploy_examples_name_are_where_plan_writes_them(
    workspace: Path,
) -> None:
    """deploy needs a cluster, but its --plan path can be checked: relative to the shell."""
    subprocess.run(
        [sys.executable, "-m", "sbkube_ci", "plan", "-C", "deploy/"],
        cwd=workspace, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
        check=False,
    )  # fmt: skip
    plans = [re.search(r"--plan (\S+)", line) for _, line in EXAMPLES]
    paths = [match.group(1) for match in plans if match]
    assert paths
    for path in paths:
        assert (workspace / path).is_file(), path
