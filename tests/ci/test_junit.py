"""The JUnit report: one test case per cluster/app, failures for render/validation errors."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from sbkube_ci.ci.junit import AppOutcome, write_junit


def test_one_case_per_cluster_app_with_failures(tmp_path: Path) -> None:
    report = tmp_path / "reports" / "sbkube.xml"
    write_junit(
        report,
        [
            AppOutcome("prod", "api", changed=True, seconds=1.5, detail="+0 ~1 -0"),
            AppOutcome("prod", "redis", error="helm template failed: exit 1\nError: bad values"),
            AppOutcome("staging", "api"),
        ],
        suite="sbkube-ci plan",
    )

    suite = ET.parse(report).getroot().find("testsuite")  # noqa: S314 - our own report
    assert suite is not None
    assert (suite.get("name"), suite.get("tests"), suite.get("failures")) == (
        "sbkube-ci plan",
        "3",
        "1",
    )
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["prod/api", "prod/redis", "staging/api"]
    assert cases[0].get("classname") == "sbkube-ci plan.prod"
    assert cases[0].findtext("system-out") == "+0 ~1 -0"
    failure = cases[1].find("failure")
    assert failure is not None
    assert failure.get("message") == "helm template failed: exit 1"
    assert "Error: bad values" in (failure.text or "")
    assert cases[2].find("failure") is None
    assert not list(report.parent.glob(".sbkube.xml.*"))  # no temp file left behind
