"""The dashboard's caveats about which fiscal years can be compared, worked out by the
figures layer (custodes/figures/coverage.py) from the serve_coverage table."""

from __future__ import annotations

from datetime import date

from custodes.figures import coverage
from custodes.store.reader import Reader


def coverage_notes(reader: Reader, agency: str | None, today: date) -> list[str]:
    """Plain-language caveats about uneven coverage across fiscal years."""
    if not reader.has("serve_coverage"):
        return []
    return coverage.coverage_notes(
        reader.rows(coverage.COVERAGE_ROWS_SQL), agency, today
    )
