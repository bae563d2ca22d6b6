"""A fake USAspending API v2 on 127.0.0.1, for tests, demos and benchmarks.

    python -m tests.fakes.usaspending --data ../shared/data/usaspending/api-search

(from the project folder). It is a test double: it lives under tests/ and is not part
of the installed package.
"""

from tests.fakes.usaspending.faults import Fault
from tests.fakes.usaspending.server import FakeUsaspending, api_record, load_rows, main

__all__ = ["FakeUsaspending", "Fault", "api_record", "load_rows", "main"]
