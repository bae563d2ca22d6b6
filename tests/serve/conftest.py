"""Fixtures for the web app tests: fixture stores, the app in-process, a live server."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from custodes.serve.app import build_app
from custodes.settings import Settings
from tests.serve.fixture_store import build_fixture_store

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "serve"


@pytest.fixture
def real_copy(real_store_path: Path, tmp_path: Path) -> Path:
    """A copy of the store the real stages write (tests/real_store.py) for one test:
    an app keeps its connection to the file it opens, in one configuration."""
    db = tmp_path / "store.duckdb"
    shutil.copy(real_store_path, db)
    return db


@pytest.fixture
def real_web(real_copy: Path) -> Iterator[TestClient]:
    """The web app on `real_copy` (read its tables with `app_rows`)."""
    with TestClient(build_app(Settings(db=real_copy))) as client:
        yield client


def app_rows(client: TestClient, sql: str) -> list[dict]:
    """Rows of SQL through the app's own read-only connection to its store (another
    connection to the file in this process would need the same configuration)."""
    return client.app.state.reader.rows(sql, cache=False)


@pytest.fixture(scope="session")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_fixture_store(tmp_path_factory.mktemp("serve") / "store.duckdb")


@pytest.fixture(scope="session")
def bare_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Only ingested transactions: no vendor or classification tables."""
    return build_fixture_store(
        tmp_path_factory.mktemp("bare") / "store.duckdb", stage_tables=False
    )


@pytest.fixture(scope="session")
def client(store_path: Path) -> Iterator[TestClient]:
    with TestClient(
        build_app(Settings(db=store_path)), raise_server_exceptions=False
    ) as c:
        yield c


@pytest.fixture(scope="session")
def dataweb_client(
    store_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """The app with the small fixture data web (tests/serve/dataweb_fixture.py),
    statuses as of its fixed day."""
    from custodes.dataweb.explore import Explorer
    from custodes.serve.dataweb_source import DatawebSource
    from tests.serve.dataweb_fixture import AS_OF, write_fixture_dataweb

    folder = write_fixture_dataweb(tmp_path_factory.mktemp("dataweb"))
    source = DatawebSource(Explorer(folder), as_of=AS_OF)
    with TestClient(
        build_app(Settings(db=store_path), dataweb=source),
        raise_server_exceptions=False,
    ) as c:
        yield c


@pytest.fixture(scope="session")
def bare_client(bare_store_path: Path) -> Iterator[TestClient]:
    with TestClient(
        build_app(Settings(db=bare_store_path)), raise_server_exceptions=False
    ) as c:
        yield c


def prepared_client(db: Path, popular_awards: int) -> TestClient:
    """The app on DB after building its serve tables with words of POPULAR_AWARDS
    awards prepared; caches off, so that every answer is computed."""
    from custodes.serve.prepare import build_serve_tables
    from custodes.store import open_store

    with open_store(Settings(db=db), write=True, command="test") as store:
        build_serve_tables(store, popular_awards=popular_awards)
    return TestClient(
        # comparisons, not timings: a loaded machine must not stop a query at 5 s
        build_app(Settings(db=db), time_limit=60, cache_size=0, page_cache=0),
        raise_server_exceptions=False,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def live_server(db: Path) -> Iterator[str]:
    """The app on DB served by uvicorn on a free loopback port, stopped on exit."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            build_app(Settings(db=db)),
            host="127.0.0.1",
            port=port,
            log_level="warning",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start within 20 s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_url(store_path: Path) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port, stopped after the session."""
    with live_server(store_path) as url:
        yield url
