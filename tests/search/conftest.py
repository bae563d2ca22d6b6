"""The search tests use the web app's fixture stores (tests/serve/fixture_store.py)."""

from tests.serve.conftest import bare_store_path, client, store_path

__all__ = ["bare_store_path", "client", "store_path"]
