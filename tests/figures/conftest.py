"""Fixtures of the figures tests: the web app on a module's `store`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from custodes.serve.app import build_app
from custodes.settings import Settings


@pytest.fixture(scope="module")
def web(store: Path) -> Iterator[TestClient]:
    """The web app, caches off, on the store the test module builds (its `store`)."""
    with TestClient(
        build_app(Settings(db=store), cache_size=0, page_cache=0),
        raise_server_exceptions=True,
    ) as client:
        yield client
