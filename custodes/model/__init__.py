"""Reference data shipped with custodes (agencies, formats), loaded from
custodes/data."""
