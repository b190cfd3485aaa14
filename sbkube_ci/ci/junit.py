"""A JUnit XML report with one test case per cluster/app, for the platforms' test tabs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from junit_xml import TestCase, TestSuite, to_xml_report_string

from sbkube_ci._files import write_atomic
from sbkube_ci.plan_model import ClusterPlan


@dataclass(frozen=True)
class AppOutcome:
    """How one app fared on one cluster; ``error`` is a render or validation failure."""

    cluster: str
    app: str
    error: str = ""
    changed: bool = False
    seconds: float = 0.0
    detail: str = ""  # e.g. "+2 ~1 -0"; shown as the test case's output


def check_outcomes(cluster: ClusterPlan) -> list[AppOutcome]:
    """One case per check that ran on the cluster (``cluster/checks/<name>``); it fails on an
    error finding, and lists its warnings and notes as output."""
    outcomes = []
    for check in cluster.checks_run:
        findings = [f for f in cluster.checks if f.check == check]
        lines = [f"{f.severity}: {f.where}: {f.message}" for f in findings]
        errors = [line for line, f in zip(lines, findings, strict=True) if f.severity == "error"]
        error = f"{len(errors)} error(s)\n" + "\n".join(errors) if errors else ""
        outcomes.append(AppOutcome(cluster.name, f"checks/{check}", error, detail="\n".join(lines)))
    return outcomes


def junit_xml(outcomes: Iterable[AppOutcome], *, suite: str = "sbkube-ci") -> str:
    """The report as text: a failure per app with an error, named ``cluster/app``."""
    cases = []
    for outcome in outcomes:
        case = TestCase(
            name=f"{outcome.cluster}/{outcome.app}",
            classname=f"{suite}.{outcome.cluster}",
            elapsed_sec=outcome.seconds,
            stdout=outcome.detail or None,
        )
        if outcome.error:
            first = outcome.error.splitlines()[0] if outcome.error.strip() else "failed"
            case.add_failure_info(message=first, output=outcome.error, failure_type="error")
        cases.append(case)
    return str(to_xml_report_string([TestSuite(suite, cases)], encoding="utf-8"))


def write_junit(path: Path, outcomes: Iterable[AppOutcome], *, suite: str = "sbkube-ci") -> None:
    """Write the report atomically to ``path``."""
    write_atomic(path, junit_xml(outcomes, suite=suite))
