"""GitHub's environment files and workflow commands as the runner parses them."""

from __future__ import annotations

import io
from pathlib import Path

from sbkube_ci.ci.base import Annotation
from sbkube_ci.ci.github import GitHubAdapter
from sbkube_ci.ci.workflow_commands import annotation_command, mask_commands, output_entry


def parse_github_output(text: str) -> dict[str, str]:
    """The runner's reading of $GITHUB_OUTPUT: ``k=v`` lines and ``k<<DELIM`` heredocs."""
    values: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        eq, heredoc = line.find("="), line.find("<<")
        if heredoc != -1 and (eq == -1 or heredoc < eq):
            name, delimiter = line[:heredoc], line[heredoc + 2 :]
            body = []
            while lines[i] != delimiter:
                body.append(lines[i])
                i += 1
            i += 1
            values[name] = "\n".join(body)
        else:
            values[line[:eq]] = line[eq + 1 :]
    return values


def test_outputs_round_trip_through_the_runner_format(tmp_path: Path) -> None:
    out = tmp_path / "output"
    out.write_text("earlier=step\n")
    summary = "2 apps change on prod\n| app | + |\n|---|---|\n| api | 1 |"
    a = GitHubAdapter({"GITHUB_OUTPUT": str(out)}, stream=io.StringIO())

    a.write_outputs({"has_changes": "true", "plan_path": ".sbkube/plan.json", "summary": summary})

    text = out.read_text()
    assert "has_changes=true\n" in text
    assert "summary<<ghadelimiter_" in text
    assert parse_github_output(text) == {
        "earlier": "step",
        "has_changes": "true",
        "plan_path": ".sbkube/plan.json",
        "summary": summary,
    }


def test_heredoc_delimiter_never_occurs_in_the_value() -> None:
    entry = output_entry("summary", "a\nEOF\nb", delimiter="EOF")

    delimiter = entry.splitlines()[0].split("<<", 1)[1]
    assert delimiter != "EOF"
    assert delimiter not in "a\nEOF\nb"
    assert parse_github_output(entry) == {"summary": "a\nEOF\nb"}


def test_summary_is_appended(tmp_path: Path) -> None:
    summary = tmp_path / "summary"
    summary.write_text("# earlier step\n")
    a = GitHubAdapter({"GITHUB_STEP_SUMMARY": str(summary)}, stream=io.StringIO())

    a.write_summary("## sbkube-ci plan\nno changes")
    a.write_summary("second")

    assert summary.read_text() == "# earlier step\n## sbkube-ci plan\nno changes\n\nsecond\n\n"


def test_summary_over_one_mib_is_replaced_by_a_pointer(tmp_path: Path) -> None:
    summary = tmp_path / "summary"
    a = GitHubAdapter({"GITHUB_STEP_SUMMARY": str(summary)}, stream=io.StringIO())

    a.write_summary("x" * (1024 * 1024 + 1))

    assert summary.read_text().startswith("_sbkube-ci: the summary is larger than")


def test_annotation_escapes_message_and_properties() -> None:
    line = annotation_command(
        Annotation(
            "apps.api.version: 100% wrong\r\nsee docs",
            file="deploy/a,b:c/sbkube.yaml",
            line=14,
            column=5,
            title="sbkube.yaml: config",
        )
    )

    assert line == (
        "::error file=deploy/a%2Cb%3Ac/sbkube.yaml,line=14,col=5,title=sbkube.yaml%3A config"
        "::apps.api.version: 100%25 wrong%0D%0Asee docs"
    )


def test_warning_without_position() -> None:
    assert annotation_command(Annotation("careful", level="warning")) == "::warning::careful"


def test_masks_every_line_of_a_multi_line_secret() -> None:
    assert mask_commands("line-one\n\nline%two\n") == [
        "::add-mask::line-one",
        "::add-mask::line%25two",
    ]
