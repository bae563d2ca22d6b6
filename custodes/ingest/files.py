"""The files behind the paths a user gives: directories, .csv, .gz and .zip."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from custodes.errors import InputError

CSV_SUFFIXES = (".csv", ".csv.gz", ".txt", ".txt.gz")


@dataclass(frozen=True)
class SourceFile:
    """One CSV to read. `path` is on disk (a zip member is extracted first)."""

    path: Path
    display: str  # what messages and provenance call it, e.g. "x.zip!a.csv"
    member: str | None = None

    @property
    def compressed(self) -> bool:
        return self.path.name.endswith(".gz")


def _wanted(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(CSV_SUFFIXES) or name.endswith(".zip")


def iter_paths(paths: list[Path]) -> Iterator[Path]:
    """Expand directories (recursively, sorted) into the data files under them."""
    for path in paths:
        if not path.exists():
            raise InputError(f"{path}: no such file or directory.")
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and _wanted(p))
            if not found:
                raise InputError(
                    f"{path}: directory holds no .csv, .csv.gz or .zip files."
                )
            yield from found
        else:
            yield path


@contextmanager
def open_sources(paths: list[Path]) -> Iterator[list[SourceFile]]:
    """Yield the SourceFiles for `paths`; zip members are extracted to a temp dir."""
    with tempfile.TemporaryDirectory(prefix="custodes-zip-") as tmp:
        sources: list[SourceFile] = []
        for path in iter_paths(paths):
            if path.name.lower().endswith(".zip"):
                sources.extend(_extract_zip(path, Path(tmp)))
            else:
                sources.append(SourceFile(path, str(path)))
        yield sources


def _extract_zip(path: Path, tmp: Path) -> list[SourceFile]:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise InputError(f"{path}: not a readable zip archive ({exc}).") from exc
    out: list[SourceFile] = []
    with archive:
        for i, info in enumerate(sorted(archive.infolist(), key=lambda m: m.filename)):
            if info.is_dir() or not info.filename.lower().endswith(CSV_SUFFIXES):
                continue
            target = tmp / f"{i:04d}-{Path(info.filename).name}"
            with archive.open(info) as src, open(target, "wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
            out.append(SourceFile(target, f"{path}!{info.filename}", info.filename))
    if not out:
        raise InputError(f"{path}: zip archive holds no CSV files.")
    return out


def open_binary(source: SourceFile) -> io.BufferedIOBase:
    if source.compressed:
        return gzip.open(source.path, "rb")
    return open(source.path, "rb")


def read_header(source: SourceFile) -> list[str]:
    """The header row, BOM stripped. Raises InputError for empty or undecodable
    headers."""
    with open_binary(source) as fh:
        first = fh.readline(1 << 20)
    if not first.strip():
        raise InputError(
            f"{source.display}: empty file (no header row); nothing to read."
        )
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{source.display}:1: header is not UTF-8 "
            f"({exc.reason} at byte {exc.start}). "
            "Re-save the file as UTF-8."
        ) from exc
    return [h.strip() for h in next(csv.reader([text]))]


def sha256(source: SourceFile) -> str:
    digest = hashlib.sha256()
    with open(source.path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def raw_line_at(source: SourceFile, byte_position: int | None) -> str | None:
    """The raw text of the line starting at `byte_position`, undecodable bytes
    escaped."""
    if byte_position is None:
        return None
    with open_binary(source) as fh:
        fh.seek(byte_position)
        data = fh.readline(1 << 20)
    return data.decode("utf-8", errors="backslashreplace").rstrip("\r\n")
