"""dataweb stage (see docs/)."""
