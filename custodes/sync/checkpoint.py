"""The staging folder beside the store and the checkpoint that lets a sync resume.

Layout: `<store>.sync/` holds `checkpoint.json` plus one CSV (api-search format) per
window that was fetched and verified complete. The checkpoint is rewritten atomically
(write a temp file, then rename) after every window, so a kill at any moment leaves
either the old or the new checkpoint, never half of one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from custodes.sync.windows import Window

VERSION = 1


def staging_dir(db: Path) -> Path:
    return db.with_name(db.name + ".sync")


@dataclass
class WindowState:
    key: str
    status: str = "pending"  # pending | done | split | failed
    expected: int | None = None  # the API's count for the window
    rows: int = 0  # distinct records saved
    file: str | None = None
    attempts: int = 0
    error: str | None = None

    @property
    def window(self) -> Window:
        return Window.parse(self.key)


@dataclass
class Checkpoint:
    plan: dict[str, Any]
    windows: list[WindowState] = field(default_factory=list)
    version: int = VERSION
    cap_seen: int | None = None  # lowest result cap the server revealed

    @property
    def plan_id(self) -> str:
        text = json.dumps(self.plan, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def pending(self) -> list[WindowState]:
        return [w for w in self.windows if w.status in ("pending", "failed")]

    def done(self) -> list[WindowState]:
        return [w for w in self.windows if w.status == "done"]

    def missing(self) -> list[dict[str, Any]]:
        return [
            {
                "window": w.key,
                "status": w.status,
                "expected": w.expected,
                "got": w.rows,
                "error": w.error,
            }
            for w in self.windows
            if w.status in ("pending", "failed")
        ]

    def replace(self, state: WindowState, parts: list[Window]) -> None:
        """Mark `state` split and queue its parts right after it."""
        state.status = "split"
        i = self.windows.index(state)
        self.windows[i + 1 : i + 1] = [WindowState(p.key) for p in parts]

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "plan_id": self.plan_id,
            "plan": self.plan,
            "cap_seen": self.cap_seen,
            "windows": [asdict(w) for w in self.windows],
        }


def load(folder: Path) -> Checkpoint | None:
    path = folder / "checkpoint.json"
    try:
        doc = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except ValueError:
        return None  # unreadable: start again (the data files are re-fetched)
    if doc.get("version") != VERSION:
        return None
    return Checkpoint(
        doc["plan"],
        [WindowState(**w) for w in doc["windows"]],
        cap_seen=doc.get("cap_seen"),
    )


class Savable(Protocol):
    """A checkpoint of a sync of dates or of a history run (sync/history.py)."""

    def to_dict(self) -> dict[str, Any]: ...


def save(folder: Path, cp: Savable) -> None:
    """Write CP to FOLDER/checkpoint.json whole or not at all (a temporary file,
    flushed to disk, then renamed)."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / "checkpoint.json.tmp"
    with open(tmp, "w") as fh:
        json.dump(cp.to_dict(), fh, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(folder / "checkpoint.json")


def clear(folder: Path) -> None:
    """Remove the staging folder after its data is safely in the store."""
    shutil.rmtree(folder, ignore_errors=True)


def start(
    folder: Path, plan: dict[str, Any], first: Window
) -> tuple[Checkpoint, bool, dict[str, Any] | None]:
    """Resume the checkpoint for `plan`, or start a new one.

    Returns (checkpoint, resumed, the plan of a discarded checkpoint or None).
    """
    old = load(folder)
    if old is not None and old.plan == plan:
        return old, True, None
    clear(folder)
    cp = Checkpoint(plan, [WindowState(first.key)])
    save(folder, cp)
    return cp, False, (old.plan if old is not None else None)
