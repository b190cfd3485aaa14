from __future__ import annotations

from pathlib import Path

import pytest

from sbkube_ci._proc import exec_allowed
from sbkube_ci.deploy.run.shell import ShellRunner
from sbkube_ci.errors import DeployError


def runner(tmp_path: Path, lines: list[str], **kwargs: object) -> ShellRunner:
    return ShellRunner(
        cwd=str(tmp_path),
        env={"SBKUBE_APP": "api", "TOKEN": "s3cr3t-value"},
        mask=lambda text: text.replace("s3cr3t-value", "***"),
        echo=lines.append,
        sleep=lambda _: None,
        **kwargs,  # type: ignore[arg-type]
    )


def test_commands_run_in_order_with_app_environment(tmp_path: Path) -> None:
    lines: list[str] = []
    runner(tmp_path, lines).run_all(
        "apps.api.hooks.pre_deploy", ["echo first > out.txt", 'echo "$SBKUBE_APP" >> out.txt']
    )
    assert (tmp_path / "out.txt").read_text() == "first\napi\n"
    assert lines[0] == "apps.api.hooks.pre_deploy: $ echo first > out.txt"


def test_output_is_masked(tmp_path: Path) -> None:
    lines: list[str] = []
    runner(tmp_path, lines).run_all("apps.api", ['echo "token is $TOKEN"'])
    assert "apps.api: token is ***" in lines
    assert not any("s3cr3t-value" in line for line in lines)


def test_failure_names_command_and_masks_error(tmp_path: Path) -> None:
    with pytest.raises(DeployError) as info:
        runner(tmp_path, []).run_all("apps.api", ['echo "bad $TOKEN" >&2; exit 4'])
    assert str(info.value) == 'apps.api: `echo "bad $TOKEN" >&2; exit 4` exited 4: bad ***'


def test_retry_until_success(tmp_path: Path) -> None:
    script = "n=$(cat n 2>/dev/null || echo 0); n=$((n+1)); echo $n > n; [ $n -ge 3 ]"
    runner(tmp_path, []).run_all("hook", [script], retry=2)
    assert (tmp_path / "n").read_text().strip() == "3"


def test_exec_can_be_disabled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SBKUBE_ALLOW_EXEC", "false")
    assert not exec_allowed()
    with pytest.raises(DeployError, match="SBKUBE_ALLOW_EXEC=false"):
        runner(tmp_path, []).run_all("apps.setup", ["touch ran"])
    assert not (tmp_path / "ran").exists()


def test_timeout_is_a_deploy_error(tmp_path: Path) -> None:
    with pytest.raises(DeployError, match=r"timed out after 0\.2s"):
        runner(tmp_path, [], timeout=0.2).run_all("apps.slow", ["sleep 5"])
