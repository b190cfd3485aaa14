"""progress: live display on a terminal, rate-limited plain lines in CI, nothing elsewhere."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from rich.console import Console

from sbkube_ci.config import load_project
from sbkube_ci.planning.engine import make_plan
from sbkube_ci.progress import MaskedProgress, PlainProgress, Progress, progress_for
from sbkube_ci.progress.live import LiveProgress
from tests.support.clocks import SteppingClock

GOLDEN = Path(__file__).parent / "data" / "golden" / "progress"


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_progress_folds_a_stage_in_a_github_group_and_limits_the_rate() -> None:
    out, clock = io.StringIO(), SteppingClock()
    progress = PlainProgress(out, sections="github", interval=10, clock=clock)
    progress.stage("template", 30)
    for index in range(30):
        progress.started(f"app{index:02d}")
        clock.now += 1
        progress.finished(f"app{index:02d}", "failed" if index == 7 else "ok", "boom")
    progress.end_stage()
    lines = out.getvalue().splitlines()
    assert lines[0] == "::group::sbkube-ci template: 30 items"
    assert lines[-1] == "::endgroup::"
    # 30 seconds of work at one line per 10 s: at 0, 10, 20 and 30 s, not one per event
    progress_lines = [line for line in lines if " done" in line and " done in " not in line]
    assert [line[:9] for line in progress_lines] == [
        "00:00:00Z",
        "00:00:10Z",
        "00:00:20Z",
        "00:00:30Z",
    ]
    assert "00:00:08Z template: app07 failed: boom" in lines
    assert lines[-2] == "00:00:30Z template: 30/30 done in 30s (29 ok, 1 failed)"


def test_plain_progress_uses_gitlab_collapsible_sections() -> None:
    out = io.StringIO()
    progress = PlainProgress(out, sections="gitlab", clock=SteppingClock())
    progress.stage("plan", 1)
    progress.finished("web", "changed")
    progress.end_stage()
    text = out.getvalue()
    assert text.startswith(
        "\x1b[0Ksection_start:1767225600:sbkube_plan[collapsed=true]\r\x1b[0Ksbkube-ci plan: 1 item"
    )
    assert "plan: 1/1 done in 0s (1 changed)" in text
    assert text.endswith("\x1b[0Ksection_end:1767225600:sbkube_plan\r\x1b[0K\n")


def test_plain_progress_counts_down_a_lock_wait_at_a_bounded_rate() -> None:
    out, clock = io.StringIO(), SteppingClock()
    progress = PlainProgress(out, interval=30, clock=clock)
    for remaining in range(600, 0, -2):  # a poll every 2 s for 10 minutes
        progress.waiting("prod: lock held by alice (github run 7)", remaining)
        clock.now += 2
    lines = out.getvalue().splitlines()
    assert len(lines) == 20
    assert lines[0].endswith("prod: lock held by alice (github run 7): 10m00s left")
    assert lines[1].endswith("prod: lock held by alice (github run 7): 9m30s left")


def test_plain_progress_reports_api_server_retries() -> None:
    out = io.StringIO()
    PlainProgress(out, clock=SteppingClock()).retrying("prod: API server", 2, 4)
    assert out.getvalue().endswith("prod: API server: retry 2 in 4s\n")


def test_masked_progress_masks_items_and_error_lines() -> None:
    out = io.StringIO()
    progress = MaskedProgress(
        PlainProgress(out, clock=SteppingClock()), lambda t: t.replace("s3cr3t", "***")
    )
    progress.stage("template", 1)
    progress.finished("db", "failed", "password s3cr3t rejected")
    assert "s3cr3t" not in out.getvalue()
    assert "db failed: password *** rejected" in out.getvalue()


@pytest.mark.parametrize(
    ("stream", "environ", "kind"),
    [
        (Tty(), {}, LiveProgress),
        (Tty(), {"TERM": "dumb"}, Progress),
        (io.StringIO(), {"GITHUB_ACTIONS": "true"}, PlainProgress),
        (io.StringIO(), {"GITLAB_CI": "true"}, PlainProgress),
        (io.StringIO(), {"CI": "true"}, Progress),
        (io.StringIO(), {"SBKUBE_PROGRESS": "plain"}, PlainProgress),
        (Tty(), {"SBKUBE_PROGRESS": "none"}, Progress),
    ],
)
def test_progress_for_picks_the_display_for_the_stream(
    stream: io.StringIO, environ: dict[str, str], kind: type[Progress]
) -> None:
    progress = progress_for(stream, environ)
    try:
        assert type(progress) is kind
    finally:
        progress.close()


def write_project(directory: Path, count: int) -> Path:
    """``count`` plain-manifest apps, one ConfigMap each, rendered one at a time."""
    (directory / "manifests").mkdir(parents=True)
    apps = []
    for index in range(count):
        name = f"app-{index:03d}"
        (directory / "manifests" / f"{name}.yaml").write_text(
            f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  n: '{index}'\n"
        )
        apps.append(f"  {name}:\n    type: yaml\n    manifests: [manifests/{name}.yaml]\n")
    (directory / "sbkube.yaml").write_text(
        "apiVersion: sbkube/v1\nsettings:\n  namespace: shop\n  max_workers: 1\n"
        "state:\n  backend: local\n  local: {path: .sbkube/state}\napps:\n" + "".join(apps)
    )
    return directory


# what rich writes to go back over the live display before drawing the next frame
_REDRAW = re.compile(r"(?:\r\x1b\[2K(?:\x1b\[1A\x1b\[2K)*)+")


def frames(raw: str) -> str:
    """A terminal recording as the successive screens it drew, one after another."""
    raw = raw.replace("\x1b[?25l", "").replace("\x1b[?25h", "")
    screens = [s.rstrip("\r\n") for s in _REDRAW.split(raw) if s.strip("\r\n")]
    return "".join(f"── frame {n} ──\n{s}\n" for n, s in enumerate(screens, start=1))


def test_a_plan_on_200_apps_shows_its_progress_live(tmp_path: Path) -> None:
    """The recorded terminal session: stages, bars, apps in flight, final counts."""
    project = load_project(write_project(tmp_path / "big", 200))
    terminal = io.StringIO()
    console = Console(file=terminal, force_terminal=True, width=100, color_system=None)
    clock = SteppingClock(start=0.0, step=0.01)
    progress = LiveProgress(console, auto_refresh=False, frame_interval=1.0, clock=clock)
    outcome = make_plan(project, progress=progress)
    progress.close()
    assert len(outcome.plan.clusters[0].changed_apps) == 200
    recording = frames(terminal.getvalue())
    golden = GOLDEN / "plan-200-apps.txt"
    if os.environ.get("SBKUBE_UPDATE_GOLDEN"):
        golden.write_text(recording)
    assert recording == golden.read_text()
    assert "✓ template: 200/200 done" in recording
    assert "✓ plan: 200/200 done" in recording
    assert "  … app-" in recording  # apps shown while in flight
