"""``sbkube-ci template`` through the CLI: exit codes, output files, one-line errors."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOOLS = Path(sys.executable).parent


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{TOOLS}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("SBKUBE_CACHE_DIR", None)
    return subprocess.run(
        [sys.executable, "-m", "sbkube_ci", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def quickstart(tmp_path: Path) -> Path:
    copy = tmp_path / "quickstart"
    shutil.copytree(ROOT / "examples/quickstart", copy, ignore=shutil.ignore_patterns(".sbkube"))
    return copy


def test_quickstart_renders(tmp_path: Path) -> None:
    project = quickstart(tmp_path)
    result = run_cli("template", "-C", str(project))
    assert result.returncode == 0, result.stderr
    web = project / ".sbkube/rendered/staging/web.yaml"
    assert web.is_file()
    assert "kind: Deployment" in web.read_text()
    assert "replicas: 2" in web.read_text()
    assert "replicas: 3" in (project / ".sbkube/rendered/prod/web.yaml").read_text()
    assert "staging/web: rendered sha256:" in result.stdout
    again = run_cli("template", "-C", str(project))
    assert again.returncode == 0
    assert "4 app render(s), 0 rendered, 4 from cache, 0 failed" in again.stdout


def test_json_output_and_selection(tmp_path: Path) -> None:
    project = quickstart(tmp_path)
    result = run_cli(
        "template", "-C", str(project), "--app", "web", "--cluster", "prod", "--format", "json"
    )
    assert result.returncode == 0, result.stderr
    assert '"cluster": "prod"' in result.stdout
    assert '"app": "config"' not in result.stdout
    assert not (project / ".sbkube/rendered/staging").exists()


def test_failure_is_one_line_and_keep_going_exits_1(tmp_path: Path) -> None:
    project = quickstart(tmp_path)
    broken = project / "charts/web/templates/broken.yaml"
    broken.write_text("{{ .Values.nothing.here }}\n")
    stop = run_cli("template", "-C", str(project))
    assert stop.returncode == 1
    assert stop.stderr.startswith("error: apps.web on cluster ")
    assert "helm template failed: " in stop.stderr
    assert "failed: Error" not in stop.stderr  # helm's own "Error:" is not repeated
    assert stop.stderr.count("\n") == 1
    going = run_cli("template", "-C", str(project), "--keep-going")
    assert going.returncode == 1
    assert going.stderr.count("error: apps.web on cluster") == 2
    assert (project / ".sbkube/rendered/staging/config.yaml").is_file()
    assert (project / ".sbkube/rendered/prod/config.yaml").is_file()


def test_changed_since_with_nothing_changed(tmp_path: Path) -> None:
    project = quickstart(tmp_path)
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "init"]):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@e.com", *args],
            cwd=project,
            check=True,
        )
    result = run_cli("template", "-C", str(project), "--changed-since", "HEAD")
    assert result.returncode == 0, result.stderr
    assert "no app changed since HEAD" in result.stdout
    (project / "manifests/configmap.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web-config}\ndata: {a: b}\n"
    )
    changed = run_cli("template", "-C", str(project), "--changed-since", "HEAD")
    assert changed.returncode == 0, changed.stderr
    rendered = sorted(line.split(":")[0] for line in changed.stdout.splitlines()[:-1])
    assert rendered == ["prod/config", "prod/web", "staging/config", "staging/web"]
