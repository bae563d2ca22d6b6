"""`custodes serve`: the web app and JSON API on the store (read-only)."""

from __future__ import annotations

import errno
import os
import socket
from dataclasses import replace
from pathlib import Path

import click

from custodes.console import console, db_option, err_console, print_json
from custodes.errors import InputError, StoreBusy
from custodes.serve.prepare import build_serve_tables, serve_tables_stale
from custodes.settings import Settings
from custodes.store import open_store
from custodes.store.lock import reading_in_place


def check_address(host: str, port: int) -> None:
    """Fail with a clear message, before any work, when HOST:PORT cannot be listened
    on (the port taken by another program, a host that is not this machine's)."""
    try:
        found = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except OSError as exc:
        raise InputError(
            f"Cannot listen on --host {host}: {exc.strerror or exc}. Give an address "
            "of this machine: 127.0.0.1 (the default, this machine only) or 0.0.0.0 "
            "(every interface)."
        ) from exc
    family, kind, proto, _, address = found[0]
    with socket.socket(family, kind, proto) as probe:
        # as uvicorn binds: a port left in TIME_WAIT by a stopped server is free
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            taken = exc.errno == errno.EADDRINUSE
            raise InputError(
                f"Cannot listen on {host}:{port}: "
                + (
                    "the port is in use by another program (another "
                    "`custodes serve`?). Choose another with --port, or stop it."
                    if taken
                    else f"{exc.strerror or exc}. Check --host and --port."
                )
            ) from exc


def prepare(settings: Settings, force: bool) -> dict | None:
    """Build the summary tables when missing or stale; None when nothing was needed."""
    with open_store(settings) as store:
        reason = serve_tables_stale(store)
    if reason is None and not force:
        return None
    with console.status(
        f"Building the web app's summary tables ({reason or 'forced'})..."
    ):
        with open_store(settings, write=True, command="serve --prepare") as store:
            return build_serve_tables(store)


@click.command("serve")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Use 0.0.0.0 to publish beyond this machine.",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8000,
    show_default=True,
    help="Port to listen on; if another program holds it, the server says so and "
    "exits 1 before any work.",
)
@click.option(
    "--prepare",
    "prepare_only",
    is_flag=True,
    help="Only (re)build the summary tables the web app reads, then exit.",
)
@click.option(
    "--no-prepare",
    is_flag=True,
    help="Do not build summary tables at start, even when stale.",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(0.1, 60),
    default=5.0,
    show_default=True,
    help="Seconds after which a page's query is stopped.",
)
@click.option(
    "--snapshot",
    is_flag=True,
    help="Serve a copy of the store, so that ingest, sync, resolve and classify can "
    "write the store while the web app runs; the app moves to a fresh copy when the "
    "store changes.",
)
@click.option(
    "--refresh",
    type=click.FloatRange(1, 86400),
    default=300,
    show_default=True,
    help="With --snapshot: seconds between checks for a changed store.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Server processes. More than one uses more cores for pages that must be "
    "computed (each process keeps its own caches).",
)
@db_option
def serve_command(
    settings: Settings,
    host: str,
    port: int,
    prepare_only: bool,
    no_prepare: bool,
    time_limit: float,
    snapshot: bool,
    refresh: float,
    workers: int,
) -> None:
    """Serve the web app and the JSON API (read-only) on the store.

    Pages: dashboard, search, awards, vendors, categories, the data-web explorer,
    "who can reach this data" and methodology; add .json or .csv to any page's path
    for the API (OpenAPI at /openapi.json). The first start builds summary tables
    (serve_*) in the store. A command that writes the store while the server runs
    gets it handed over: the server serves a copy meanwhile, then the new tables
    (with --workers, writers are refused); --snapshot serves a copy all the time.
    """
    if prepare_only:
        built = prepare(settings, force=True)
        print_json(built)
        return
    check_address(host, port)
    if snapshot:
        if workers > 1:
            raise InputError(
                "--snapshot runs one server process; drop --workers or --snapshot."
            )
        _serve_snapshot(settings, host, port, time_limit, refresh)
        return
    if not no_prepare:
        try:
            built = prepare(settings, force=False)
        except StoreBusy as exc:
            err_console.print(f"[yellow]Summary tables not rebuilt: {exc}[/]")
            built = None
        if built:
            console.print(
                f"Summary tables built: {built['awards']:,} awards from "
                f"{built['transactions']:,} transactions."
            )
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
    url = f"http://{shown}:{port}/"
    console.print(
        f"custodes is serving {settings.db} at [bold]{url}[/] "
        f"(Ctrl+C to stop; {workers} process{'es' if workers > 1 else ''}). "
        "API: /api, OpenAPI: /openapi.json"
    )
    console.print(HAND_OVER_NOTE if workers == 1 else IN_PLACE_NOTE)
    with reading_in_place(Path(settings.db), "serve", url=url, handover=workers == 1):
        _serve_in_place(settings, host, port, time_limit, workers)


# What a plain `custodes serve` does when a command must write the store
# (docs/refresh.md): DuckDB lets no process write a file another process has open.
HAND_OVER_NOTE = (
    "It reads the store in place; when a command must write it (refresh, ingest, "
    "sync), the server hands the store over: it serves a copy while the command "
    "runs, then the store again, so pages show the new tables without a restart and "
    "never a mix of old and new."
)
IN_PLACE_NOTE = (
    "It reads the store in place and, with several processes, cannot hand it over: "
    "while it runs, no command can write the store (DuckDB lets no process write a "
    "file another process has open), so ingest, sync and refresh are refused. To "
    "refresh while serving, run one process or `custodes serve --snapshot`."
)


def _serve_in_place(
    settings: Settings, host: str, port: int, time_limit: float, workers: int
) -> None:
    from custodes.serve.app import build_app
    from custodes.serve.server import run

    if workers > 1:
        # Each worker process builds its own app from the environment.
        os.environ["CUSTODES_DB"] = str(settings.db)
        os.environ["CUSTODES_SERVE_TIME_LIMIT"] = str(time_limit)
        run(
            "custodes.serve.app:app_from_env",
            factory=True,
            workers=workers,
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
        )
        return
    app = build_app(settings, time_limit=time_limit, hand_over=True)
    run(app, host=host, port=port, log_level="warning", access_log=False)


def _serve_snapshot(
    settings: Settings, host: str, port: int, time_limit: float, refresh: float
) -> None:
    from custodes.serve.app import build_app
    from custodes.serve.server import run
    from custodes.serve.snapshot import make_snapshot

    with console.status("Copying the store and building the copy's summary tables..."):
        path, markers, stamp = make_snapshot(settings)
    assert path is not None  # None only when `unless` is given and matches
    app = build_app(
        replace(settings, db=path),
        time_limit=time_limit,
        follow=(settings, markers, stamp, refresh),
    )
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
    console.print(
        f"custodes is serving a snapshot of {settings.db} at "
        f"[bold]http://{shown}:{port}/[/] (Ctrl+C to stop); the store stays writable "
        f"and is checked for changes every {refresh:g} s."
    )
    run(app, host=host, port=port, log_level="warning", access_log=False)


def register(group: click.Group) -> None:
    group.add_command(serve_command)
