"""The files behind the paths a user gives: directories, .csv, .gz and .zip."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import os
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from custodes.errors import InputError

CSV_SUFFIXES = (".csv", ".csv.gz", ".txt", ".txt.gz")
HEADER_LIMIT = 1 << 20  # a first line longer than this is no header row
DEFAULT_UNZIP_LIMIT_MB = 20_000  # Settings.unzip_limit_mb
# What reading a file may raise besides InputError: the OS refusing it, a damaged or
# cut gzip stream, a zip member failing its check.
READ_ERRORS = (OSError, EOFError, zlib.error, zipfile.BadZipFile)


@dataclass(frozen=True)
class SourceFile:
    """One CSV to read. `path` is on disk (a zip member is extracted first, to a file
    without a name where the system allows it: see `_member_file`). A file that
    cannot be read at all carries the reason in `problem`, and is refused."""

    path: Path
    display: str  # what messages and provenance call it, e.g. "x.zip!a.csv"
    member: str | None = None
    problem: str | None = None

    @property
    def compressed(self) -> bool:
        return (self.member or self.path.name).lower().endswith(".gz")


def cannot_read(display: str, exc: BaseException) -> str:
    """The message for a file the system or its compression will not let us read."""
    if isinstance(exc, PermissionError):
        return (
            f"{display}: cannot be read (permission denied); let this user read it "
            "(chmod, or ask its owner) and ingest it again."
        )
    if isinstance(exc, EOFError | zlib.error | gzip.BadGzipFile):
        return (
            f"{display}: the gzip file is truncated or damaged ({exc}); "
            "download or copy it again."
        )
    if isinstance(exc, zipfile.BadZipFile):
        return f"{display}: damaged inside the zip archive ({exc}); fetch it again."
    reason = getattr(exc, "strerror", None) or str(exc)
    return f"{display}: cannot be read ({reason}); check the file and ingest it again."


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
def open_sources(
    paths: list[Path],
    *,
    unzip_limit_mb: int = DEFAULT_UNZIP_LIMIT_MB,
    labels: dict[Path, str] | None = None,
) -> Iterator[list[SourceFile]]:
    """Yield the SourceFiles for `paths`; zip members are extracted first, each at
    most `unzip_limit_mb` MB. `labels` names files in messages and provenance
    instead of their path (sync: the API query a file came from)."""
    with ExitStack() as stack:
        sources: list[SourceFile] = []
        for path in iter_paths(paths):
            display = (labels or {}).get(path, str(path))
            if path.name.lower().endswith(".zip"):
                sources.extend(_extract_zip(path, display, unzip_limit_mb << 20, stack))
            else:
                sources.append(SourceFile(path, display))
        yield sources


def _extract_zip(
    path: Path, display: str, limit: int, stack: ExitStack
) -> list[SourceFile]:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        return [
            SourceFile(path, display, None, f"{display}: not a zip archive ({exc}).")
        ]
    except OSError as exc:
        return [SourceFile(path, display, None, cannot_read(display, exc))]
    out: list[SourceFile] = []
    with archive:
        for info in sorted(archive.infolist(), key=lambda m: m.filename):
            if info.is_dir() or not info.filename.lower().endswith(CSV_SUFFIXES):
                continue
            name = f"{display}!{info.filename}"
            out.append(_extract_member(archive, info, name, limit, stack))
    if not out:
        return [
            SourceFile(
                path, display, None, f"{display}: zip archive holds no CSV files."
            )
        ]
    return out


def _extract_member(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    display: str,
    limit: int,
    stack: ExitStack,
) -> SourceFile:
    """Extract one member, stopping at `limit` bytes (a member past it is refused)."""
    target, fd = _member_file(stack, Path(info.filename).name)
    written = 0
    try:
        with archive.open(info) as src:
            while chunk := src.read(1 << 20):
                written += len(chunk)
                if written > limit:
                    return SourceFile(
                        target,
                        display,
                        info.filename,
                        f"{display}: expands to more than {limit >> 20:,} MB, the "
                        "limit for one zip member (setting unzip_limit_mb, "
                        "CUSTODES_UNZIP_LIMIT_MB); extraction stopped there. Raise "
                        "the limit if the file is genuine, or unzip it yourself.",
                    )
                os.write(fd, chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        return SourceFile(target, display, info.filename, cannot_read(display, exc))
    finally:
        if written > limit:
            os.ftruncate(fd, 0)  # give the disk back at once
    return SourceFile(target, display, info.filename)


def _member_file(stack: ExitStack, name: str) -> tuple[Path, int]:
    """A file to extract into, closed when `stack` closes, and its path for DuckDB.

    On Linux the file has no name at all (O_TMPFILE, read through /proc/self/fd), so
    a killed ingest leaves nothing behind: the system frees it with the process.
    Elsewhere it is a named file in a temporary folder removed at the end."""
    tmp = tempfile.gettempdir()
    if hasattr(os, "O_TMPFILE") and Path("/proc/self/fd").is_dir():
        try:
            fd = os.open(tmp, os.O_TMPFILE | os.O_RDWR, 0o600)
        except OSError:  # a file system without unnamed files
            pass
        else:
            stack.callback(os.close, fd)
            return Path(f"/proc/self/fd/{fd}"), fd
    folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="custodes-zip-"))
    target = Path(folder) / name
    fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
    stack.callback(os.close, fd)
    return target, fd


def open_binary(source: SourceFile) -> io.BufferedIOBase:
    if source.compressed:
        return gzip.open(source.path, "rb")
    return open(source.path, "rb")


def read_header(source: SourceFile) -> list[str]:
    """The header row, BOM stripped. Raises InputError for a file that cannot be
    read, or whose first line is empty, not UTF-8 text, or too long to be a header."""
    if source.problem:
        raise InputError(source.problem)
    where = source.display
    try:
        with open_binary(source) as fh:
            first = fh.readline(HEADER_LIMIT)
    except READ_ERRORS as exc:
        raise InputError(cannot_read(where, exc)) from exc
    if not first.strip():
        raise InputError(f"{where}: empty file (no header row); nothing to read.")
    if len(first) >= HEADER_LIMIT and not first.endswith(b"\n"):
        raise InputError(
            f"{where}:1: the first line is longer than {HEADER_LIMIT >> 20} MB, so it "
            "is not a header row. Is this a CSV file with column names on its first "
            "line?"
        )
    if b"\x00" in first:
        raise InputError(
            f"{where}:1: the header holds NUL bytes: the file looks like UTF-16 (or "
            "another encoding that is not UTF-8) without a byte-order mark. Re-save it "
            "as UTF-8."
        )
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{where}:1: header is not UTF-8 "
            f"({exc.reason} at byte {exc.start}). "
            "Re-save the file as UTF-8."
        ) from exc
    try:
        return [h.strip() for h in next(csv.reader([text]))]
    except csv.Error as exc:
        raise InputError(
            f"{where}:1: the first line is not a CSV header row ({exc})."
        ) from exc


def sha256(source: SourceFile) -> str | None:
    """The file's SHA-256, or None when it cannot be read (the file is refused)."""
    digest = hashlib.sha256()
    try:
        with open(source.path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def raw_line_at(
    source: SourceFile, byte_position: int | None, limit: int = 1 << 20
) -> str | None:
    """The raw text of the line starting at `byte_position` (at most `limit` bytes),
    undecodable bytes escaped."""
    if byte_position is None:
        return None
    with open_binary(source) as fh:
        fh.seek(byte_position)
        data = fh.readline(limit)
    return data.decode("utf-8", errors="backslashreplace").rstrip("\r\n")


def line_start(source: SourceFile, byte_position: int) -> int:
    """`byte_position` moved back to the start of its line, if it is up to two bytes
    in (DuckDB reports some rejected lines one byte late after a CRLF)."""
    if byte_position <= 0:
        return 0
    start = max(0, byte_position - 3)
    with open_binary(source) as fh:
        fh.seek(start)
        before = fh.read(byte_position - start)
    if before.endswith(b"\n"):
        return byte_position
    newline = before.rfind(b"\n")
    return start + newline + 1 if newline >= 0 else byte_position


def line_size_at(source: SourceFile, byte_position: int) -> tuple[int, str]:
    """The length in bytes and SHA-256 of the whole line starting at
    `byte_position` (its line ending left out), read in pieces of a megabyte."""
    digest, size, held = hashlib.sha256(), 0, b""
    with open_binary(source) as fh:
        fh.seek(byte_position)
        while piece := fh.readline(1 << 20):
            piece = held + piece
            ended = piece.endswith(b"\n")
            piece = piece.rstrip(b"\n")
            # A CR at the end of a piece may be the first half of a CRLF ending.
            held = b"\r" if piece.endswith(b"\r") else b""
            piece = piece[: len(piece) - len(held)]
            digest.update(piece)
            size += len(piece)
            if ended:
                held = b""
                break
    digest.update(held)
    return size + len(held), digest.hexdigest()
