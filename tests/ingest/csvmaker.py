"""Write small api-search CSVs for tests (company recipients only)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from custodes.sources.usaspending.formats import API_SEARCH_REQUIRED

API_HEADER = [*API_SEARCH_REQUIRED, "Generated Award ID"]


def api_row(
    piid: str = "70CMSD21P00000001",
    amount: str = "100.0",
    date: str = "2021-02-03",
    mod: str = "0",
    desc: str = "SOFTWARE LICENSES",
    recipient: str = "EXAMPLE SYSTEMS INC",
    agency: str = "ICE",
    gaid: str | None = None,
) -> list[str]:
    code = {"ICE": "7012", "CBP": "7014"}[agency]
    if gaid is None:
        gaid = f"CONT_AWD_{piid}_{code}_-NONE-_-NONE-"
    return [
        agency,
        piid,
        recipient,
        amount,
        date,
        mod,
        "IT AND TELECOM - SOFTWARE",
        "COMPUTER SYSTEMS DESIGN SERVICES",
        desc,
        gaid,
    ]


def csv_text(
    rows: list[list[str]], header: list[str] = API_HEADER, newline: str = "\r\n"
) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def write_api_csv(path: Path, rows: list[list[str]], **kwargs) -> Path:
    path.write_text(csv_text(rows, **kwargs), encoding="utf-8", newline="")
    return path
