"""Ingest: read source files (formats from custodes/sources/) into the canonical
transaction table, all or nothing."""
