"""Bulk download jobs for the fake server: request, status polling, and the zip.

A job is built from bulk contract files (the prime-transactions schema), filtered by
the requested date range and awarding sub-agencies. It reports `running` for a few
polls, then `finished` with the row count and the file's URL, like the real service.
"""

from __future__ import annotations

import csv
import io
import threading
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from custodes.model.agencies import load_agencies
from tests.fakes.usaspending.faults import Fault

POLLS_BEFORE_DONE = 2
MAX_DAYS = 366


@dataclass
class Job:
    file_name: str
    data: bytes
    rows: int
    columns: int
    polls: int = 0
    failed: str | None = None


def _day(text: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y"):
        try:
            return datetime.strptime(text.strip()[:10], fmt).date()
        except ValueError:
            continue
    return None


class BulkJobs:
    def __init__(self, files: list[Path]):
        self.files = files
        self.jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def request(
        self, body: dict[str, Any], base: str, fault: Fault | None
    ) -> tuple[int, dict[str, Any]]:
        filters = body.get("filters") or {}
        rng = filters.get("date_range") or {}
        try:
            start = date.fromisoformat(rng["start_date"])
            end = date.fromisoformat(rng["end_date"])
        except (KeyError, TypeError, ValueError):
            return 400, {
                "detail": "Missing value: 'filters|date_range' needs start_date "
                "and end_date (YYYY-MM-DD)"
            }
        if (end - start).days + 1 > MAX_DAYS:
            return 400, {
                "detail": "Invalid date range: the range must be within a year"
            }
        if not filters.get("prime_award_types"):
            return 400, {"detail": "Missing value: 'filters|prime_award_types'"}
        codes = self._codes(filters.get("agencies") or [])
        header, rows = self._rows(start, end, codes)
        with self._lock:
            n = len(self.jobs) + 1
            name = f"All_PrimeTransactions_{start:%Y%m%d}_{end:%Y%m%d}_{n}.zip"
            job = Job(name, _zip(name, header, rows), len(rows), len(header))
            if fault and fault.kind == "failed":
                job.failed = "Download generation failed (injected fault)"
            self.jobs[name] = job
        return 200, {
            "status_url": f"{base}/api/v2/download/status/?file_name={name}",
            "file_name": name,
            "file_url": f"{base}/files/{name}",
            "download_request": body,
        }

    def status(
        self, name: str, base: str, fault: Fault | None
    ) -> tuple[int, dict[str, Any]]:
        job = self.jobs.get(name)
        if job is None:
            return 400, {"detail": f"Download job {name!r} not found"}
        job.polls += 1
        doc: dict[str, Any] = {
            "file_name": name,
            "message": None,
            "seconds_elapsed": "0.5",
            "total_columns": None,
            "total_rows": None,
            "total_size": None,
            "file_url": f"{base}/files/{name}",
        }
        if job.failed:
            doc.update(status="failed", message=job.failed)
        elif job.polls <= POLLS_BEFORE_DONE:
            doc["status"] = "running" if job.polls > 1 else "ready"
        else:
            doc.update(
                status="finished",
                total_rows=job.rows,
                total_columns=job.columns,
                total_size=round(len(job.data) / 1024, 2),
            )
        return 200, doc

    def file(self, name: str, fault: Fault | None) -> bytes | None:
        job = self.jobs.get(name)
        if job is None:
            return None
        if fault and fault.kind == "corrupt":
            return job.data[: len(job.data) // 2] + b"\0" * (
                len(job.data) - len(job.data) // 2
            )
        return job.data

    def _codes(self, agencies: list[dict[str, str]]) -> set[str] | None:
        _, subtier = load_agencies()
        by_name = {s.name.upper(): s.code for s in subtier.values()}
        codes = {
            by_name.get(a.get("name", "").upper(), "?")
            for a in agencies
            if a.get("tier") == "subtier"
        }
        return codes or None

    def _rows(
        self, start: date, end: date, codes: set[str] | None
    ) -> tuple[list[str], list[list[str]]]:
        header: list[str] = []
        rows: list[list[str]] = []
        for path in self.files:
            with open(path, newline="", encoding="utf-8") as fh:
                reader = csv.reader(fh)
                head = next(reader)
                header = header or head
                if head != header:
                    continue  # one schema per zip part
                i_date = head.index("action_date")
                i_code = head.index("awarding_sub_agency_code")
                for row in reader:
                    day = _day(row[i_date])
                    if day is None or not start <= day <= end:
                        continue
                    if codes and row[i_code].strip().zfill(4) not in codes:
                        continue
                    rows.append(row)
        return header, rows


def _zip(name: str, header: list[str], rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    if header:
        writer.writerow(header)
    writer.writerows(rows)
    buf = io.BytesIO()
    member = name.replace(".zip", "").replace(
        "PrimeTransactions", "Contracts_PrimeTransactions"
    )
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{member}_1.csv", text.getvalue())
    return buf.getvalue()
