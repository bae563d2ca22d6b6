"""One Settings object, built once by the CLI or the web app and passed down.

No other module reads the environment. Every setting has a default and a help text;
docs/settings.md lists them (a test checks that it does).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

ENV_PREFIX = "CUSTODES_"

HELP: dict[str, str] = {
    "db": "Path of the DuckDB store. Env: CUSTODES_DB. "
    "Default: custodes.duckdb in the user's data directory.",
    "lock_wait": "Seconds a writer waits for another writer before giving up. "
    "Env: CUSTODES_LOCK_WAIT. Default: 0 (refuse at once).",
    "memory_limit": "DuckDB memory limit for heavy work such as ingest. "
    "Env: CUSTODES_MEMORY_LIMIT. Default: 1500MB.",
    "debug_pause": "Testing only: pause ingest at 'stage', 'merge' or 'commit' "
    "(refresh: at a step's name, 'commit' or 'committed') so a test can kill it "
    "there ('trace': print each point and go on). "
    "Env: CUSTODES_DEBUG_PAUSE. Default: unset.",
    "serve_time_limit": "Seconds after which a web-app query is stopped. "
    "Env: CUSTODES_SERVE_TIME_LIMIT. Default: 5.",
    "serve_search_index": "Hold the search index in memory in the web app (about 400 MB"
    " for 10M transactions; searches are slower without it). "
    "Env: CUSTODES_SERVE_SEARCH_INDEX (0 turns it off). Default: on.",
    "serve_page_cache_mb": "Megabytes of rendered pages the web app keeps in memory "
    "(each page at most 512 KB; the least recently asked for go first). "
    "Env: CUSTODES_SERVE_PAGE_CACHE_MB (0 turns the page cache off). Default: 128.",
    "unzip_limit_mb": "Megabytes one member of a .zip given to ingest may expand to; "
    "extraction stops there and the member is refused (a zip bomb fills no disk). "
    "Env: CUSTODES_UNZIP_LIMIT_MB. Default: 20000.",
    "sync_reply_limit_mb": "Megabytes one API reply may hold in `custodes sync`; a "
    "larger reply is cut off and refused. Env: CUSTODES_SYNC_REPLY_LIMIT_MB. "
    "Default: 64.",
    "sync_download_limit_mb": "Megabytes one file `custodes sync bulk` may download; "
    "a larger one is cut off and refused. Env: CUSTODES_SYNC_DOWNLOAD_LIMIT_MB. "
    "Default: 20000.",
    "reviewer": "Who records review decisions (`custodes review accept|correct`) "
    "when --reviewer is not given. Env: CUSTODES_REVIEWER. Default: unset (the "
    "command then asks for --reviewer; it never guesses).",
    "usaspending_url": "Base URL of the USAspending API. "
    "Env: CUSTODES_USASPENDING_URL. Default: https://api.usaspending.gov.",
}


def default_db_path() -> Path:
    return Path(platformdirs.user_data_dir("custodes")) / "custodes.duckdb"


@dataclass(frozen=True)
class Settings:
    db: Path = field(default_factory=default_db_path)
    lock_wait: float = 0.0
    memory_limit: str = "1500MB"
    unzip_limit_mb: int = 20_000
    usaspending_url: str = "https://api.usaspending.gov"
    sync_reply_limit_mb: int = 64
    sync_download_limit_mb: int = 20_000
    serve_time_limit: float = 5.0
    serve_search_index: bool = True
    serve_page_cache_mb: float = 128.0
    reviewer: str | None = None
    debug_pause: str | None = None  # test hook: stop at a named ingest step

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, **overrides: object
    ) -> Settings:
        """Defaults, then CUSTODES_* variables, then explicit overrides (CLI flags)."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        if env.get("CUSTODES_DB"):
            values["db"] = Path(env["CUSTODES_DB"])
        if env.get("CUSTODES_LOCK_WAIT"):
            values["lock_wait"] = float(env["CUSTODES_LOCK_WAIT"])
        if env.get("CUSTODES_MEMORY_LIMIT"):
            values["memory_limit"] = env["CUSTODES_MEMORY_LIMIT"]
        if env.get("CUSTODES_UNZIP_LIMIT_MB"):
            values["unzip_limit_mb"] = int(env["CUSTODES_UNZIP_LIMIT_MB"])
        if env.get("CUSTODES_USASPENDING_URL"):
            values["usaspending_url"] = env["CUSTODES_USASPENDING_URL"]
        for name in ("sync_reply_limit_mb", "sync_download_limit_mb"):
            if env.get(f"CUSTODES_{name.upper()}"):
                values[name] = int(env[f"CUSTODES_{name.upper()}"])
        if env.get("CUSTODES_SERVE_TIME_LIMIT"):
            values["serve_time_limit"] = float(env["CUSTODES_SERVE_TIME_LIMIT"])
        if env.get("CUSTODES_SERVE_SEARCH_INDEX"):
            flag = env["CUSTODES_SERVE_SEARCH_INDEX"].strip().lower()
            values["serve_search_index"] = flag not in ("0", "false", "no", "off")
        if env.get("CUSTODES_SERVE_PAGE_CACHE_MB"):
            values["serve_page_cache_mb"] = float(env["CUSTODES_SERVE_PAGE_CACHE_MB"])
        if env.get("CUSTODES_REVIEWER", "").strip():
            values["reviewer"] = env["CUSTODES_REVIEWER"].strip()
        if env.get("CUSTODES_DEBUG_PAUSE"):
            values["debug_pause"] = env["CUSTODES_DEBUG_PAUSE"]
        for key, value in overrides.items():
            if value is not None:
                values[key] = Path(value) if key == "db" else value  # type: ignore[arg-type]
        return cls(**values)  # type: ignore[arg-type]
