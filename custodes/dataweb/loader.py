"""Read the curated data web from its YAML files (custodes/data/dataweb/ by default)."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from custodes.dataweb.model import FILES, VOCABULARY_FILE, DataWeb, Entry
from custodes.errors import InputError

# libyaml's parser when PyYAML was built with it (same results, several times faster)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ID_LINE = re.compile(r"^- id: *['\"]?([^'\"\s#]+)", re.MULTILINE)


def default_data_dir() -> Path:
    return Path(str(resources.files("custodes.data").joinpath("dataweb")))


def _plain(value: Any) -> Any:
    """YAML may read 2025-04-07 as a date; the data web keeps dates as ISO text."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _id_lines(text: str) -> dict[str, int]:
    lines: dict[str, int] = {}
    for match in _ID_LINE.finditer(text):
        lines.setdefault(match.group(1), text.count("\n", 0, match.start()) + 1)
    return lines


def _read_yaml(path: Path) -> tuple[Any, str]:
    """PATH's YAML document and text; a file that is not UTF-8 or not YAML is one
    clear error naming the file, the line and column, and what to do."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{path}:{line}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at "
            f"offset {exc.start}). Re-save the file as UTF-8 and retry."
        ) from exc
    try:
        return yaml.load(text, Loader=_Loader), text  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        what = " ".join(
            str(part)
            for part in (getattr(exc, "context", None), getattr(exc, "problem", None))
            if part
        )
        raise InputError(
            f"{where}: not valid YAML: {what or exc}. Fix the file and retry."
        ) from exc


def _load_file(web: DataWeb, path: Path, kind: str) -> None:
    doc, text = _read_yaml(path)
    if doc is None:
        return
    if not isinstance(doc, list):
        web.load_problems.append(f"{path.name}: the file must be a list of entries")
        return
    lines = _id_lines(text)
    for index, item in enumerate(doc, start=1):
        if not isinstance(item, dict) or not item.get("id"):
            web.load_problems.append(f"{path.name}: entry {index} has no id")
            continue
        entry_id = str(item["id"])
        entry = Entry(entry_id, kind, _plain(item), path.name, lines.get(entry_id))
        web.all_entries.append(entry)
        web.entries.setdefault(entry_id, entry)


def load_dataweb(data_dir: Path | None = None) -> DataWeb:
    """Read every data-web file in `data_dir`; unknown YAML files become problems."""
    folder = Path(data_dir) if data_dir else default_data_dir()
    if not folder.is_dir():
        raise InputError(
            f"No data-web folder at {folder}. Pass --data with the folder "
            "that holds organisations.yaml, systems.yaml and the rest."
        )
    web = DataWeb()
    vocab_path = folder / VOCABULARY_FILE
    if vocab_path.exists():
        web.vocabulary = _plain(_read_yaml(vocab_path)[0] or {})
    else:
        web.load_problems.append(
            f"{VOCABULARY_FILE}: missing (it lists the allowed terms)"
        )
    for name, (_, kind) in FILES.items():
        if (folder / name).exists():
            _load_file(web, folder / name, kind)
        else:
            web.load_problems.append(f"{name}: missing")
    known = set(FILES) | {VOCABULARY_FILE}
    for path in sorted(folder.glob("*.y*ml")):
        if path.name not in known:
            web.load_problems.append(
                f"{path.name}: unexpected file; the data web reads only "
                f"{', '.join(sorted(known))}"
            )
    return web


@lru_cache(maxsize=4)
def _cached(folder: str, stamp: float) -> DataWeb:
    return load_dataweb(Path(folder))


def shipped_dataweb(data_dir: Path | None = None) -> DataWeb:
    """Load once per process (again when a file changes); for the CLI and web app."""
    folder = Path(data_dir) if data_dir else default_data_dir()
    stamp = max((p.stat().st_mtime for p in folder.glob("*.yaml")), default=0.0)
    return _cached(str(folder), stamp)
