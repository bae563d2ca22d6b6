"""resolve stage (see docs/)."""
