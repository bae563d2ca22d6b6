"""analyse stage (see docs/)."""
