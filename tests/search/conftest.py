"""The search tests use the web app's fixture stores and servers
(tests/serve/conftest.py)."""

from tests.serve.conftest import bare_store_path, client, live_url, store_path

__all__ = ["bare_store_path", "client", "live_url", "store_path"]
