"""Bulk award downloads: request a job, poll its status, download the zip, verify it.

The year-limited endpoint (/api/v2/bulk_download/awards/) has no row cap but takes at
most 366 days per request, so a fiscal year is one job. Verification checks that the
zip opens, every member passes its CRC, at least one member is a contracts
prime-transactions CSV custodes can read, and the data rows add up to the row count
the status reported.
"""

from __future__ import annotations

import csv
import io
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from custodes.errors import InputError
from custodes.sources import detect_format
from custodes.sources.base import BulkFailed, BulkResult
from custodes.sync.client import Client
from custodes.sync.windows import Window

REQUEST = "/api/v2/bulk_download/awards/"
STATUS = "/api/v2/download/status/"


def request_body(agencies: list[dict[str, str]], window: Window) -> dict[str, Any]:
    if window.days > 366:
        raise InputError(
            f"bulk downloads take at most 366 days; {window.key} has "
            f"{window.days}. Use --fy for one fiscal year at a time."
        )
    return {
        "filters": {
            "prime_award_types": ["A", "B", "C", "D"],
            "date_type": "action_date",
            "date_range": {
                "start_date": window.start.isoformat(),
                "end_date": window.end.isoformat(),
            },
            "agencies": agencies
            or [{"type": "awarding", "tier": "toptier", "name": "All"}],
        },
        "file_format": "csv",
    }


def run_bulk(
    client: Client,
    agencies: list[dict[str, str]],
    window: Window,
    folder: Path,
    *,
    poll_first: float = 5.0,
    poll_max: float = 60.0,
    max_polls: int = 200,
    timeout: float = 3600.0,
    sleep: Callable[[float], None] = time.sleep,
    say: Callable[[str], None] | None = None,
) -> BulkResult:
    tell = say or (lambda msg: None)
    result = BulkResult()
    job = client.post_json(REQUEST, request_body(agencies, window))
    result.file_name, result.file_url = job["file_name"], job.get("file_url", "")
    tell(f"requested {result.file_name}")
    status = _poll(
        client, result, poll_first, poll_max, max_polls, timeout, sleep, tell
    )
    url = status.get("file_url") or result.file_url
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / Path(result.file_name).name
    result.path = str(dest)
    for attempt in (1, 2):  # a damaged download is fetched once more
        client.download(url, dest)
        try:
            verify_zip(dest, result)
            break
        except BulkFailed as exc:
            if attempt == 2:
                raise
            tell(f"{dest.name}: {exc}; downloading again")
    result.status = "verified"
    return result


def _poll(
    client: Client,
    result: BulkResult,
    first: float,
    most: float,
    max_polls: int,
    timeout: float,
    sleep: Callable[[float], None],
    tell: Callable[[str], None],
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    wait = first
    for _ in range(max_polls):
        status = client.get_json(STATUS, {"file_name": result.file_name})
        result.polls += 1
        result.status = str(status.get("status"))
        if result.status == "finished":
            total = status.get("total_rows")
            result.total_rows = int(total) if total is not None else None
            return status
        if result.status == "failed":
            raise BulkFailed(
                f"the download job {result.file_name} failed: "
                f"{status.get('message') or 'no message'}. Try again later."
            )
        tell(f"{result.file_name}: {result.status} after {result.polls} polls")
        if time.monotonic() + wait > deadline:
            break
        sleep(wait)
        wait = min(wait * 2, most)
    raise BulkFailed(
        f"the download job {result.file_name} did not finish within "
        f"{result.polls} polls / {timeout:g} s (last status {result.status}). "
        "Jobs that run for hours have usually failed; request it again."
    )


def verify_zip(path: Path, result: BulkResult) -> None:
    """Raise BulkFailed unless the zip is whole and its rows match the reported
    count."""
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
            if bad is not None:
                raise BulkFailed(f"{path.name}: member {bad} fails its CRC check")
            members = [m for m in zf.namelist() if m.lower().endswith(".csv")]
            rows = 0
            for member in members:
                with zf.open(member) as fh:
                    text = io.TextIOWrapper(fh, encoding="utf-8", newline="")
                    reader = csv.reader(text)
                    header = next(reader, None)
                    if header is None:
                        continue
                    try:
                        detect_format(
                            [h.strip() for h in header], f"{path.name}!{member}"
                        )
                    except InputError as exc:
                        raise BulkFailed(str(exc)) from exc
                    rows += sum(1 for _ in reader)
    except zipfile.BadZipFile as exc:
        raise BulkFailed(f"{path.name} is not a readable zip ({exc})") from exc
    if not members:
        raise BulkFailed(f"{path.name} holds no CSV files")
    result.members, result.rows_in_zip = members, rows
    if result.total_rows is not None and rows != result.total_rows:
        raise BulkFailed(
            f"{path.name} has {rows:,} data rows but the job reported "
            f"{result.total_rows:,}; the file is incomplete"
        )
