"""Ingest: read USAspending files into the canonical transaction table."""
