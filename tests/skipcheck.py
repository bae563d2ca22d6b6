"""A skipped test proves nothing: the run fails on any skip it does not expect.

Outside CI a few skips are legitimate (the shared data, a system package or an
optional library is absent on this machine); each is listed below by the words of its
reason. In CI (the CI environment variable set, as .ci/run sets it) nothing may skip:
CI has the shared data and every system package (scripts/system-deps.sh), so a skip
there means a test that no longer tests. tests/conftest.py installs these hooks;
tests/test_skipcheck.py runs pytest on small suites to show the check fails a run.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

# Reasons a test may skip outside CI (a substring of the skip message).
LEGITIMATE = (
    "real data not found at",  # tests/conftest.py need_shared(): ../shared absent
    "research/taxonomy.md not found",  # ../shared/research absent
    "PostgreSQL binaries not found",
    "Spark tests need Java",
    "Debian chromium is not installed",
    "LibreOffice (soffice) is not installed",
    "httptools is not installed",
    "could not import 'pyspark'",
    "could not import 'playwright",
    "could not import 'vl_convert'",
)

_unexpected: list[str] = []


def strict() -> bool:
    """In CI no skip is legitimate."""
    return bool(os.environ.get("CI"))


def _reason(report: pytest.TestReport) -> str:
    longrepr: Any = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if not report.skipped or hasattr(report, "wasxfail"):
        return
    reason = _reason(report)
    if strict() or not any(words in reason for words in LEGITIMATE):
        _unexpected.append(f"{report.nodeid}: {reason}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _unexpected and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _unexpected:
        return
    where = "in CI, where nothing may skip" if strict() else "not a listed reason"
    terminalreporter.section("unexpected skips fail the run", sep="=", red=True)
    terminalreporter.line(
        f"{len(_unexpected)} test(s) skipped ({where}; tests/skipcheck.py):"
    )
    for line in _unexpected:
        terminalreporter.line(f"  {line}")
