"""Search: the search tables, the engine behind /search and `custodes search`."""
