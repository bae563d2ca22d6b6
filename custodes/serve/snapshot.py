"""`custodes serve --snapshot`: the web app reads a copy of the store, so the store
stays writable. custodes/store/snapshot.py copies the store and follows it; here is
what the web app builds in each copy (its summary tables) before it moves to it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from custodes.serve.prepare import build_serve_tables, serve_tables_stale
from custodes.settings import Settings
from custodes.store import snapshot
from custodes.store.duckdb import Store

COMMAND = "serve --snapshot"


def prepare_copy(store: Store) -> None:
    """Build the summary tables in a new copy unless they are current."""
    if serve_tables_stale(store) is not None:
        build_serve_tables(store)


def make_snapshot(
    settings: Settings, unless: dict[str, Any] | None = None
) -> tuple[Path, dict[str, Any], tuple[int, int, bool]] | tuple[None, Any, Any]:
    """Copy the store and build the copy's summary tables (see store/snapshot.py)."""
    return snapshot.make_snapshot(settings, unless, prepare_copy, COMMAND)


def follow_store(
    settings: Settings,
    current: Path,
    markers: dict[str, Any],
    stamp: tuple[int, int, bool],
    swap: Callable[[Path], Path],
    refresh: float,
    grace: float,
) -> snapshot.Follower:
    """A Follower: moves the web app to a new prepared copy when the store changes."""
    return snapshot.Follower(
        settings, current, markers, stamp, swap, refresh, grace, prepare_copy, COMMAND
    )
