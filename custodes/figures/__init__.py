"""Figures: every table computed from the store, and the questions asked of them.

The analysis frame (`analyse_tables`, `frame`), the standard analyses (`analyses`) and
what counts as surveillance (`definition`) live here, so that the command line, the
reports, the web app, watch digests and exports ask one layer and get one answer.
Importing this package imports nothing heavy (Ibis is loaded by the modules that use
it).
"""
