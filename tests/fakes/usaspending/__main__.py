"""`python -m tests.fakes.usaspending`: run the fake USAspending API until Ctrl-C."""

from tests.fakes.usaspending.server import main

main()
